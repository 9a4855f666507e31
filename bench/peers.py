"""Benchmark the pipeline against what users would pick instead, side by side on this machine in one run.

Peers (installed and started by scripts/peers-up.sh, offline):
- BuildKit through Debian's docker.io (dockerd 20.10): bench/peers/Dockerfile, cache mounts for the module
  and build caches, the builder on the build platform cross-compiling, a scratch runtime stage, the local Go
  builder image loaded into dockerd (no pull); multi-arch = one `docker build --platform` per platform run
  concurrently (dockerd 20.10 builds one platform per build), pushed, then `docker manifest` makes the index.
- ko v0.19.1 on the host's Go, base image from the local registry (the pipeline's scratch assembly, published
  there by this script), pushing to it.
- Dagger's Go toolchain module (toolchains/go in github.com/dagger/dagger): cannot be loaded here; see
  DAGGER_GO_TOOLCHAIN below.

Every peer gets its own copy of each source (app/ and the generated module of bench/genmodule.py) and the
same one-line changes. Cold = empty caches for that peer (pipeline: a new cache namespace and source salt;
BuildKit: `docker builder prune -af`; ko: empty GOCACHE/GOMODCACHE); the figures after it run warm on that
state. For each figure, runs alternate between peers so that load from other work on the machine falls on
all of them alike. The pipeline runs in client mode (the module's functions, as bench/bench.py does); the
peers run as the commands a user types. Results go to bench/results/peers-<time>.json.
"""

import json
import os
import platform
import shutil
import statistics
import sys
import tarfile
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

import anyio
import dagger
from dagger import dag

ROOT: Final = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import genmodule  # noqa: E402 (bench/ is this script's folder)

from pipeline import Pipeline, pins  # noqa: E402
from pipeline.args import SOURCE_IGNORE  # noqa: E402
from pipeline.go.build import runtime_base  # noqa: E402
from pipeline.go.builder import GoEnv  # noqa: E402
from pipeline.go.platforms import parse_platform  # noqa: E402
from pipeline.release.publish_tags import fan_out  # noqa: E402
from scripts import harness_pins  # noqa: E402

RUNS: Final = int(os.environ.get("BENCH_RUNS", "3"))
COLD_RUNS: Final = int(os.environ.get("BENCH_COLD_RUNS", "2"))
#: Repository names in the local registry start with this (unique per worktree while developing).
PREFIX: Final = os.environ.get("BENCH_REPO_PREFIX", "bench")
GEN_PACKAGES: Final = int(os.environ.get("BENCH_GEN_PACKAGES", "30"))
#: What to run (comma-separated), e.g. BENCH_PEERS=pipeline,ko BENCH_SOURCES=gen for a partial look.
PEERS: Final = os.environ.get("BENCH_PEERS", "pipeline,buildkit,ko").split(",")
SOURCES: Final = os.environ.get("BENCH_SOURCES", "app,gen").split(",")
REGISTRY: Final = harness_pins.LOCAL_REGISTRY
TWO: Final = ["linux/amd64", "linux/arm64"]
AMD64: Final = "linux/amd64"
DOCKERFILE: Final = ROOT / "bench" / "peers" / "Dockerfile"
DAGGER_GO_TOOLCHAIN: Final = (
    "cannot run here: toolchains/go is a nested Go module, so the github.com/dagger/dagger module zip the harness "
    "downloads leaves it out (and its dependency modules/wolfi); the Go module proxy answers 403 for "
    "github.com/dagger/dagger/toolchains/go and github.com/dagger/go, and nothing else reachable serves them"
)

FIGURES: Final = {
    "cold": "cold build amd64+arm64",
    "warm": "warm build amd64+arm64, no change",
    "binary": "one-line change -> binary amd64",
    "image": "one-line change -> image amd64",
    "test": "one-line change -> test",
    "publish": "one-line change -> publish amd64+arm64",
    "size": "image size amd64 (compressed layers)",
    "files": "image size amd64 (files)",
}
#: Pipeline target against the peers, per figure: at most this times the fastest (smallest) peer.
TARGETS: Final = {"cold": 1.1, "warm": 1.0, "binary": 1.0, "image": 1.0, "test": 1.0, "publish": 1.0, "size": 1.0}


def note(text: str) -> None:
    """Progress on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


@dataclass
class Cell:
    """One peer's runs of one figure on one source."""

    source: str
    figure: str
    peer: str
    values: list[float] = field(default_factory=list[float])
    #: 1-minute load average before each run (other work on the machine).
    load: list[float] = field(default_factory=list[float])
    unit: str = "s"

    @property
    def median(self) -> float:
        """Median run."""
        return statistics.median(self.values)


@dataclass
class Source:
    """A private copy of one benchmark source that one peer builds and edits."""

    kind: str  # "app" or "gen"
    dir: Path
    binary: str
    edits: int = 0

    def edit(self) -> None:
        """Make the next one-line change (a real code change: the package recompiles)."""
        self.edits += 1
        if self.kind == "gen":
            genmodule.edit(self.dir, self.edits, GEN_PACKAGES)
            return
        genmodule.edit_file(self.dir / "handlers.go", self.edits)

    def salt(self) -> None:
        """Make the source new to the engine without changing what Go builds."""
        (self.dir / "testdata").mkdir(exist_ok=True)
        (self.dir / "testdata" / "bench-salt").write_text(uuid.uuid4().hex)

    @property
    def version(self) -> str:
        """The release version of the current edit (its semver fan-out gives the published tags)."""
        return f"v0.1.{self.edits}"


def copy_source(template: Source, peer: str) -> Source:
    """Return the peer's own copy of a template source."""
    dest = Path(tempfile.mkdtemp(prefix=f"bench-{template.kind}-{peer}-"))
    shutil.copytree(template.dir, dest, dirs_exist_ok=True)
    return Source(template.kind, dest, template.binary)


async def sh(argv: list[str], env: dict[str, str] | None = None, cwd: Path | None = None) -> str:
    """Run a command; raise with its output when it fails."""
    res = await anyio.run_process(argv, env=env, cwd=cwd, check=False)
    if res.returncode != 0:
        out = (res.stdout + res.stderr).decode(errors="replace")[-3000:]
        msg = f"{' '.join(argv)} failed (exit {res.returncode}):\n{out}"
        raise RuntimeError(msg)
    return res.stdout.decode()


async def concurrently(*fns: Callable[[], Coroutine[Any, Any, object]]) -> None:
    """Run awaitables at once (a peer's per-platform commands, as a careful team scripts them)."""
    async with anyio.create_task_group() as tg:
        for fn in fns:
            tg.start_soon(fn)


class Peer:
    """A tool that builds, tests and publishes a Go service; None from a figure's method means it has none."""

    name = ""

    async def cold(self, src: Source) -> None:
        """Forget every cache, then build both platforms."""
        raise NotImplementedError

    async def build(self, src: Source) -> None:
        """Build both platforms (binaries where the tool makes them, else images)."""
        raise NotImplementedError

    async def binary(self, src: Source) -> bool:
        """Build the amd64 binary onto the host; False when the tool has no such step."""
        raise NotImplementedError

    async def image(self, src: Source) -> None:
        """Build the amd64 image into the tool's own store."""
        raise NotImplementedError

    async def test(self, src: Source) -> bool:
        """Run the tests; False when the tool has no test step."""
        raise NotImplementedError

    async def publish(self, src: Source) -> str:
        """Push both platforms as one index under the version's tags; return one published reference."""
        raise NotImplementedError

    def repo(self, src: Source) -> str:
        """Return the peer's repository in the local registry for this source."""
        return f"{REGISTRY}/{PREFIX}-{self.name}-{src.kind}"


class PipelinePeer(Peer):
    """This project's module, called in client mode."""

    name = "pipeline"

    def __init__(self) -> None:
        """Start with a fresh cache namespace."""
        self.namespace = uuid.uuid4().hex[:8]
        self.go_image = os.environ["PIPELINE_GO_IMAGE"]
        self.out = Path(tempfile.mkdtemp(prefix="bench-pipeline-out-"))

    def pipe(self, src: Source, platforms: list[str]) -> Pipeline:
        """Return the pipeline on the source (re-read from disk)."""
        return Pipeline(
            source=dag.host().directory(str(src.dir), exclude=SOURCE_IGNORE, no_cache=True),
            go_image=self.go_image,
            platforms=platforms,
            cache_namespace=self.namespace,
        )

    async def cold(self, src: Source) -> None:
        """Build with a new cache namespace and a salted source: nothing is cached."""
        self.namespace = uuid.uuid4().hex[:8]
        src.salt()
        await self.build(src)

    async def build(self, src: Source) -> None:
        """Build every platform and export the binaries (dagger call build export)."""
        await (await self.pipe(src, TWO).build(version=src.version)).export(str(self.out / "build"))

    async def binary(self, src: Source) -> bool:
        """Build and export the amd64 binary (dagger call binary export)."""
        await (await self.pipe(src, [AMD64]).binary(platform=AMD64, version=src.version)).export(
            str(self.out / "binary")
        )
        return True

    async def image(self, src: Source) -> None:
        """Build the amd64 image in the engine (dagger call image)."""
        await (await self.pipe(src, [AMD64]).image(platform=AMD64, version=src.version)).sync()

    async def test(self, src: Source) -> bool:
        """Run go test with JUnit and coverage (dagger call test-check)."""
        (await self.pipe(src, [AMD64]).test()).check()
        return True

    async def publish(self, src: Source) -> str:
        """Publish both platforms as one index (dagger call publish)."""
        refs = await self.pipe(src, TWO).publish(address=self.repo(src), version=src.version)
        return refs[0]


class DockerPeer(Peer):
    """The multi-stage Dockerfile on dockerd 20.10's BuildKit."""

    name = "buildkit"

    def __init__(self) -> None:
        """Point the Docker CLI at the private dockerd; keep its client config private too."""
        self.docker = os.environ["PEERS_DOCKER"]
        self.env = {
            **os.environ,
            "DOCKER_HOST": os.environ["PEERS_DOCKER_HOST"],
            "DOCKER_BUILDKIT": "1",
            "DOCKER_CONFIG": tempfile.mkdtemp(prefix="bench-docker-config-"),
        }
        self.go_image = os.environ["PEERS_GO_IMAGE"]
        self.out = Path(tempfile.mkdtemp(prefix="bench-buildkit-out-"))

    async def run(self, *args: str) -> str:
        """Run the Docker CLI."""
        return await sh([self.docker, *args], env=self.env)

    def build_args(self, src: Source, target: str, plat: str) -> list[str]:
        """Return `docker build` arguments for one target and platform (builds use the host's network)."""
        return [
            "build",
            "--network=host",
            "--progress=plain",
            "-f",
            str(DOCKERFILE),
            "--target",
            target,
            "--platform",
            plat,
            "--build-arg",
            f"GO_IMAGE={self.go_image}",
            "--build-arg",
            f"VERSION={src.version}",
            "--build-arg",
            f"APP={src.binary}",
        ]

    async def export(self, src: Source, plat: str, dest: Path) -> None:
        """Build the binary target for one platform onto the host."""
        await self.run(*self.build_args(src, "binary", plat), "-o", f"type=local,dest={dest}", str(src.dir))

    async def cold(self, src: Source) -> None:
        """Drop all build cache (cache mounts included), then build."""
        await self.run("builder", "prune", "-af")
        await self.build(src)

    async def build(self, src: Source) -> None:
        """One build per platform, concurrently (BuildKit shares their common steps)."""
        await concurrently(*(lambda p=p: self.export(src, p, self.out / "build" / p.replace("/", "_")) for p in TWO))

    async def binary(self, src: Source) -> bool:
        """Build the amd64 binary onto the host (docker build --output)."""
        await self.export(src, AMD64, self.out / "binary")
        return True

    async def image(self, src: Source) -> None:
        """Build the amd64 image into dockerd's image store."""
        await self.run(*self.build_args(src, "image", AMD64), "-t", f"{self.repo(src)}:dev", str(src.dir))

    async def test(self, src: Source) -> bool:
        """Run go test with coverage in the test stage; the report comes back as a file."""
        await self.run(
            *self.build_args(src, "tested", AMD64), "-o", f"type=local,dest={self.out / 'test'}", str(src.dir)
        )
        return True

    async def publish(self, src: Source) -> str:
        """Build and push each platform's image concurrently, then one manifest list per tag."""
        tags = fan_out(src.version)
        repo = self.repo(src)

        async def one(plat: str) -> None:
            ref = f"{repo}:{tags[0]}-{plat.rsplit('/', 1)[-1]}"
            await self.run(*self.build_args(src, "image", plat), "-t", ref, str(src.dir))
            await self.run("push", "-q", ref)

        await concurrently(*(lambda p=p: one(p) for p in TWO))
        arch_refs = [f"{repo}:{tags[0]}-{p.rsplit('/', 1)[-1]}" for p in TWO]
        for tag in tags:
            await self.run("manifest", "create", "--insecure", "--amend", f"{repo}:{tag}", *arch_refs)
            await self.run("manifest", "push", "--insecure", "--purge", f"{repo}:{tag}")
        return f"{repo}:{tags[0]}"


class KoPeer(Peer):
    """ko on the host's Go toolchain, base image from the local registry."""

    name = "ko"

    def __init__(self, base: str) -> None:
        """Write .ko.yaml (the flags a careful team sets: static, stripped, version stamped)."""
        self.ko = os.environ["PEERS_KO"]
        self.config = Path(tempfile.mkdtemp(prefix="bench-ko-config-"))
        (self.config / ".ko.yaml").write_text(
            f"defaultBaseImage: {base}\n"
            "defaultEnv: [CGO_ENABLED=0]\n"
            "defaultFlags: [-buildvcs=false]\n"
            'defaultLdflags: ["-s", "-w", "-buildid=", "-X main.version={{.Env.VERSION}}"]\n'
        )
        self.caches = Path(tempfile.mkdtemp(prefix="bench-ko-go-"))

    def env(self, src: Source) -> dict[str, str]:
        """Environment: the peer's own Go caches, the config, the target repository, the version."""
        return {
            **os.environ,
            "GOCACHE": str(self.caches / "build"),
            "GOMODCACHE": str(self.caches / "mod"),
            "GOFLAGS": "-modcacherw",
            "KO_CONFIG_PATH": str(self.config),
            "KO_DOCKER_REPO": self.repo(src),
            "VERSION": src.version,
            "DOCKER_CONFIG": str(self.config),
        }

    async def ko_build(self, src: Source, platforms: list[str], *extra: str) -> str:
        """Run `ko build` on the source's root package."""
        argv = [self.ko, "build", "--bare", f"--platform={','.join(platforms)}", *extra, "."]
        return await sh(argv, env=self.env(src), cwd=src.dir)

    async def cold(self, src: Source) -> None:
        """Empty Go caches, then build."""
        shutil.rmtree(self.caches, ignore_errors=True)
        self.caches.mkdir(parents=True)
        await self.build(src)

    async def build(self, src: Source) -> None:
        """Build both platforms' images without pushing (ko has no binaries-only mode)."""
        await self.ko_build(src, TWO, "--push=false")

    async def binary(self, src: Source) -> bool:
        """Ko builds images only."""
        del src
        return False

    async def image(self, src: Source) -> None:
        """Build the amd64 image without pushing."""
        await self.ko_build(src, [AMD64], "--push=false")

    async def test(self, src: Source) -> bool:
        """Ko has no test step."""
        del src
        return False

    async def publish(self, src: Source) -> str:
        """Build and push both platforms as one index under the version's tags."""
        tags = fan_out(src.version)
        await self.ko_build(src, TWO, f"--tags={','.join(tags)}")
        return f"{self.repo(src)}:{tags[0]}"


async def publish_ko_base(go_image: str) -> str:
    """Publish the pipeline's scratch runtime (CA bundle, zoneinfo, passwd; user 65532) as ko's base image."""
    env = GoEnv(image=go_image)
    uid = pins.RUNTIME_UID
    variants = [runtime_base(env, parse_platform(p)).with_user(f"{uid}:{uid}") for p in TWO]
    address = f"{REGISTRY}/{PREFIX}-ko-base:latest"
    return await dag.container().publish(address, platform_variants=variants)


def repository(ref: str) -> str:
    """Return a reference without its tag and digest (the registry's port kept)."""
    name = ref.split("@", 1)[0]
    head, _, last = name.rpartition("/")
    return f"{head}/{last.split(':', 1)[0]}" if head else name


async def image_sizes(ref: str) -> tuple[float, float]:
    """Return the amd64 image's compressed size (config + layers as pushed) and the bytes of its files."""
    repo = repository(ref)
    if "@" in ref:  # name:tag@digest (what publish returns): skopeo takes one of the two
        ref = f"{repo}@{ref.split('@', 1)[1]}"
    raw = json.loads(await sh(["skopeo", "inspect", "--tls-verify=false", "--raw", f"docker://{ref}"]))
    if "manifests" in raw:
        digest = next(m["digest"] for m in raw["manifests"] if m.get("platform", {}).get("architecture") == "amd64")
        ref = f"{repo}@{digest}"
        raw = json.loads(await sh(["skopeo", "inspect", "--tls-verify=false", "--raw", f"docker://{ref}"]))
    compressed = float(raw["config"]["size"] + sum(layer["size"] for layer in raw["layers"]))
    with tempfile.TemporaryDirectory(prefix="bench-size-") as tmp:
        await sh(["skopeo", "copy", "-q", "--src-tls-verify=false", f"docker://{ref}", f"dir:{tmp}"])
        files = 0.0
        for layer in raw["layers"]:
            blob = Path(tmp) / layer["digest"].split(":", 1)[1]
            with tarfile.open(blob, "r:*") as tar:
                files += sum(m.size for m in tar.getmembers() if m.isfile())
    return compressed, files


class Bench:
    """Runs the figures, alternating peers run by run, and keeps the cells."""

    def __init__(self, peers: list[Peer]) -> None:
        """Start with no cells."""
        self.peers = peers
        self.cells: list[Cell] = []
        #: "source: figure: peer" -> why that peer failed that figure.
        self.errors: dict[str, str] = {}
        self.saved = ROOT / "bench" / "results" / time.strftime("peers-%Y%m%dT%H%M%S.json")

    def save(self, **extra: object) -> Path:
        """Write what is measured so far (after every figure: a run cut short keeps its numbers)."""
        self.saved.parent.mkdir(parents=True, exist_ok=True)
        machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, {platform.node()}"
        record = {
            "machine": machine,
            "settings": {"runs": RUNS, "cold_runs": COLD_RUNS, "gen_packages": GEN_PACKAGES},
            "dagger_go_toolchain": DAGGER_GO_TOOLCHAIN,
            "errors": self.errors,
            "cells": [asdict(c) for c in self.cells],
            **extra,
        }
        self.saved.write_text(json.dumps(record, indent=2))
        return self.saved

    def cell(self, source: str, key: str, peer: str, unit: str = "s") -> Cell:
        """Return the cell (made on first use)."""
        for c in self.cells:
            if (c.source, c.figure, c.peer) == (source, FIGURES[key], peer):
                return c
        c = Cell(source, FIGURES[key], peer, unit=unit)
        self.cells.append(c)
        return c

    async def figure(
        self,
        key: str,
        sources: dict[str, Source],
        runs: int,
        step: Callable[[Peer, Source], Awaitable[object]],
        *,
        record: bool = True,
    ) -> None:
        """Time step for each peer, runs times, alternating peers; a step returning False means "has none"."""
        for _ in range(runs):
            for peer in self.peers:
                src = sources[peer.name]
                where = f"{src.kind}: {FIGURES[key]}: {peer.name}"
                if where in self.errors:
                    continue
                load = os.getloadavg()[0]
                t0 = time.perf_counter()
                try:
                    ran = await step(peer, src)
                except (RuntimeError, dagger.DaggerError) as e:
                    # One peer failing one figure costs that cell, not the run: the table says so.
                    self.errors[where] = str(e)[-2000:]
                    note(f"{where} FAILED: {self.errors[where]}")
                    continue
                if ran is False or not record:
                    continue
                c = self.cell(src.kind, key, peer.name)
                c.values.append(time.perf_counter() - t0)
                c.load.append(load)
                note(f"{where} {c.values[-1]:.2f}s (load {load:.1f})")
        self.save()

    async def source(self, template: Source) -> None:
        """Measure every figure on one source."""
        sources = {p.name: copy_source(template, p.name) for p in self.peers}

        def changed(step: Callable[[Peer, Source], Awaitable[object]]) -> Callable[[Peer, Source], Awaitable[object]]:
            async def run(peer: Peer, src: Source) -> object:
                src.edit()
                return await step(peer, src)

            return run

        await self.figure("cold", sources, COLD_RUNS, lambda p, s: p.cold(s))
        await self.figure("warm", sources, RUNS, lambda p, s: p.build(s))
        await self.figure("binary", sources, RUNS, changed(lambda p, s: p.binary(s)))
        await self.figure("image", sources, RUNS, changed(lambda p, s: p.image(s)))
        # One untimed run fills each peer's test cache: a change then reruns what a change affects.
        await self.figure("test", sources, 1, lambda p, s: p.test(s), record=False)
        await self.figure("test", sources, RUNS, changed(lambda p, s: p.test(s)))
        published: dict[str, str] = {}

        async def publish(peer: Peer, src: Source) -> None:
            published[peer.name] = await peer.publish(src)

        await self.figure("publish", sources, RUNS, changed(publish))
        for peer in self.peers:
            if peer.name not in published:
                continue
            try:
                compressed, files = await image_sizes(published[peer.name])
            except RuntimeError as e:
                self.errors[f"{template.kind}: {FIGURES['size']}: {peer.name}"] = str(e)[-2000:]
                continue
            self.cell(template.kind, "size", peer.name, "B").values.append(compressed)
            self.cell(template.kind, "files", peer.name, "B").values.append(files)
            note(f"{template.kind}: {peer.name} image {compressed / 1e6:.2f} MB compressed, {files / 1e6:.2f} MB files")
        for src in sources.values():
            shutil.rmtree(src.dir, ignore_errors=True)


def render(cells: list[Cell], peers: list[str], errors: dict[str, str]) -> str:
    """Render the table: a row per source and figure, a column per peer (median), the pipeline's verdict, load."""
    columns = [*peers, "dagger go toolchain"]
    rows = [("source", "figure", *columns, "pipeline / best peer", "target", "", "load")]
    keys = {v: k for k, v in FIGURES.items()}
    for source in dict.fromkeys(c.source for c in cells):
        for figure in dict.fromkeys(c.figure for c in cells if c.source == source):
            by_peer = {c.peer: c for c in cells if (c.source, c.figure) == (source, figure) and c.values}
            unit = next(iter(by_peer.values())).unit

            def fmt(
                peer: str,
                unit: str = unit,
                source: str = source,
                figure: str = figure,
                cells: dict[str, Cell] = by_peer,
            ) -> str:
                if f"{source}: {figure}: {peer}" in errors:
                    return "failed"
                c = cells.get(peer)
                if c is None:
                    return "-"
                return f"{c.median / 1e6:.2f} MB" if unit == "B" else f"{c.median:.2f} s"

            ratio, target, verdict = "", "", ""
            others = [c.median for p, c in by_peer.items() if p != "pipeline"]
            if "pipeline" in by_peer and others:
                r = by_peer["pipeline"].median / min(others)
                ratio = f"{r:.2f}x"
                limit = TARGETS.get(keys[figure])
                if limit is not None:
                    target = f"<= {limit}x"
                    verdict = "met" if r <= limit else "missed"
            loads = [x for c in by_peer.values() for x in c.load]
            load = f"{statistics.median(loads):.1f}" if loads else ""
            rows.append((source, figure, *(fmt(p) for p in peers), "n/a", ratio, target, verdict, load))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


def report(record: dict[str, Any]) -> str:
    """Return the printed report of a saved run: machine, table, failures, what could not run."""
    cells = [Cell(**c) for c in record["cells"]]
    peers = list(dict.fromkeys(c.peer for c in cells))
    errors: dict[str, str] = record.get("errors", {})
    lines = [
        (
            f"machine: {record['machine']}; settings {record['settings']}; "
            f"whole run {record.get('minutes', 0):.1f} min; load = median 1-minute load average before each run"
        ),
        render(cells, peers, errors),
        f"dagger go toolchain: {record['dagger_go_toolchain']}",
    ]
    lines += [f"FAILED {where}: {why.splitlines()[-1] if why else ''}" for where, why in errors.items()]
    return "\n".join(lines)


async def measure(bench_peers: list[str]) -> "Bench":
    """Take every measurement on app/ and on the generated module."""
    gen_dir = Path(tempfile.mkdtemp(prefix="bench-gen-template-"))
    genmodule.generate(gen_dir, GEN_PACKAGES)
    templates = [Source("app", ROOT / "app", "hello"), Source("gen", gen_dir, "benchsvc")]
    async with dagger.connection():
        base = await publish_ko_base(os.environ["PIPELINE_GO_IMAGE"])
        note(f"ko base image: {base}")
        every: list[Peer] = [PipelinePeer(), DockerPeer(), KoPeer(base)]
        bench = Bench([p for p in every if p.name in bench_peers])
        for template in templates:
            if template.kind in SOURCES:
                await bench.source(template)
    shutil.rmtree(gen_dir, ignore_errors=True)
    return bench


def main() -> None:
    """Measure, print the table, save JSON; `--show FILE` prints a saved run again."""
    if sys.argv[1:2] == ["--show"]:
        print(report(json.loads(Path(sys.argv[2]).read_text())))
        return
    t0 = time.perf_counter()
    bench = anyio.run(measure, PEERS)
    path = bench.save(minutes=(time.perf_counter() - t0) / 60)
    print(report(json.loads(path.read_text())))
    print(f"saved {path}")


if __name__ == "__main__":
    main()

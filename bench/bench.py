"""Benchmark the pipeline against native Go on this machine, side by side in one run; print ratios.

Run with `make bench` (after `make engine-up`). Cold = fresh Go caches on both sides (a new cache
namespace and source salt for the pipeline, empty GOCACHE/GOMODCACHE for native Go); warm = run again,
nothing changed; change = one line of app/handlers.go edited. Results go to bench/results/<time>.json.
"""

import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import asdict
from pathlib import Path

import anyio
import dagger
from dagger import dag

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import coldpath  # noqa: E402 (bench/ is this script's folder)
import genmodule  # noqa: E402
from measure import COLD_RUNS, GEN_PACKAGES, RUNS, Figure, render, timed, timed_sync  # noqa: E402

from pipeline import Pipeline  # noqa: E402 (after the path setup above)
from pipeline.args import SOURCE_IGNORE  # noqa: E402
from pipeline.go.build import BuildFlags  # noqa: E402

#: "generated" measures the generated module's figures only (the app/ figures take most of a run); "module" and
#: "fresh" the cold path's (bench/coldpath.py).
ONLY = os.environ.get("BENCH_ONLY", "")


def after_edits_sync(ws: "Workspace", fn: Callable[[], object]) -> list[float]:
    """Time fn RUNS times, each right after a one-line edit."""
    times: list[float] = []
    for _ in range(RUNS):
        ws.edit()
        times.append(timed_sync(fn))
    return times


async def after_edits(ws: "Workspace", fn: Callable[[], Awaitable[object]]) -> list[float]:
    """Time the awaited fn RUNS times, each right after a one-line edit."""
    times: list[float] = []
    for _ in range(RUNS):
        ws.edit()
        times.append(await timed(fn))
    return times


class Workspace:
    """A private copy of app/ that the benchmark may edit."""

    def __init__(self) -> None:
        """Copy app/ to a temp folder."""
        self.dir = Path(tempfile.mkdtemp(prefix="bench-app-"))
        shutil.copytree(ROOT / "app", self.dir, dirs_exist_ok=True)
        self.edits = 0

    def edit(self) -> None:
        """Change one line of a handler (a real code change: the package recompiles)."""
        self.edits += 1
        genmodule.edit_file(self.dir / "handlers.go", self.edits)  # gofmt-clean: the fmt check keeps passing

    def salt(self) -> None:
        """Make the source new to the engine without changing what Go builds."""
        (self.dir / "testdata").mkdir(exist_ok=True)
        (self.dir / "testdata" / "bench-salt").write_text(uuid.uuid4().hex)


def native_build(ws: Workspace, env: dict[str, str], goarch: str = "amd64") -> None:
    """Run go build on the host with the pipeline's flags."""
    subprocess.run(
        [
            "go",
            "build",
            "-trimpath",
            "-buildvcs=false",
            "-ldflags",
            BuildFlags(version="bench").ldflags(),
            "-o",
            os.devnull,
            ".",
        ],
        cwd=ws.dir,
        env={**env, "CGO_ENABLED": "0", "GOOS": "linux", "GOARCH": goarch},
        check=True,
        capture_output=True,
    )


def native_test(ws: Workspace, env: dict[str, str]) -> None:
    """Run go test on the host."""
    subprocess.run(["go", "test", "./..."], cwd=ws.dir, env=env, check=True, capture_output=True)


def cold_env() -> dict[str, str]:
    """Environment with empty Go build and module caches."""
    tmp = Path(tempfile.mkdtemp(prefix="bench-go-"))
    return {**os.environ, "GOCACHE": str(tmp / "build"), "GOMODCACHE": str(tmp / "mod"), "GOFLAGS": "-modcacherw"}


def pipe(ws: Workspace, namespace: str, platforms: list[str]) -> Pipeline:
    """Return the pipeline on the workspace (source re-read from disk)."""
    return Pipeline(
        source=dag.host().directory(str(ws.dir), exclude=SOURCE_IGNORE, no_cache=True),
        go_image=os.environ["PIPELINE_GO_IMAGE"],
        trivy_image=os.environ["PIPELINE_TRIVY_IMAGE"],
        trivy_db=dag.host().directory(os.environ["PIPELINE_TRIVY_DB"]),
        platforms=platforms,
        cache_namespace=namespace,
    )


async def build(p: Pipeline) -> None:
    """Build every platform and wait for it."""
    await (await p.build(version="bench")).sync()


def process_figures(ws: Workspace) -> list[Figure]:
    """Time whole processes: the CLI's warm ci, and Python start-up with and without the module."""
    figs: list[Figure] = []
    # The CLI end to end (new process, engine connection, ci), warm.
    env = {**os.environ}
    cli = [str(Path(sys.executable).parent / "pipeline"), "--source", str(ws.dir), "ci"]
    subprocess.run(cli, env=env, check=True, capture_output=True)
    figs.append(
        Figure(
            "pipeline ci via CLI, warm no change",
            [timed_sync(lambda: subprocess.run(cli, env=env, check=True, capture_output=True)) for _ in range(RUNS)],
            target=3.0,
        )
    )

    py = sys.executable
    imp = [timed_sync(lambda: subprocess.run([py, "-c", "import dagger"], check=True)) for _ in range(RUNS)]
    figs.append(Figure("python: import dagger", imp))
    construct = "import dagger; from pipeline import Pipeline; Pipeline(source=None)"
    mod = [
        timed_sync(
            lambda: subprocess.run([py, "-c", construct], check=True, cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT)})
        )
        for _ in range(RUNS)
    ]
    figs.append(Figure("python: import pipeline + construct", mod, "python: import dagger"))
    return figs


def generated_figures() -> list[Figure]:
    """Time `test` on a real-size generated module through the CLI, each beside native `go test ./...`.

    Same source folder both sides, Go's caches warm both sides: unchanged; after a one-line change in the middle
    of the import graph (the packages that import it re-run, the rest replay from Go's test cache); after a
    README-only edit (nothing Go reads changed).
    """
    figs: list[Figure] = []
    src = genmodule.generate(Path(tempfile.mkdtemp(prefix="bench-gen-")) / "svc", GEN_PACKAGES)
    (src / "README.md").write_text("# generated service\n")
    env = {**os.environ}
    edits = iter(range(1, 1000))

    def native() -> None:
        subprocess.run(["go", "test", "./..."], cwd=src, env=env, check=True, capture_output=True)

    cli = [str(Path(sys.executable).parent / "pipeline"), "--source", str(src), "test"]

    def pipeline() -> None:
        subprocess.run(cli, env=env, check=True, capture_output=True)

    def code_edit() -> None:
        genmodule.edit(src, next(edits), GEN_PACKAGES)

    def readme_edit() -> None:
        (src / "README.md").write_text(f"# generated service\n\nedit {next(edits)}\n")

    def after(edit: Callable[[], None], fn: Callable[[], None]) -> list[float]:
        times: list[float] = []
        for _ in range(RUNS):
            edit()
            times.append(timed_sync(fn))
        return times

    name = f"{GEN_PACKAGES}-package module"
    native()
    pipeline()
    figs.append(Figure(f"native go test, {name}, warm", [timed_sync(native) for _ in range(RUNS)]))
    figs.append(Figure(f"native go test, {name}, one-line change", after(code_edit, native)))
    figs.append(Figure(f"native go test, {name}, README edit", after(readme_edit, native)))
    base = f"native go test, {name}"
    figs.append(Figure(f"CLI test, {name}, warm", [timed_sync(pipeline) for _ in range(RUNS)], f"{base}, warm", 2.0))
    figs.append(
        Figure(f"CLI test, {name}, one-line change", after(code_edit, pipeline), f"{base}, one-line change", 1.5)
    )
    figs.append(Figure(f"CLI test, {name}, README edit", after(readme_edit, pipeline), f"{base}, README edit", 2.0))
    shutil.rmtree(src.parent, ignore_errors=True)
    return figs


async def measure() -> list[Figure]:  # noqa: PLR0915 (one linear script of measurements)
    """Take every measurement."""
    if ONLY == "generated":
        return await anyio.to_thread.run_sync(generated_figures)
    if ONLY == "module":
        return await anyio.to_thread.run_sync(coldpath.module_figures)
    if ONLY == "fresh":
        return await anyio.to_thread.run_sync(coldpath.fresh_runner_figures)
    figs: list[Figure] = []
    ws = Workspace()
    warm = {**os.environ}
    one = ["linux/amd64"]
    two = ["linux/amd64", "linux/arm64"]

    # Native Go on the host.
    cold_native = [timed_sync(lambda: native_build(ws, cold_env())) for _ in range(COLD_RUNS)]
    figs.append(Figure("native go build, cold", cold_native))
    cold_native2: list[float] = []
    for _ in range(COLD_RUNS):
        env = cold_env()
        cold_native2.append(timed_sync(lambda e=env: (native_build(ws, e, "amd64"), native_build(ws, e, "arm64"))))
    figs.append(Figure("native go build amd64+arm64, cold", cold_native2))
    native_build(ws, warm)
    figs.append(Figure("native go build, warm", [timed_sync(lambda: native_build(ws, warm)) for _ in range(RUNS)]))
    change_native = after_edits_sync(ws, lambda: native_build(ws, warm))
    figs.append(Figure("native go build, one-line change", change_native))
    native_test(ws, warm)
    figs.append(Figure("native go test, warm", [timed_sync(lambda: native_test(ws, warm)) for _ in range(RUNS)]))
    figs.append(Figure("native go test, one-line change", after_edits_sync(ws, lambda: native_test(ws, warm))))

    async with dagger.connection():
        # Cold: new cache namespace and new source each run.
        cold1: list[float] = []
        cold2: list[float] = []
        for _ in range(COLD_RUNS):
            ws.salt()
            cold1.append(await timed(lambda: build(pipe(ws, uuid.uuid4().hex[:8], one))))
            ws.salt()
            cold2.append(await timed(lambda: build(pipe(ws, uuid.uuid4().hex[:8], two))))
        figs.append(Figure("pipeline build amd64, cold", cold1, "native go build, cold"))
        figs.append(Figure("pipeline build amd64+arm64, cold", cold2, "native go build amd64+arm64, cold", target=1.1))
        ns = "bench"
        await build(pipe(ws, ns, two))
        warm_build = [await timed(lambda: build(pipe(ws, ns, two))) for _ in range(RUNS)]
        figs.append(Figure("pipeline build amd64+arm64, warm", warm_build, "native go build, warm"))
        change_build = await after_edits(ws, lambda: build(pipe(ws, ns, one)))
        figs.append(
            Figure("pipeline build amd64, one-line change", change_build, "native go build, one-line change", 1.5)
        )

        async def test() -> None:
            (await pipe(ws, ns, one).test()).check()

        await test()
        figs.append(Figure("pipeline test, warm", [await timed(test) for _ in range(RUNS)], "native go test, warm"))
        change_test = await after_edits(ws, test)
        figs.append(Figure("pipeline test, one-line change", change_test, "native go test, one-line change"))

        async def ci() -> None:
            await pipe(ws, ns, two).ci()

        ws.salt()
        cold_ci = [await timed(lambda: pipe(ws, uuid.uuid4().hex[:8], two).ci())]
        figs.append(Figure("pipeline ci, cold", cold_ci))
        await ci()
        figs.append(Figure("pipeline ci, warm no change", [await timed(ci) for _ in range(RUNS)], target=3.0))
        figs.append(Figure("pipeline ci, one-line change", await after_edits(ws, ci)))

        image = await pipe(ws, ns, one).image(platform="linux/amd64")
        binary = await pipe(ws, ns, one).binary(platform="linux/amd64")
        out = Path(tempfile.mkdtemp())
        await image.rootfs().export(str(out / "rootfs"))
        await image.export(str(out / "image.tar"))
        bin_size = float(await binary.size())
        rootfs = float(sum(f.stat().st_size for f in (out / "rootfs").rglob("*") if f.is_file()))
        figs.append(Figure("binary size", [bin_size], unit="B"))
        figs.append(Figure("image size (uncompressed files)", [rootfs], "binary size", unit="B"))
        figs.append(Figure("image size minus binary", [rootfs - bin_size], target=float(1 << 20), unit="B"))
        figs.append(Figure("image size (OCI tar, gzip layers)", [float((out / "image.tar").stat().st_size)], unit="B"))
        shutil.rmtree(out, ignore_errors=True)

    figs += await anyio.to_thread.run_sync(process_figures, ws)
    figs += await anyio.to_thread.run_sync(generated_figures)
    figs += await anyio.to_thread.run_sync(coldpath.module_figures)
    figs += await anyio.to_thread.run_sync(coldpath.fresh_runner_figures)
    shutil.rmtree(ws.dir, ignore_errors=True)
    return figs


def main() -> None:
    """Measure, print the table, save JSON."""
    figs = anyio.run(measure)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, {platform.node()}"
    table = render(figs)
    print(f"machine: {machine}\n{table}")
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    path = out / time.strftime("%Y%m%dT%H%M%S.json")
    path.write_text(json.dumps({"machine": machine, "figures": [asdict(f) for f in figs]}, indent=2))
    print(f"saved {path}")


if __name__ == "__main__":
    main()

"""The cold path, as users meet it: module load through the real `dagger` CLI, and a hosted runner's fresh engine.

Module load (`BENCH_ONLY=module`): warm `dagger functions`; warm no-change `dagger call … test summary` on app/ and
on the generated 30-package module beside native warm `go test ./...`; a one-line change through `dagger call`;
the cold load on a new engine (empty state folder).

Fresh runner (`BENCH_ONLY=fresh`): a new engine with an empty state folder (as tests/engines.py starts one), then
the CI files' one-invocation `ci` script through the `dagger` CLI, as a job runs it, on app/ and on the generated
module: (a) cold, (b) a new engine seeded with the cache (a) exported, (c) the warm engine again, unchanged and
after a one-line change; beside native cold Go on the host (empty caches; fmt, vet, golangci-lint from its
prebuilt binary, test, amd64+arm64 builds; no scan). Each figure keeps its parts: engine start, module load (read
from the invocation's plain progress), ci (the rest of the invocation).
"""

import os
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import genmodule
from measure import GEN_PACKAGES, RUNS, Figure, module_load, note, timed_sync

from pipeline.go.lint_tool import CONFIG_NAMES, DEFAULT_CONFIG
from tests.engines import Engine, new_engine
from tests.module.conftest import copy_repository, offline_defaults

ROOT = Path(__file__).resolve().parent.parent
DAGGER = os.environ.get("_EXPERIMENTAL_DAGGER_CLI_BIN", "dagger")
#: The CI files' script (tests/contract/test_ci_files.py checks those); the source is the part that varies.
CI_SCRIPT = (
    "r=$(. --source={source} --cache-from=.pipeline-cache | ci); $r | cache | export .pipeline-cache --wipe; $r | check"
)
GOLANGCI_LINT = subprocess.run(
    ["bash", str(ROOT / "scripts/go-tool.sh"), "--where", "golangci-lint"], capture_output=True, text=True, check=True
).stdout.strip()


def run_dagger(repo: Path, args: Sequence[str], engine: str = "") -> tuple[float, str]:
    """Run `dagger <args>` in the repository copy (against engine when given); return its seconds and its output."""
    env = {**os.environ, **({"_EXPERIMENTAL_DAGGER_RUNNER_HOST": engine} if engine else {})}
    t0 = time.perf_counter()
    res = subprocess.run([DAGGER, *args], cwd=repo, env=env, capture_output=True, text=True, timeout=3600, check=False)
    seconds = time.perf_counter() - t0
    if res.returncode != 0:
        msg = f"dagger {' '.join(args)[:200]} failed:\n{res.stderr[-3000:]}"
        raise RuntimeError(msg)
    return seconds, res.stdout + res.stderr


def dagger(repo: Path, *args: str, engine: str = "") -> float:
    """Run `dagger <args>` in the repository copy (against engine when given); return its seconds."""
    return run_dagger(repo, args, engine)[0]


def dagger_job(repo: Path, script: str, engine: str) -> tuple[float, float]:
    """Run the CI files' script in one `dagger -c` invocation against engine; return its seconds and its load's."""
    seconds, output = run_dagger(repo, ("--progress=plain", "-c", script), engine)
    return seconds, module_load(output)


def workspace(tmp: Path) -> tuple[Path, Path]:
    """Return a repository copy (the module, offline defaults) holding app/ and the generated module as gen/."""
    repo = copy_repository(tmp / "repo", offline_defaults())
    genmodule.generate(repo / "gen", GEN_PACKAGES)
    subprocess.run(["git", "-C", str(repo), "add", "-A"], check=True, capture_output=True)
    (repo / ".pipeline-cache").mkdir()
    return repo, repo / "gen"


def native_go(src: Path, env: dict[str, str]) -> None:
    """Do what ci does, natively: gofmt, vet, golangci-lint (its prebuilt binary), test, amd64 and arm64 builds."""

    def go(*argv: str, **extra: str) -> None:
        subprocess.run(list(argv), cwd=src, env={**env, **extra}, check=True, capture_output=True)

    go("gofmt", "-l", ".")
    go("go", "vet", "./...")
    # The configuration ci lints with: the source's own, else the pipeline's default.
    config = [] if any((src / n).exists() for n in CONFIG_NAMES) else ["--config", str(default_lint_config(src))]
    go(GOLANGCI_LINT, "run", *config, "./...")
    go("go", "test", "./...")
    with tempfile.TemporaryDirectory() as out:
        for arch in ("amd64", "arm64"):
            go("go", "build", "-trimpath", "-o", f"{out}/{arch}/", "./...", CGO_ENABLED="0", GOARCH=arch)


def default_lint_config(src: Path) -> Path:
    """Write the pipeline's default golangci-lint configuration beside src; return its path."""
    path = src.parent / f".{src.name}-golangci.yml"
    path.write_text(DEFAULT_CONFIG)
    return path


def cold_native_env(tmp: Path) -> dict[str, str]:
    """Empty Go, module and golangci-lint caches."""
    d = Path(tempfile.mkdtemp(prefix="native-cold-", dir=tmp))
    return {
        **os.environ, "GOCACHE": str(d / "build"), "GOMODCACHE": str(d / "mod"), "GOFLAGS": "-modcacherw",
        "GOLANGCI_LINT_CACHE": str(d / "lint"),
    }  # fmt: skip


def module_figures() -> list[Figure]:
    """Measure the module load through the dagger CLI: warm functions, warm and changed test calls, cold load."""
    figs: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-module-") as t:
        tmp = Path(t)
        repo, gen = workspace(tmp)
        env = {**os.environ}
        dagger(repo, "functions")
        figs.append(Figure("dagger functions, warm", [dagger(repo, "functions") for _ in range(RUNS)], target=2.0))
        for name, src in (("app/", repo / "app"), (f"{GEN_PACKAGES}-package module", gen)):
            native = ["go", "test", "./..."]
            subprocess.run(native, cwd=src, env=env, check=True, capture_output=True)
            base = f"native go test, {name}, warm"
            figs.append(
                Figure(
                    base,
                    [timed_sync(lambda s=src, a=native: subprocess.run(a, cwd=s, check=True)) for _ in range(RUNS)],
                )
            )
            call = ["call", f"--source={src.name}", "test", "summary"]
            dagger(repo, *call)
            target = 1.0 if name == "app/" else None
            warm = [dagger(repo, *call) for _ in range(RUNS)]
            figs.append(Figure(f"dagger call test summary, {name}, warm", warm, base if target is None else "", target))
            if target is None:
                figs[-1].target = 3.0
        changed: list[float] = []
        for i in range(RUNS):
            genmodule.edit_file(repo / "app" / "handlers.go", i)
            changed.append(dagger(repo, "call", "--source=app", "test", "summary"))
        figs.append(Figure("dagger call test summary, app/, one-line change", changed))
        with new_engine(tmp / "engine", "bmod", "10.93.0.0/16") as engine:
            cold = [dagger(repo, "functions", engine=engine.address)]
            figs.append(Figure("dagger functions, new engine (cold load)", cold, target=30.0))
    return figs


def fresh_runner_figures() -> list[Figure]:
    """Measure a hosted runner's run: new engine, one-invocation ci, cold / seeded / warm, beside native cold Go."""
    figs: list[Figure] = []
    with tempfile.TemporaryDirectory(prefix="bench-fresh-") as t:
        tmp = Path(t)
        repo, gen = workspace(tmp)
        for name, src in (("app/", repo / "app"), (f"{GEN_PACKAGES}-package module", gen)):
            native = Figure(f"native cold go (fmt, vet, lint, test, 2 builds), {name}", [
                timed_sync(lambda s=src: native_go(s, cold_native_env(tmp)))
            ])  # fmt: skip
            figs.append(native)
            script = CI_SCRIPT.format(source=src.relative_to(repo))
            shutil.rmtree(repo / ".pipeline-cache")
            (repo / ".pipeline-cache").mkdir()
            runs: dict[str, list[float]] = {}
            warm: list[float] = []
            changed: list[float] = []
            for kind in ("cold", "seeded"):  # seeded: a new engine again, with the cache the cold run exported
                engine = Engine(tmp / f"engine-{kind}", f"bfr{secrets.token_hex(3)}", "10.94.0.0/16")
                try:
                    start = engine.start()
                    job, load = dagger_job(repo, script, engine.address)  # one invocation, as a CI job runs it
                    run = job - load
                    runs[kind] = [start, load, run]
                    note(f"{name} {kind}: engine start {start:.1f}s, module load {load:.1f}s, ci {run:.1f}s")
                    if kind == "seeded":
                        warm = [dagger(repo, "-c", script, engine=engine.address) for _ in range(RUNS)]
                        changed = after_change(src, lambda e=engine.address, s=script: dagger(repo, "-c", s, engine=e))
                finally:
                    engine.stop()
                    engine.forget()
            for kind, (start, load, run) in runs.items():
                figs.append(Figure(f"fresh runner ci, {name}, {kind}: engine start", [start]))
                figs.append(Figure(f"fresh runner ci, {name}, {kind}: module load", [load]))
                figs.append(Figure(f"fresh runner ci, {name}, {kind}: ci", [run]))
            figs.append(
                Figure(f"fresh runner ci, {name}, cold (start + load + ci)", [sum(runs["cold"])], native.name, 2.0)
            )
            figs.append(Figure(f"warm engine ci, {name}, unchanged", warm))
            figs.append(Figure(f"warm engine ci, {name}, one-line change", changed))
            figs.append(
                Figure(
                    f"fresh runner ci, {name}, seeded (start + load + ci)",
                    [sum(runs["seeded"])],
                    f"warm engine ci, {name}, one-line change",
                    2.0,
                )
            )
    return figs


def after_change(src: Path, fn: Callable[[], float]) -> list[float]:
    """Time fn after a one-line change in src (a handler of app/, or a package of the generated module)."""
    times: list[float] = []
    for i in range(RUNS):
        if (src / "handlers.go").exists():
            genmodule.edit_file(src / "handlers.go", i)
        else:
            genmodule.edit(src, i, GEN_PACKAGES)
        times.append(fn())
    return times


if __name__ == "__main__":
    sys.exit("run through bench/bench.py: BENCH_ONLY=module or BENCH_ONLY=fresh make bench")

"""pprof on a profile: its web UI as a service, and static reports (flame graph page, top, call graph) for CI.

The container that runs pprof is the builder with the source at /src, where `bench` ran, so the source view
finds the files the profile names. Graphviz's `dot` (the graph view) is installed from Debian when the builder
is Debian-based (the official golang:<v>-bookworm images); on other builders every other view works.
"""

import enum
from dataclasses import dataclass
from typing import Final

import dagger
from dagger import dag

from pipeline import pins
from pipeline.core.errors import PipelineError
from pipeline.core.execs import run
from pipeline.go.builder import SRC, GoEnv
from pipeline.go.run import started

from .bench import bench_dir
from .bench_compare_report import check_benchtime
from .pprof_args import BINARY, PROFILE, VIEWS, PprofArgs, check_sample_index

STEP: Final = "pprof"
DOT: Final = "/usr/bin/dot"
APT_GET: Final = "/usr/bin/apt-get"


@dagger.enum_type
class ProfileKind(enum.Enum):
    """Which profile of a fresh bench run pprof reads."""

    CPU = "CPU"
    MEM = "MEM"

    @property
    def file(self) -> str:
        """The file bench writes it to."""
        return f"{self.value.lower()}.prof"


@dataclass(frozen=True)
class Profiled:
    """A builder with pprof ready, the profile (and binary) in place and the source at /src."""

    container: dagger.Container
    args: PprofArgs
    #: pprof's -top report, which also proved the profile readable.
    top: str
    #: Whether Graphviz's dot is there (pprof's graph view and the call graph SVG).
    graphviz: bool


async def with_graphviz(env: GoEnv, ctr: dagger.Container) -> tuple[dagger.Container, bool]:
    """Return ctr with Graphviz (Debian's package, on Debian-based builders) and whether dot is there."""
    if await ctr.exists(DOT):
        return ctr, True
    if not await ctr.exists(APT_GET):
        return ctr, False
    script = f"apt-get update -qq && apt-get install -y -qq --no-install-recommends {pins.GRAPHVIZ_PACKAGE}"
    apt = ctr.with_env_variable("DEBIAN_FRONTEND", "noninteractive")
    res = await run(apt, ["sh", "-c", script], STEP, env.step_timeout)
    # No Debian mirror in reach: pprof still serves every view but the graph.
    return (res.container, True) if res.code == 0 else (ctr, False)


async def profiled(
    env: GoEnv,
    source: dagger.Directory,
    profile: dagger.File,
    binary: dagger.File | None,
    *,
    sample_index: str = "",
    trim_path: str = "",
) -> Profiled:
    """Return the builder ready to run pprof on profile; fail naming the cause when pprof cannot read it."""
    ctr = env.container().with_workdir(SRC).with_mounted_directory(SRC, source).with_file(PROFILE, profile)
    if binary is not None:
        ctr = ctr.with_file(BINARY, binary, permissions=0o755)
    ctr, graphviz = await with_graphviz(env, ctr)
    args = PprofArgs(sample_index=sample_index, binary=binary is not None, source_path=SRC, trim_path=trim_path)
    # Since Go 1.24 pprof is built on first use: the -top report builds it (bounded) before any service starts.
    res = await run(ctr, args.report("top"), STEP, env.step_timeout)
    if res.code != 0:
        raise PipelineError(STEP, f"go tool pprof cannot read the profile (exit {res.code})", res.stderr or res.stdout)
    return Profiled(ctr, args, res.stdout, graphviz)


def service(p: Profiled, port: int) -> dagger.Service:
    """Return pprof's web UI on port (flame graph, top, source, peek; graph with Graphviz)."""
    return p.container.with_exposed_port(port).as_service(args=p.args.http(port))


async def report(env: GoEnv, p: Profiled, start_timeout: int) -> dagger.Directory:
    """Return flamegraph.html (pprof's own page, self-contained), top.txt and, with Graphviz, graph.svg."""
    port = pins.PPROF_PORT
    ui = await started(service(p, port), [port], start_timeout, step=STEP)
    try:
        endpoint = await ui.endpoint(port=port, scheme="http")
        page = await dag.http(f"{endpoint}{VIEWS['flamegraph']}", experimental_service_host=ui).contents()
    finally:
        await ui.stop()
    out = dag.directory().with_new_file("flamegraph.html", page).with_new_file("top.txt", p.top)
    if p.graphviz:
        res = await run(p.container, p.args.report("svg"), STEP, env.step_timeout)
        if res.code != 0:
            raise PipelineError(STEP, f"go tool pprof -svg failed (exit {res.code})", res.stderr)
        out = out.with_new_file("graph.svg", res.stdout)
    return out


@dataclass(frozen=True)
class ProfileInput:
    """Which profile pprof reads: a given file (with its binary), or a fresh bench run of one package."""

    kind: ProfileKind
    file: dagger.File | None = None
    binary: dagger.File | None = None
    sample_index: str = ""
    package: str = "."
    pattern: str = "."
    benchtime: str = "1s"


async def prepare(env: GoEnv, source: dagger.Directory, given: ProfileInput) -> Profiled:
    """Return pprof ready on the given profile, or on a fresh bench run's (its test binary beside it)."""
    check_sample_index(given.sample_index)
    check_benchtime(given.benchtime, "pprof --benchtime")
    file, binary = given.file, given.binary
    if file is None:
        ran = bench_dir(env, await env.deps(source), given.package, given.pattern, given.benchtime)
        file, binary = ran.file(given.kind.file), binary or ran.file("bench.test")
    trim = "" if env.project.uses else env.project.module  # a -trimpath build names files by module path
    return await profiled(env, source, file, binary, sample_index=given.sample_index, trim_path=trim)

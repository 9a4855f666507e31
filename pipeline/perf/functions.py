"""The Pipeline's performance functions: benchmarks with profiles, pprof's UI and report, benchstat comparisons."""

from typing import Annotated

import dagger
from dagger import Doc, Ignore

from pipeline import pins, resolved
from pipeline.args import (
    SOURCE_IGNORE,
    BenchPackage,
    BenchPattern,
    BenchTime,
    ProfileArg,
    ProfiledBinary,
    ProfileFile,
    SampleIndex,
    up,
)
from pipeline.core.errors import PipelineError
from pipeline.core.validate import ArgKind, Checked, check_port
from pipeline.go import run
from pipeline.go.builder import read_project
from pipeline.go.functions import GoFunctions
from pipeline.perf import pprof
from pipeline.perf.bench import bench_dir
from pipeline.perf.bench_compare import CompareOptions, compare
from pipeline.perf.bench_compare_report import check_benchtime, check_compare_inputs
from pipeline.perf.pprof import ProfileInput, ProfileKind


class PerfFunctions(GoFunctions):
    """Performance: run benchmarks with profiles, look at them in pprof, compare two sources with benchstat."""

    @dagger.function
    async def bench(
        self,
        package: BenchPackage = ".",
        pattern: BenchPattern = ".",
        benchtime: BenchTime = "1s",
    ) -> dagger.Directory:
        """Run benchmarks; return bench.txt with cpu.prof and mem.prof for go tool pprof."""
        env = await resolved.go_env(self)
        return bench_dir(env, await env.deps(await resolved.source(self)), package, pattern, benchtime).without_file(
            "bench.test"
        )

    @dagger.function
    @up
    async def pprof(
        self,
        profile: ProfileArg = ProfileKind.CPU,
        file: ProfileFile = None,
        binary: ProfiledBinary = None,
        sample_index: SampleIndex = "",
        ui_port: Annotated[int, Doc("Port of pprof's web UI."), Checked(ArgKind.PORT)] = pins.PPROF_PORT,
        package: BenchPackage = ".",
        pattern: BenchPattern = ".",
        benchtime: BenchTime = "1s",
    ) -> dagger.Service:
        """Serve pprof's web UI (flame graph, top, source) on a profile: dagger call pprof up --ports 8081:8081."""
        check_port(ui_port)
        given = ProfileInput(profile, file, binary, sample_index, package, pattern, benchtime)
        ready = await pprof.prepare(await resolved.go_env(self), await resolved.source(self), given)
        return await run.started(pprof.service(ready, ui_port), [ui_port], self.start_timeout, step=pprof.STEP)

    @dagger.function
    async def pprof_report(
        self,
        profile: ProfileArg = ProfileKind.CPU,
        file: ProfileFile = None,
        binary: ProfiledBinary = None,
        sample_index: SampleIndex = "",
        package: BenchPackage = ".",
        pattern: BenchPattern = ".",
        benchtime: BenchTime = "1s",
    ) -> dagger.Directory:
        """Return a profile's flame graph page (flamegraph.html), top.txt and, with Graphviz, graph.svg."""
        env = await resolved.go_env(self)
        given = ProfileInput(profile, file, binary, sample_index, package, pattern, benchtime)
        return await pprof.report(env, await pprof.prepare(env, await resolved.source(self), given), self.start_timeout)

    @dagger.function
    async def bench_compare(
        self,
        base: Annotated[
            dagger.Directory,
            Doc("The source to compare against, e.g. the main branch checked out into a folder."),
            Checked(ArgKind.SOURCE_DIR),
            Ignore(SOURCE_IGNORE),
        ],
        threshold: Annotated[
            float,
            Doc("Fail when a benchmark is significantly worse than base by more than this percent."),
            Checked(ArgKind.THRESHOLD),
        ] = 10.0,
        count: Annotated[
            int, Doc("Runs of every benchmark on each source (go test -count); at least 4."), Checked(ArgKind.COUNT)
        ] = 10,
        packages: Annotated[str, Doc("Package pattern to benchmark.")] = "./...",
        pattern: BenchPattern = ".",
        benchtime: BenchTime = "1s",
        alpha: Annotated[
            float,
            Doc("Significance level: a difference counts when benchstat's p is below it."),
            Checked(ArgKind.ALPHA),
        ] = 0.05,
    ) -> str:
        """Benchmark base and this source, compare them with benchstat; fail on a regression past the threshold."""
        check_compare_inputs(threshold, count, alpha)
        check_benchtime(benchtime, "bench-compare --benchtime")
        env = await resolved.go_env(self)
        try:
            await read_project(base)
        except PipelineError as e:
            raise PipelineError("bench-compare", f"--base: {e.cause}") from None
        opts = CompareOptions(
            packages=tuple(env.patterns([packages])),
            pattern=pattern,
            benchtime=benchtime,
            count=count,
            threshold=threshold,
            alpha=alpha,
        )
        return await compare(env, await env.deps(base), await env.deps(await resolved.source(self)), opts)

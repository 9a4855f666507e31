"""`bench`: go test -bench on one package with CPU and memory profiles, never answered from a cache."""

import time

import dagger

from pipeline.go.builder import OUT, GoEnv


def bench_dir(env: GoEnv, deps: dagger.Container, package: str, bench: str, benchtime: str) -> dagger.Directory:
    """Return bench.txt (go test -bench output), cpu.prof and mem.prof for one package, and bench.test.

    bench.test is the test binary the profiles came from (pprof's disassembly view reads it).
    """
    ran = env.exec(
        # A measurement is never reused from the cache: each call runs the benchmarks again.
        deps.with_env_variable("PIPELINE_BENCH_RUN", str(time.time_ns())).with_directory(OUT, dagger.dag.directory()),
        [
            "go",
            "test",
            "-run=^$",
            f"-bench={bench}",
            f"-benchtime={benchtime}",
            "-benchmem",
            "-count=1",
            f"-cpuprofile={OUT}/cpu.prof",
            f"-memprofile={OUT}/mem.prof",
            f"-o={OUT}/bench.test",
            package,
        ],
        redirect_stdout=f"{OUT}/bench.txt",
    )
    return ran.directory(OUT)

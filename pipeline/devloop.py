"""The developer loop in containers: remote debugging with delve and benchmarks with pprof profiles."""

import time
from typing import Final

import dagger

DLV_PORT: Final = 2345
APP_PORT: Final = 8080
DEBUG_BIN: Final = "/debug/app"
OUT: Final = "/out"


def debug_service(deps: dagger.Container, package: str) -> dagger.Service:
    """Return the app built without optimisations, running under a headless delve on :2345 (app on :8080)."""
    return (
        deps.with_exec(["go", "build", "-gcflags=all=-N -l", "-o", DEBUG_BIN, package])
        .with_exposed_port(DLV_PORT)
        .with_exposed_port(APP_PORT)
        .as_service(
            args=[
                "dlv",
                "exec",
                DEBUG_BIN,
                "--headless",
                f"--listen=:{DLV_PORT}",
                "--api-version=2",
                "--accept-multiclient",
                "--continue",
            ],
            insecure_root_capabilities=True,  # ptrace
        )
    )


def bench_dir(deps: dagger.Container, package: str, bench: str, benchtime: str) -> dagger.Directory:
    """Return bench.txt (go test -bench output), cpu.prof and mem.prof for one package."""
    ran = (
        deps
        # A measurement is never reused from the cache: each call runs the benchmarks again.
        .with_env_variable("PIPELINE_BENCH_RUN", str(time.time_ns()))
        .with_exec(["mkdir", "-p", OUT])
        .with_exec(
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
    )
    return ran.directory(OUT).without_file("bench.test")

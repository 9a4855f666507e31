"""The app as a process in containers: a service with a bounded start, what it printed, and delve."""

import time
from typing import Final

import anyio
import dagger

from pipeline.core.errors import PipelineError

DLV_PORT: Final = 2345
DEBUG_DIR: Final = "/debug"
#: How long the app runs in the builder to show what it prints when its port never opens.
LOG_SECONDS: Final = 5
LOG_LINES: Final = 20


async def started(
    svc: dagger.Service,
    ports: list[int],
    seconds: int,
    diagnose: dagger.Container | None = None,
    *,
    step: str = "serve",
    name: str = "",
) -> dagger.Service:
    """Start svc within seconds, or fail naming the service, the ports that never opened and what the app printed.

    ``name`` is the service's host name where several start (integration-test); empty for the app alone. When
    ``ports`` is empty, the ports the service exposes are looked up for the message.
    """
    try:
        with anyio.fail_after(seconds):
            await svc.start()
    except TimeoutError:
        names = ", ".join(str(p) for p in ports or await _exposed(svc)) or "(none exposed)"
        logs = await last_lines(diagnose) if diagnose is not None else ""
        hint = "does it listen on it?" if name else "does the app listen on it? see --port"
        what = f"service {name!r}: port {names}" if name else f"port {names}"
        raise PipelineError(
            step,
            f"{what} did not open within {seconds}s ({hint}; --start-timeout bounds the wait)",
            f"the app's output in its first {LOG_SECONDS}s:\n{logs}" if logs else "",
        ) from None
    except dagger.QueryError as e:
        what = f"service {name!r}" if name else "the service"
        raise PipelineError(step, f"{what} stopped before its port opened", str(e)) from None
    return svc


async def _exposed(svc: dagger.Service) -> list[int]:
    """Return the ports a service exposes (empty when the engine cannot say)."""
    try:
        with anyio.fail_after(LOG_SECONDS):
            return [await p.port() for p in await svc.ports()]
    except (TimeoutError, dagger.DaggerError):
        return []


async def last_lines(diagnose: dagger.Container) -> str:
    """Return the last lines the diagnostic run printed."""
    out = await diagnose.stdout()
    return "\n".join(out.strip().splitlines()[-LOG_LINES:]) or "(nothing)"


def app_run(builder: dagger.Container, binary: dagger.File, args: list[str] | None = None) -> dagger.Container:
    """Return the builder running the app binary for a few seconds (the diagnostic for `started`).

    The shell wrapper makes any ending an answer: Dagger reports an exit code of 128 or more (a signal, as when
    `timeout` stops the app) as an error even when any code is expected.
    """
    script = f'timeout {LOG_SECONDS} /app "$@" 2>&1; exit 0'
    return (
        builder.with_file("/app", binary, permissions=0o755)
        # A diagnostic is never reused from the cache: it shows what the app prints now.
        .with_env_variable("PIPELINE_DIAGNOSE", str(time.time_ns()))
        .with_exec(["sh", "-c", script, "app", *(args or [])])
    )


def debug_service(debug_bins: dagger.Container, binary: str, port: int) -> dagger.Service:
    """Return the app built without optimisations under a headless delve on :2345 (app on port)."""
    return (
        debug_bins.with_exposed_port(DLV_PORT)
        .with_exposed_port(port)
        .as_service(
            args=[
                "dlv",
                "exec",
                f"{DEBUG_DIR}/{binary}",
                "--headless",
                f"--listen=:{DLV_PORT}",
                "--api-version=2",
                "--accept-multiclient",
                "--continue",
            ],
            insecure_root_capabilities=True,  # ptrace
        )
    )

"""`pipeline serve --watch`: serve the app on localhost and rebuild/restart it when the source changes."""

import time
from pathlib import Path
from typing import Any

import click
import dagger
from dagger import dag
from watchfiles import Change, awatch  # type: ignore[reportUnknownVariableType]  # anyio/asyncio Event union

from .cli import engine_config, make_pipeline
from .errors import PipelineError

DEBOUNCE_MS = 300
APP_PORT = 8080


def go_source(_: Change, path: str) -> bool:
    """Watch only what a Go build reads."""
    return path.endswith((".go", "go.mod", "go.sum"))


async def serve_watch(config: dict[str, Any], version: str, port: int) -> None:
    """Serve until interrupted; after each (debounced) change, rebuild and restart the service."""
    root = Path(str(config.get("source") or "."))
    async with dagger.connection(engine_config(config)):
        while True:
            t0 = time.monotonic()
            tunnel: dagger.Service | None = None
            svc: dagger.Service | None = None
            try:
                svc = await (await make_pipeline(config, fresh=True).serve(version=version)).start()
                forward = [dagger.PortForward(backend=APP_PORT, frontend=port)]
                tunnel = await dag.host().tunnel(svc, ports=forward).start()
                click.echo(f"serve: up on localhost:{port} in {time.monotonic() - t0:.1f}s", err=True)
            except (PipelineError, dagger.QueryError) as e:
                click.echo(f"serve: build failed, waiting for a fix:\n{e}", err=True)
            async for _ in awatch(root, watch_filter=go_source, debounce=DEBOUNCE_MS):
                break
            click.echo("serve: change detected, rebuilding", err=True)
            for running in (tunnel, svc):
                if running is not None:
                    await running.stop()

"""`pipeline serve --watch`: serve the app on localhost and rebuild/restart it when the source changes."""

import time
from pathlib import Path
from typing import Any

import click
import dagger
from watchfiles import DefaultFilter, awatch  # pyright: ignore[reportUnknownVariableType]  # an anyio/asyncio Event union

from pipeline.core.errors import PipelineError

from .session import check_engine, engine_config, forward, make_pipeline

DEBOUNCE_MS = 300


async def serve_watch(config: dict[str, Any], version: str, port: int, app_port: int) -> None:
    """Serve until interrupted; after each (debounced) change, rebuild and restart the service.

    Every file counts (embedded templates and assets too), except what watchfiles' default filter leaves out
    (.git, editor swap files, __pycache__, node_modules): Go's caches make a rebuild for a non-Go file cheap.
    """
    root = Path(str(config.get("source") or "."))
    check_engine()
    async with dagger.connection(engine_config(config)):
        while True:
            t0 = time.monotonic()
            tunnel: dagger.Service | None = None
            svc: dagger.Service | None = None
            try:
                svc = await make_pipeline(config, fresh=True).serve(version=version)
                # A port of 0 is any free one the first time, then the same one after every rebuild.
                tunnel, (port,) = await forward(svc, [app_port], [port])
                click.echo(f"serve: up on localhost:{port} in {time.monotonic() - t0:.1f}s", err=True)
            except (PipelineError, ValueError, dagger.QueryError) as e:
                click.echo(f"serve: build failed, waiting for a fix:\n{e}", err=True)
            async for _ in awatch(root, watch_filter=DefaultFilter(), debounce=DEBOUNCE_MS):
                break
            click.echo("serve: change detected, rebuilding", err=True)
            for running in (tunnel, svc):
                if running is not None:
                    await running.stop()

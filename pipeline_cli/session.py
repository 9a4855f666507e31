"""From command-line values to the module's objects: secrets, host folders and the Pipeline, in one session."""

import collections.abc
import enum
import os
import socket
import sys
import types
import urllib.parse
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar, Union, cast, get_args, get_origin

import anyio
import click
import dagger
import psutil
from dagger import dag

from pipeline import Pipeline
from pipeline.args import SOURCE_IGNORE
from pipeline.core.errors import EngineError

from .introspect import Arg, Fn, functions

#: What a list-valued argument's annotation can be: `list[...]` (constructor fields) or `Sequence[...]`.
LISTS = (list, collections.abc.Sequence)


def base_type(annotation: Any) -> Any:  # noqa: ANN401 (a type annotation)
    """Strip ``| None`` from an annotation."""
    if get_origin(annotation) in {Union, types.UnionType}:
        rest = [a for a in get_args(annotation) if a is not type(None)]
        return rest[0] if len(rest) == 1 else annotation
    return annotation


def secret_value(name: str, ref: str) -> str:
    """Read a secret from env:NAME or file:PATH; plaintext on the command line is refused."""
    kind, _, where = ref.partition(":")
    if kind == "env" and where:
        value = os.environ.get(where)
        if value is None:
            raise click.BadParameter(f"environment variable {where} is not set", param_hint=f"--{name}")
        return value
    if kind == "file" and where:
        try:
            return Path(where).read_text().rstrip("\n")
        except OSError as e:
            raise click.BadParameter(f"cannot read {where}: {e.strerror}", param_hint=f"--{name}") from None
    raise click.BadParameter("give env:NAME or file:PATH, never the secret itself", param_hint=f"--{name}")


def check_secrets(fn: Fn, values: dict[str, Any]) -> None:
    """Validate every secret reference before connecting to the engine (usage errors come first)."""
    for arg in fn.args:
        if base_type(arg.annotation) is dagger.Secret and values.get(arg.python_name) is not None:
            secret_value(arg.name, str(values[arg.python_name]))


def convert(arg: Arg, value: Any, *, config: dict[str, Any], fresh: bool = False) -> Any:  # noqa: ANN401, PLR0911 (one return per type)
    """Turn a click value into what the function takes (paths become host objects; fresh: re-read them)."""
    t = base_type(arg.annotation)
    if value is None:
        return None
    if t is dagger.Secret:
        return dag.set_secret(f"pipeline-cli-{arg.name}", secret_value(arg.name, str(value)))
    if t is dagger.Directory:
        # The module's Ignore, and the user's excludes, keep paths out of the upload itself.
        exclude = [*SOURCE_IGNORE, *config.get("exclude", ())] if arg.name == "source" else None
        return dag.host().directory(str(value), exclude=exclude, no_cache=fresh)
    if t is dagger.File:
        return dag.host().file(str(value))
    if isinstance(t, type) and issubclass(t, enum.Enum):
        return t(str(value).upper())
    if get_origin(t) in LISTS:
        items = list(cast("tuple[str, ...]", value))
        if get_args(t) == (dagger.File,):  # e.g. scan --vex a.json --vex b.json
            return [dag.host().file(v) for v in items]
        if get_args(t) == (dagger.Service,):
            # As `dagger call` reads a Service flag: tcp://HOST:PORT is a service on this host.
            return [dag.address(v).service() for v in items]
        return items
    return value


def make_pipeline(config: dict[str, Any], *, fresh: bool = False) -> Pipeline:
    """Construct the Pipeline from the group's options (inside a connection)."""
    ctor = functions(Pipeline)[""]
    kwargs = {a.python_name: convert(a, config.get(a.python_name), config=config, fresh=fresh) for a in ctor.args}
    return Pipeline(**{k: v for k, v in kwargs.items() if v is not None})


class EngineUnreachableError(EngineError):
    """No Dagger engine answers at the configured address."""


class EngineLostError(EngineError):
    """The engine stopped accepting connections while a call was running."""

    def __init__(self, address: str | None) -> None:
        """Name the engine that went away."""
        self.address = address or os.environ.get("_EXPERIMENTAL_DAGGER_RUNNER_HOST", "the default engine")
        super().__init__(f"the Dagger engine at {self.address} went away; start it again (make engine-up) and re-run")


def _probe_address() -> str | None:
    """Return the engine address a plain connect can probe (tcp:// or unix://), or None."""
    address = os.environ.get("_EXPERIMENTAL_DAGGER_RUNNER_HOST", "")
    return address if urllib.parse.urlsplit(address).scheme in {"tcp", "unix"} else None


def check_engine(timeout: float = 3.0) -> None:
    """Fail fast when the engine at _EXPERIMENTAL_DAGGER_RUNNER_HOST does not accept connections.

    The Dagger CLI retries a dead address for minutes; a plain connect answers in milliseconds. Only tcp:// and
    unix:// addresses are probed; other schemes (kube-pod, docker-container) and no address at all are left to
    the CLI.
    """
    address = _probe_address()
    if address is None:
        return
    url = urllib.parse.urlsplit(address)
    try:
        if url.scheme == "tcp" and url.hostname and url.port:
            socket.create_connection((url.hostname, url.port), timeout=timeout).close()
        elif url.scheme == "unix":
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(timeout)
                s.connect(url.path)
    except OSError as e:
        msg = f"no Dagger engine answers at {address} ({e.strerror or e}); start it (make engine-up) and re-run"
        raise EngineUnreachableError(msg) from None


def engine_config(config: dict[str, Any]) -> dagger.Config:
    """Return the connection settings: the engine's progress on stderr with --verbose."""
    return dagger.Config(log_output=sys.stderr if config.get("verbose") else None)


T = TypeVar("T")

#: How often a running call checks that its engine still accepts connections, and how many misses in a row
#: mean it is gone. The Dagger session behind the SDK retries a dead engine for minutes, and an exec in flight
#: may never hear of it; the watchdog turns that wait into one line within seconds.
WATCH_INTERVAL = 2.0
WATCH_MISSES = 2


async def forward(svc: dagger.Service, backends: list[int], hosts: list[int]) -> tuple[dagger.Service, list[int]]:
    """Tunnel svc's ports to this host (a host port of 0: any free one); return the tunnel and its ports, in order.

    The engine binds the host ports itself, so a free one is never picked here and taken by another process first.
    """
    pairs = zip(backends, hosts, strict=True)
    tunnel = await dag.host().tunnel(svc, ports=[dagger.PortForward(backend=b, frontend=h) for b, h in pairs]).start()
    return tunnel, [await p.port() for p in await tunnel.ports()]


def stop_sessions() -> None:
    """Kill this process's `dagger session` children.

    With their engine gone they have nothing left to drain, and the SDK would wait minutes for them to exit.
    """
    for child in psutil.Process().children():
        try:
            if child.name().startswith("dagger"):
                child.kill()
        except psutil.Error:
            continue


async def engine_watchdog(interval: float = WATCH_INTERVAL, misses: int = WATCH_MISSES) -> None:
    """Run until cancelled; raise EngineLostError once the engine refuses `misses` connections in a row."""
    if _probe_address() is None:
        await anyio.sleep_forever()
    missed = 0
    while True:
        await anyio.sleep(interval)
        try:
            await anyio.to_thread.run_sync(check_engine, interval)
        except EngineUnreachableError:
            missed += 1
            if missed >= misses:
                stop_sessions()
                raise EngineLostError(_probe_address()) from None
        else:
            missed = 0


async def while_engine_lives(work: Callable[[], Awaitable[T]]) -> T:
    """Await work; if the engine dies first, cancel it and raise EngineLostError (in an exception group)."""
    result: list[T] = []
    async with anyio.create_task_group() as tg:
        tg.start_soon(engine_watchdog)
        result.append(await work())
        tg.cancel_scope.cancel()
    return result[0]

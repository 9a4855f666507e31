"""The `pipeline` command: every Dagger function as a subcommand, in client mode, documented once.

Subcommands, options and help text are generated from the module's registered functions, so
`pipeline <fn> --help` prints the same docstrings and Doc()s as `dagger functions`. Exit codes:
0 success, 1 a step failed, 2 usage error. Errors are one readable paragraph, never a traceback.
"""

import enum
import os
import sys
import types
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, NoReturn, Union, cast, get_args, get_origin

import anyio
import click
import dagger
from dagger import dag

from .errors import PipelineError
from .main import SOURCE_INCLUDE, Pipeline
from .registry import Arg, Fn, functions
from .scanreport import ScanReport
from .testreport import TestReport

EXIT_FAILED = 1
EXIT_USAGE = 2
#: Constructor arguments that are paths on the host, with the filter the module's Ignore applies.
HOST_INCLUDE = {"source": SOURCE_INCLUDE}
#: Defaults the CLI gives where the module's default is a path in the module (DefaultPath).
HOST_DEFAULTS = {"source": "."}


def _base(annotation: Any) -> Any:  # noqa: ANN401 (a type annotation)
    """Strip ``| None`` from an annotation."""
    if get_origin(annotation) in {Union, types.UnionType}:
        rest = [a for a in get_args(annotation) if a is not type(None)]
        return rest[0] if len(rest) == 1 else annotation
    return annotation


def _flag(arg: Arg) -> str:
    return "--" + arg.name.replace("_", "-")


def _option(arg: Arg, *, inherited: bool = False) -> click.Option:
    """Make the click option for one argument; inherited: a constructor option repeated on a subcommand."""
    t = _base(arg.annotation)
    default = HOST_DEFAULTS.get(arg.name, None if arg.required or arg.default is None else arg.default)
    if inherited:
        default = None
    required = arg.required and default is None and not inherited
    help_text = arg.doc
    if t is bool:
        return click.Option([f"{_flag(arg)}/--no-{arg.name.replace('_', '-')}"], default=bool(default), help=help_text)
    if get_origin(t) is list:
        return click.Option([_flag(arg)], multiple=True, default=default, help=help_text + " (repeat for several)")
    if isinstance(t, type) and issubclass(t, enum.Enum):
        choice = click.Choice([str(m.value) for m in t], case_sensitive=False)
        value = default.value if isinstance(default, enum.Enum) else default
        return click.Option([_flag(arg)], type=choice, default=value, required=required, help=help_text)
    if t is dagger.Secret:
        return click.Option([_flag(arg)], metavar="env:NAME|file:PATH", required=required, help=help_text)
    if t in {dagger.Directory, dagger.File}:
        return click.Option([_flag(arg)], type=click.Path(exists=True), required=required, help=help_text)
    click_type = click.FLOAT if t is float else click.INT if t is int else click.STRING
    return click.Option([_flag(arg)], type=click_type, default=default, required=required, help=help_text)


def _secret_value(name: str, ref: str) -> str:
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


def _check_secrets(fns: list[Fn], values: dict[str, Any]) -> None:
    """Validate every secret reference before connecting to the engine (usage errors come first)."""
    for fn in fns:
        for arg in fn.args:
            if _base(arg.annotation) is dagger.Secret and values.get(arg.python_name) is not None:
                _secret_value(arg.name, str(values[arg.python_name]))


def _convert(arg: Arg, value: Any, *, fresh: bool = False) -> Any:  # noqa: ANN401, PLR0911 (one return per type)
    """Turn a click value into what the function takes (paths become host objects; fresh: re-read them)."""
    t = _base(arg.annotation)
    if value is None:
        return None
    if t is dagger.Secret:
        return dag.set_secret(f"pipeline-cli-{arg.name}", _secret_value(arg.name, str(value)))
    if t is dagger.Directory:
        return dag.host().directory(str(value), include=HOST_INCLUDE.get(arg.name), no_cache=fresh)
    if t is dagger.File:
        return dag.host().file(str(value))
    if isinstance(t, type) and issubclass(t, enum.Enum):
        return t(str(value).upper())
    if get_origin(t) is list:
        return list(cast("tuple[str, ...]", value))
    return value


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"pipeline: {message}", err=True)
    sys.exit(code)


async def _export_report(result: TestReport | ScanReport, output: str | None) -> None:
    if output:
        files = (
            {"junit.xml": result.junit, "coverage.out": result.coverage, "test.json": result.events}
            if isinstance(result, TestReport)
            else {"trivy.json": result.json, "trivy.sarif": result.sarif}
        )
        for name, file in files.items():
            await file.export(str(Path(output) / name))
    click.echo(result.summary)
    if not result.ok:
        result.check()


async def _emit(fn: Fn, result: object, output: str | None, ports: list[int]) -> None:
    """Print or export a function's result by its type."""
    if isinstance(result, TestReport | ScanReport):
        await _export_report(result, output)
    elif isinstance(result, dagger.Directory | dagger.File):
        if not output:
            _fail(f"{fn.name.replace('_', '-')}: give --output PATH to write the result to", EXIT_USAGE)
        click.echo(await result.export(output))
    elif isinstance(result, dagger.Container):
        if output:
            click.echo(await result.export(output))
        else:
            await result.sync()
            click.echo(f"{fn.name}: built {await result.platform()}")
    elif isinstance(result, dagger.Service):
        backends = SERVICE_PORTS.get(fn.name, ports)
        forwards = [dagger.PortForward(backend=b, frontend=f) for b, f in zip(backends, ports, strict=False)]
        click.echo(f"{fn.name}: serving on " + ", ".join(f"localhost:{p}" for p in ports) + " (Ctrl-C stops)", err=True)
        await result.up(ports=forwards)
    elif isinstance(result, list):
        for line in cast("list[object]", result):
            click.echo(line)
    elif result is None:
        click.echo(f"{fn.name.replace('_', '-')}: ok", err=True)
    else:
        click.echo(result)


def make_pipeline(config: dict[str, Any], *, fresh: bool = False) -> Pipeline:
    """Construct the Pipeline from the group's options (inside a connection)."""
    ctor = functions(Pipeline)[""]
    kwargs = {a.python_name: _convert(a, config.get(a.python_name), fresh=fresh) for a in ctor.args}
    return Pipeline(**{k: v for k, v in kwargs.items() if v is not None})


def engine_config(config: dict[str, Any]) -> dagger.Config:
    """Return the connection settings: the engine's progress on stderr with --verbose."""
    return dagger.Config(log_output=sys.stderr if config.get("verbose") else None)


async def _call(config: dict[str, Any], fn: Fn, kwargs: dict[str, Any], output: str | None, ports: list[int]) -> None:
    async with dagger.connection(engine_config(config)):
        pipeline = make_pipeline(config)
        call_kwargs = {a.python_name: _convert(a, kwargs.get(a.python_name)) for a in fn.args}
        method = cast("Callable[..., Awaitable[object]]", getattr(pipeline, fn.python_name))
        result = await method(**{k: v for k, v in call_kwargs.items() if v is not None})
        await _emit(fn, result, output, ports)


def run_async(main: Callable[[], Awaitable[None]]) -> None:
    """Run main, mapping failures to one paragraph and the documented exit code."""
    try:
        anyio.run(main)
    except PipelineError as e:
        _fail(str(e), EXIT_FAILED)
    except (ValueError, click.BadParameter) as e:
        _fail(str(e), EXIT_USAGE)
    except dagger.ExecError as e:
        _fail(f"`{' '.join(e.command)}` failed (exit {e.exit_code}): {(e.stderr or e.stdout).strip()}", EXIT_FAILED)
    except dagger.DaggerError as e:
        _fail(f"engine: {e}", EXIT_FAILED)
    except KeyboardInterrupt:
        _fail("interrupted", 130)


SERVICE_PORTS = {"serve": [8080], "debug": [2345, 8080]}


def _command(fn: Fn) -> click.Command:
    own = {a.python_name for a in fn.args}
    # Constructor options are accepted after the subcommand too (`pipeline ci --source app`); they win.
    inherited = [a for a in functions(Pipeline)[""].args if a.python_name not in own]
    params: list[click.Parameter] = [_option(a) for a in fn.args]
    params += [_option(a, inherited=True) for a in inherited]
    params.append(click.Option(["--output", "-o"], help="Write files/directories the function returns here."))
    if fn.name == "serve":
        params.append(
            click.Option(["--watch/--no-watch"], default=False, help="Rebuild and restart on source changes.")
        )
        params.append(click.Option(["--port"], type=click.INT, default=8080, help="Port on this host."))

    @click.pass_context
    def callback(ctx: click.Context, **kwargs: Any) -> None:  # noqa: ANN401 (click passes option values)
        given = {a.python_name: kwargs.pop(a.python_name) for a in inherited}
        config = {**cast("dict[str, Any]", ctx.obj), **{k: v for k, v in given.items() if v not in (None, ())}}
        _check_secrets([functions(Pipeline)[""]], config)
        _check_secrets([fn], kwargs)
        output = kwargs.pop("output", None)
        port = cast("int | None", kwargs.pop("port", None))
        if kwargs.pop("watch", False):
            from .watch import serve_watch  # noqa: PLC0415 (only `serve --watch` needs watchfiles)

            run_async(lambda: serve_watch(config, str(kwargs.get("version") or "dev"), port or 8080))
            return
        ports = [port] if port else SERVICE_PORTS.get(fn.name, [])
        run_async(lambda: _call(config, fn, kwargs, output, ports))

    name = fn.name.replace("_", "-")
    return click.Command(name, callback=callback, params=params, help=fn.doc, short_help=fn.doc)


def build_cli() -> click.Group:
    """Build the click group: constructor arguments as group options, one subcommand per function."""
    ctor = functions(Pipeline)[""]
    params: list[click.Parameter] = [_option(a) for a in ctor.args]
    params.append(click.Option(["--verbose", "-v"], is_flag=True, help="Show the engine's progress on stderr."))

    @click.pass_context
    def group(ctx: click.Context, **kwargs: Any) -> None:  # noqa: ANN401 (click passes option values)
        ctx.obj = kwargs

    cli = click.Group("pipeline", callback=group, params=params, help=sys.modules["pipeline"].__doc__)
    for fn in functions(Pipeline).values():
        if fn.name:
            cli.add_command(_command(fn))
    return cli


def main() -> None:
    """Entry point of the `pipeline` command."""
    cli = build_cli()
    try:
        # Every option can also come from the environment: PIPELINE_GO_IMAGE, PIPELINE_CI_VERSION, ...
        cli.main(prog_name="pipeline", standalone_mode=False, auto_envvar_prefix="PIPELINE")
    except click.UsageError as e:
        e.show()
        sys.exit(EXIT_USAGE)
    except click.ClickException as e:
        e.show()
        sys.exit(e.exit_code)
    except click.Abort:
        _fail("aborted", EXIT_FAILED)

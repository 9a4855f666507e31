"""The `pipeline` command: every Dagger function as a subcommand, in client mode, documented once.

Subcommands, options and help text are generated from the module's functions, so `pipeline <fn> --help`
prints the same docstrings and Doc()s as `dagger functions`. Exit codes: 0 success, 1 a step failed (or the
engine did), 2 usage error (found before any engine session). Errors are one paragraph, never a traceback.
"""

import enum
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, Final, NoReturn, cast, get_origin

import anyio
import click
import dagger
import httpx
import tenacity
from dagger import dag

from pipeline import Pipeline
from pipeline.ci.report import CiReport
from pipeline.core.errors import EngineError, PipelineError, UsageError, exit_code, leaves
from pipeline.go.lint import LintReport
from pipeline.go.run import DLV_PORT
from pipeline.go.testing import TestReport
from pipeline.release.verify import VerifyReport
from pipeline.security.scan import ScanReport
from pipeline.security.vulncheck import VulnReport

from . import hostcheck
from .introspect import Arg, Fn, functions
from .schema import SchemaCache
from .session import (
    LISTS,
    EngineLostError,
    base_type,
    check_engine,
    check_secrets,
    convert,
    engine_config,
    forward,
    make_pipeline,
    while_engine_lives,
)

EXIT_FAILED = 1
EXIT_USAGE = 2
#: Defaults the CLI gives where the module's default is a path in the module (DefaultPath).
HOST_DEFAULTS = {"source": "."}
#: Functions that return a service the CLI forwards to this host (the first port gets --host-port).
SERVICES = frozenset({"serve", "debug", "pprof"})


def _flag(arg: Arg) -> str:
    return "--" + arg.name.replace("_", "-")


def _option(arg: Arg, *, inherited: bool = False) -> click.Option:
    """Make the click option for one argument; inherited: a constructor option repeated on a subcommand."""
    t = base_type(arg.annotation)
    default = HOST_DEFAULTS.get(arg.name, None if arg.required or arg.default is None else arg.default)
    if inherited:
        default = None
    required = arg.required and default is None and not inherited
    help_text = arg.doc
    if t is bool:
        flag = f"{_flag(arg)}/--no-{arg.name.replace('_', '-')}"
        return click.Option([flag], default=None if inherited else bool(default), help=help_text)
    if get_origin(t) in LISTS:
        return click.Option(
            [_flag(arg)], multiple=True, default=tuple(default or ()), help=help_text + " (repeat for several)"
        )
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


def _fail(message: str, code: int) -> NoReturn:
    click.echo(f"pipeline: {message}", err=True)
    sys.exit(code)


def _report_files(result: TestReport | ScanReport | LintReport) -> dict[str, dagger.File]:
    """Return the files --output writes for a report, by file name."""
    if isinstance(result, TestReport):
        return {
            "junit.xml": result.junit,
            "coverage.out": result.coverage,
            "coverage.html": result.coverage_html,
            "coverage.xml": result.cobertura,
            "test.json": result.events,
        }
    if isinstance(result, LintReport):
        return {"golangci-lint.json": result.json, "golangci-lint.sarif": result.sarif}
    return {"trivy.json": result.json, "trivy.sarif": result.sarif}


async def _export_report(result: TestReport | ScanReport | LintReport, output: str | None) -> None:
    if output:
        files = _report_files(result)
        for name, file in files.items():
            await file.export(str(Path(output) / name))
    click.echo(result.summary)
    if isinstance(result, TestReport) and result.package_coverage:
        click.echo(coverage_table(result.package_coverage))
    if not result.ok:
        result.check()


def coverage_table(package_coverage: str) -> str:
    """Render TestReport.package_coverage (`percent package` lines) under a heading, indented."""
    lines = [ln for ln in package_coverage.splitlines() if ln.strip()]
    return "\n".join(["coverage by package:", *(f"  {ln}" for ln in lines)])


async def _export_ci(result: CiReport, output: str | None) -> None:
    """Print ci's table and summaries, write its reports folder (--output), then apply its gate."""
    if output:
        await result.reports.export(output)
    click.echo(result.summary)
    result.check()


async def _export_any_report(
    result: CiReport | TestReport | ScanReport | LintReport | VerifyReport | VulnReport, output: str | None
) -> None:
    if isinstance(result, CiReport):
        await _export_ci(result, output)
    elif isinstance(result, TestReport | ScanReport | LintReport):
        await _export_report(result, output)
    else:
        await _export_supply(result, output)


async def _export_supply(result: VerifyReport | VulnReport, output: str | None) -> None:
    if isinstance(result, VerifyReport):
        if output:
            await result.provenance.export(str(Path(output) / "provenance.json"))
            await result.sboms.export(str(Path(output) / "sboms"))
        click.echo(result.summary)
        return
    if output:
        await result.json.export(str(Path(output) / "govulncheck.json"))
        await result.openvex.export(str(Path(output) / "govulncheck.openvex.json"))
    click.echo(result.summary)
    for line in result.called:
        click.echo(line)
    result.check()


async def _emit(fn: Fn, result: object, output: str | None, ports: list[int], backends: list[int]) -> None:
    """Print or export a function's result by its type."""
    if isinstance(result, CiReport | TestReport | ScanReport | LintReport | VerifyReport | VulnReport):
        await _export_any_report(result, output)
    elif isinstance(result, dagger.Directory | dagger.File | dagger.Changeset):
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
        _, bound = await forward(result, backends, ports)
        click.echo(f"{fn.name}: serving on " + ", ".join(f"localhost:{p}" for p in bound) + " (Ctrl-C stops)", err=True)
        await anyio.sleep_forever()  # the tunnel lives as long as the session
    elif isinstance(result, list):
        for line in cast("list[object]", result):
            click.echo(line)
    elif result is None:
        click.echo(f"{fn.name.replace('_', '-')}: ok", err=True)
    else:
        click.echo(result)


def _default(fn: Fn, name: str) -> int:
    return int(next(a.default for a in fn.args if a.name == name))


def service_ports(
    fn: Fn, config: dict[str, Any], port: int | None, kwargs: dict[str, Any] | None = None
) -> tuple[list[int], list[int]]:
    """Return (host ports, service ports) for a service function."""
    if fn.name == "pprof":
        backends = [int((kwargs or {}).get("ui_port") or _default(fn, "ui_port"))]
        return [backends[0] if port is None else port], backends
    app = int(config.get("port") or _default(functions(Pipeline)[""], "port"))
    backends = [DLV_PORT, app] if fn.name == "debug" else [app]
    hosts = [backends[0] if port is None else port, *backends[1:]]
    return hosts, backends


async def _call(config: dict[str, Any], fn: Fn, kwargs: dict[str, Any], output: str | None, port: int | None) -> None:
    check_engine()

    async def run() -> None:
        pipeline = make_pipeline(config)
        call_kwargs = {a.python_name: convert(a, kwargs.get(a.python_name), config=config) for a in fn.args}
        method = cast("Callable[..., Awaitable[object]]", getattr(pipeline, fn.python_name))
        result = await method(**{k: v for k, v in call_kwargs.items() if v is not None})
        await _emit(fn, result, output, *service_ports(fn, config, port, kwargs))

    schema = SchemaCache.load()
    for _ in range(2):  # a second time only when the cached schema was another engine's
        with schema.installed():
            async with dagger.connection(engine_config(config)):
                if await schema.settle(dag.version):
                    await while_engine_lives(run)
                    return


#: What the SDK raises when the connection to the engine breaks mid-call (retries exhausted, a dropped stream).
LOST: Final = (
    dagger.ClientConnectionError,
    dagger.TransportError,
    ConnectionError,
    httpx.TransportError,
    anyio.BrokenResourceError,
    tenacity.RetryError,
)


def _engine_lost(e: BaseException) -> bool:
    """Tell whether an error means the engine (or the connection to it) went away."""
    context = e.__context__
    if context is not None and any(isinstance(x, EngineLostError) for x in leaves(context)):
        return True  # the watchdog saw it first; closing the session then failed too
    return any(isinstance(x, LOST) for x in (e, e.__cause__, context) if x is not None)


def _paragraph(e: BaseException) -> str:
    if isinstance(e, dagger.ExecError):
        return f"`{' '.join(e.command)}` failed (exit {e.exit_code}): {(e.stderr or e.stdout).strip()}"
    if isinstance(e, dagger.DaggerError):
        return f"engine: {e}"
    if isinstance(e, PipelineError):
        return str(e)
    return f"{type(e).__name__}: {e}"


def report(error: BaseException) -> NoReturn:
    """Print one failure as one paragraph with its exit code by type (errors.exit_code; never a traceback)."""
    errors = list(leaves(error))
    engine = next((e for e in errors if isinstance(e, EngineError)), None)
    if engine is not None:
        _fail(str(engine), engine.exit_code)
    if any(_engine_lost(e) for e in errors):
        _fail(str(EngineLostError(None)), EXIT_FAILED)
    if all(isinstance(e, click.BadParameter) for e in errors):
        _fail(str(errors[0]), EXIT_USAGE)
    _fail("\n".join(_paragraph(e) for e in errors), exit_code(error))


def run_async(main: Callable[[], Awaitable[None]]) -> None:
    """Run main, mapping failures to one paragraph and the documented exit code."""
    try:
        anyio.run(main)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except Exception as e:  # noqa: BLE001 (every failure becomes one line and an exit code)
        report(e)


def _command(fn: Fn) -> click.Command:
    own = {a.python_name for a in fn.args}
    # Constructor options are accepted after the subcommand too (`pipeline ci --source app`); they win.
    inherited = [a for a in functions(Pipeline)[""].args if a.python_name not in own]
    params: list[click.Parameter] = [_option(a) for a in fn.args]
    params += [_option(a, inherited=True) for a in inherited]
    params.append(click.Option(["--output", "-o"], help="Write files/directories the function returns here."))
    if fn.name in SERVICES:
        params.append(
            click.Option(
                ["--host-port"],
                type=click.IntRange(0, 65535),
                help="Port on this host (0: any free one, printed); default: the service's own.",
            )
        )
    if fn.name == "serve":
        params.append(
            click.Option(["--watch/--no-watch"], default=False, help="Rebuild and restart on source changes.")
        )

    @click.pass_context
    def callback(ctx: click.Context, **kwargs: Any) -> None:  # noqa: ANN401 (click passes option values)
        given = {a.python_name: kwargs.pop(a.python_name) for a in inherited}
        config = {**cast("dict[str, Any]", ctx.obj), **{k: v for k, v in given.items() if v not in (None, ())}}
        output = kwargs.pop("output", None)
        port = cast("int | None", kwargs.pop("host_port", None))
        watch = kwargs.pop("watch", False)
        try:
            check_secrets(functions(Pipeline)[""], config)
            check_secrets(fn, kwargs)
            hostcheck.check(functions(Pipeline)[""], {**config, "source": config.get("source") or "."})
            hostcheck.check(fn, kwargs)
        except (UsageError, click.BadParameter) as e:
            report(e)
        if watch:
            from .watch import serve_watch  # noqa: PLC0415 (only `serve --watch` needs watchfiles)

            hosts, backends = service_ports(fn, config, port)
            run_async(lambda: serve_watch(config, str(kwargs.get("version") or "dev"), hosts[0], backends[0]))
            return
        run_async(lambda: _call(config, fn, kwargs, output, port))

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

"""The CLI's surface, without an engine: help comes from the registered docstrings; usage errors exit 2."""

import pytest
from click.testing import CliRunner

from pipeline import Pipeline
from pipeline_cli.app import EXIT_USAGE, build_cli, coverage_table, service_ports
from pipeline_cli.introspect import functions

COMMANDS = sorted(fn.name for fn in functions(Pipeline).values() if fn.name)


@pytest.mark.parametrize("name", COMMANDS)
def test_help_shows_the_functions_docstring_and_argument_docs(name: str) -> None:
    fn = functions(Pipeline)[name]
    result = CliRunner().invoke(build_cli(), [name.replace("_", "-"), "--help"], terminal_width=10_000)
    assert result.exit_code == 0
    assert fn.doc in result.output
    for arg in fn.args:
        assert "--" + arg.name.replace("_", "-") in result.output
        assert arg.doc.split(";")[0] in result.output


def test_every_issue_subcommand_exists() -> None:
    wanted = {"ci", "test", "build", "scan", "publish", "serve", "debug", "bench", "go_version"}
    assert wanted <= set(COMMANDS)


def test_unknown_flag_is_a_usage_error() -> None:
    result = CliRunner().invoke(build_cli(), ["build", "--no-such-flag"])
    assert result.exit_code == EXIT_USAGE
    assert "No such option" in result.output


def test_bad_choice_is_a_usage_error() -> None:
    result = CliRunner().invoke(build_cli(), ["scan", "--severity", "SEVERE"])
    assert result.exit_code == EXIT_USAGE


def test_secret_on_the_command_line_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("_EXPERIMENTAL_DAGGER_RUNNER_HOST", raising=False)
    from pipeline_cli.app import main  # noqa: PLC0415

    monkeypatch.setattr(
        "sys.argv",
        ["pipeline", "publish", "--address", "x/y", "--version", "v1.0.0", "--username", "u", "--password", "hunter2"],
    )
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == EXIT_USAGE


def test_coverage_table_indents_each_package_under_a_heading() -> None:
    assert coverage_table(" 81.2% example.com/hello\n100.0% example.com/hello/internal\n") == (
        "coverage by package:\n   81.2% example.com/hello\n  100.0% example.com/hello/internal"
    )


@pytest.mark.parametrize(
    ("name", "config", "host_port", "kwargs", "want"),
    [
        ("serve", {}, None, {}, ([8080], [8080])),
        ("serve", {"port": 9090}, 18080, {}, ([18080], [9090])),
        ("debug", {}, None, {}, ([2345, 8080], [2345, 8080])),
        ("pprof", {"port": 9090}, None, {}, ([8081], [8081])),
        ("pprof", {}, 18081, {"ui_port": 9000}, ([18081], [9000])),
    ],
)
def test_service_ports(
    name: str,
    config: dict[str, object],
    host_port: int | None,
    kwargs: dict[str, object],
    want: tuple[list[int], list[int]],
) -> None:
    assert service_ports(functions(Pipeline)[name], config, host_port, kwargs) == want

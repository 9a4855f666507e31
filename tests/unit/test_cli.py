"""The CLI's surface, without an engine: help comes from the registered docstrings; usage errors exit 2."""

import pytest
from click.testing import CliRunner

from pipeline import Pipeline
from pipeline_cli.app import EXIT_USAGE, build_cli
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


@pytest.mark.parametrize(
    "argv",
    [
        ["sign", "--image", "ghcr.io/acme/hello:1.2.3@sha256:" + "a" * 64, "--key", "-----BEGIN ENCRYPTED-----"],
        ["sign", "--image", "ghcr.io/acme/hello:1.2.3@sha256:" + "a" * 64, "--key", "file:/nonexistent/cosign.key"],
        ["scan", "--vex", "pyproject.toml"],
    ],
    ids=["plaintext-key", "missing-key-file", "not-a-vex-document"],
)
def test_supply_usage_errors_exit_2_before_any_session(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    monkeypatch.delenv("_EXPERIMENTAL_DAGGER_RUNNER_HOST", raising=False)
    from pipeline_cli.app import main  # noqa: PLC0415

    monkeypatch.setattr("sys.argv", ["pipeline", "--source", "app", *argv])
    with pytest.raises(SystemExit) as exc:
        main()
    assert exc.value.code == EXIT_USAGE


def test_sign_without_a_key_is_a_usage_error() -> None:
    result = CliRunner().invoke(build_cli(), ["sign", "--image", "ghcr.io/acme/hello:1.2.3"])
    assert result.exit_code == EXIT_USAGE
    assert "--key" in result.output


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

"""The CLI's surface, without an engine: help comes from the registered docstrings; usage errors exit 2."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from pipeline import Pipeline
from pipeline_cli.app import EXIT_USAGE, build_cli, coverage_table, service_ports
from pipeline_cli.introspect import functions

APP = Path(__file__).resolve().parents[2] / "app"
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


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--source", str(APP), "--platforms", "linux/sparc", "build"], "platforms: 'linux/sparc' is not a supported"),
        (["--source", str(APP), "publish", "--address", "x/y", "--version", "1.2"], "version '1.2' is not semver"),
        (["--source", str(APP), "test", "--coverage-min", "101"], "coverage-min: 101.0 is not a percentage"),
        (["--source", str(APP), "test", "--timeout", "soon"], "test --timeout: 'soon' is not a Go duration"),
        (["--source", str(APP), "--packages", "./cmd/nope", "build"], "packages: './cmd/nope' names no Go package"),
        (["--source", str(APP), "--port", "0", "serve"], "port: 0 is not a TCP port"),
        (["--source", str(APP), "ci", "--address", "Bad/Repo", "--version", "v1.0.0"], "not a valid image repository"),
        (["--source", str(APP), "--cache-image", "not a ref", "ci"], "--cache-image: 'not a ref' is not a valid image"),
        (["--source", str(APP), "--cache-image", "ghcr.io/a/c:v1", "test"], "--cache-image: 'ghcr.io/a/c:v1' must not"),
        (["--source", str(APP), "cache-push", "--address", "Bad"], "cache-push --address: 'Bad' is not a valid image"),
    ],
)
def test_usage_errors_exit_2_before_any_engine_session(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: list[str], message: str
) -> None:
    code, err = main_exit(capsys, monkeypatch, args)
    assert code == EXIT_USAGE, err
    assert message in err
    assert err.count("\n") == 1, err  # one line
    assert "engine" not in err
    assert "Traceback" not in err


def test_an_empty_folder_names_its_path(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    code, err = main_exit(capsys, monkeypatch, ["--source", str(tmp_path), "build"])
    assert code == EXIT_USAGE
    assert err == f"pipeline: source: no go.mod or go.work in {tmp_path}\n"


def test_no_engine_is_one_line_naming_it(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    code, err = main_exit(capsys, monkeypatch, ["--source", str(APP), "go-version"])
    assert code == 1
    assert err.startswith("pipeline: engine: no Dagger engine answers at tcp://127.0.0.1:9 (")
    assert "Traceback" not in err
    assert err.count("\n") == 1, err


def main_exit(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, args: list[str]) -> tuple[int, str]:
    """Run main() as the `pipeline` command does; return its exit code and stderr."""
    from pipeline_cli.app import main  # noqa: PLC0415

    monkeypatch.setenv("_EXPERIMENTAL_DAGGER_RUNNER_HOST", "tcp://127.0.0.1:9")
    monkeypatch.setattr("sys.argv", ["pipeline", *args])
    with pytest.raises(SystemExit) as exc:
        main()
    return int(exc.value.code or 0), capsys.readouterr().err


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
        # 0: any free port, which the engine picks when it binds the tunnel.
        ("serve", {}, 0, {}, ([0], [8080])),
        ("debug", {}, 0, {}, ([0, 8080], [2345, 8080])),
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


def test_the_cli_imports_the_sdk_without_its_runtime_type_check_wrappers() -> None:
    """Importing pipeline_cli skips beartype's wrappers (≈1 s per call) and leaves PYTHONOPTIMIZE as it found it."""
    probe = (
        "import os, pipeline_cli, dagger; "
        "print(hasattr(dagger.Container.with_exec, '__wrapped__'), os.environ.get('PYTHONOPTIMIZE'))"
    )
    env = {k: v for k, v in os.environ.items() if k != "PYTHONOPTIMIZE"}
    out = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "None"]
    plain = "import dagger; print(hasattr(dagger.Container.with_exec, '__wrapped__'))"
    assert (
        subprocess.run(
            [sys.executable, "-c", plain], env=env, capture_output=True, text=True, check=True
        ).stdout.strip()
        == "True"
    )

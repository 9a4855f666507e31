"""With CI=true a missing engine fails the engine tier; on a laptop it skips with the reason."""

import os
import subprocess
import sys

import pytest

from tests.conftest import ENGINE_VARS, ROOT


def run_engine_tier(ci: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ENGINE_VARS and k != "CI"}
    env |= {"CI": ci, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-q",
            "-p",
            "no:cacheprovider",
            "tests/engine/test_checks.py",
            "-k",
            "go_version",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_missing_engine_fails_in_ci() -> None:
    res = run_engine_tier("true")
    assert res.returncode == 1, res.stdout
    assert "no Dagger engine configured" in res.stdout
    assert "skipped" not in res.stdout.splitlines()[-1]


@pytest.mark.parametrize("ci", ["", "false"])
def test_missing_engine_skips_with_the_reason_elsewhere(ci: str) -> None:
    res = run_engine_tier(ci)
    assert res.returncode == 0, res.stdout
    assert "skipped" in res.stdout.splitlines()[-1]

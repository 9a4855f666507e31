"""Shared test configuration: paths, and the rule that CI never skips the engine tier."""

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
ENGINE_VARS = (
    "_EXPERIMENTAL_DAGGER_CLI_BIN",
    "_EXPERIMENTAL_DAGGER_RUNNER_HOST",
    "PIPELINE_GO_IMAGE",
    "PIPELINE_TRIVY_IMAGE",
)


def in_ci() -> bool:
    """Tell whether this run is CI, where a missing engine is a failure, never a skip."""
    return os.environ.get("CI", "").lower() in {"true", "1"}


def require_engine_env() -> None:
    """Fail (CI) or skip (laptop) when the engine variables are not set."""
    missing = [v for v in ENGINE_VARS if not os.environ.get(v)]
    if not missing:
        return
    msg = f"no Dagger engine configured ({', '.join(missing)} unset): run `make engine-up` and eval scripts/engine-env"
    if in_ci():
        pytest.fail(msg, pytrace=False)
    pytest.skip(msg)

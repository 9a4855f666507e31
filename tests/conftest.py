"""Shared test configuration: paths, and the rule that CI never skips the engine tier."""

import os
from pathlib import Path

import pytest

from scripts import harness_pins

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
ENGINE_VARS = (
    "_EXPERIMENTAL_DAGGER_CLI_BIN",
    "_EXPERIMENTAL_DAGGER_RUNNER_HOST",
    "PIPELINE_GO_IMAGE",
    "PIPELINE_TRIVY_IMAGE",
)


def cache_dir() -> Path:
    """Return the harness's cache folder: $PIPELINE_CACHE, else harness_pins.CACHE_DIR (scripts/lib.sh's default)."""
    return Path(os.environ.get("PIPELINE_CACHE") or harness_pins.CACHE_DIR)


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


#: Each tier's folder and its marker (pyproject.toml lists them): `pytest -m unit`, `pytest -m "not k8s"`.
TIERS = {"unit": "unit", "contract": "contract", "engine": "engine", "module": "module", "k8s": "k8s"}
#: Files whose tests look at pages in a browser, or take minutes.
BROWSER = {"test_pages.py"}
SLOW = {"test_cache.py", "test_remote.py", "test_first_start.py", "test_ci_files_run.py", "test_real_service.py"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test with its tier (by folder), and browser and slow tests by file."""
    for item in items:
        parts = item.path.relative_to(ROOT).parts
        tier = TIERS.get(parts[1]) if len(parts) > 2 and parts[0] == "tests" else None
        if tier is not None:
            item.add_marker(getattr(pytest.mark, tier))
        if tier == "module":
            item.add_marker(pytest.mark.engine)  # the module tier needs the engine too
        if item.path.name in BROWSER:
            item.add_marker(pytest.mark.browser)
        if item.path.name in SLOW:
            item.add_marker(pytest.mark.slow)

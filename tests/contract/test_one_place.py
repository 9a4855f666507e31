"""Each fact in one place: the copies a tool forces on us (dagger.json, pyproject.toml, uv.lock, the chart, the CI
files) agree with pipeline/pins.py, and no other file spells the facts out again."""

import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

from pipeline import pins
from scripts import harness_pins
from tests.conftest import ROOT

VERSION = pins.DAGGER_VERSION.removeprefix("v")


@pytest.mark.parametrize("path", ["dagger.json"])
def test_dagger_json_engine_version_is_the_pin(path: str) -> None:
    assert json.loads((ROOT / path).read_text())["engineVersion"] == pins.DAGGER_VERSION


def test_pyproject_and_uv_lock_pin_the_same_dagger_io() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert f"dagger-io=={VERSION}" in project["dependencies"]
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    (locked,) = [p["version"] for p in lock["package"] if p["name"] == "dagger-io"]
    assert locked == VERSION


def test_the_chart_runs_as_the_runtime_user() -> None:
    values = yaml.safe_load((ROOT / "deploy/helm/hello/values.yaml").read_text())
    contexts = [values["podSecurityContext"], values["securityContext"]]
    assert {(c["runAsUser"], c["runAsGroup"]) for c in contexts} == {(pins.RUNTIME_UID, pins.RUNTIME_UID)}


def tracked(*patterns: str) -> list[Path]:
    out = subprocess.run(["git", "ls-files", *patterns], cwd=ROOT, capture_output=True, text=True, check=True)
    return [ROOT / p for p in out.stdout.split()]


def test_no_other_source_file_spells_out_a_pinned_fact() -> None:
    """The Dagger version and the cache folder appear only where they are defined (and in forced copies)."""
    facts = {
        pins.DAGGER_VERSION: {"pipeline/pins.py", "scripts/patch-dagger.py"},  # the patch matches upstream's text
        harness_pins.CACHE_DIR: {"scripts/harness_pins.py"},
    }
    code = tracked("*.py", "*.sh", "scripts/engine-env", "Makefile")
    for fact, allowed in facts.items():
        found = {
            str(p.relative_to(ROOT))
            for p in code
            if re.search(rf"(?<![\w.]){re.escape(fact)}(?![\w.])", p.read_text()) and "/fixtures/" not in str(p)
        }
        found -= {"tests/unit/test_schema_cache.py"}  # a version string as test data, not the pin
        assert found <= allowed, f"{fact!r} spelled out in {sorted(found - allowed)}"

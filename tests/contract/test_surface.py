"""Tier 2: every object, function and argument a user sees is documented; the CLI shows the same surface."""

import inspect
import re
import tomllib

import pytest

import pipeline
import pipeline_cli.introspect as cli
from pipeline import Pipeline
from tests.conftest import ROOT
from tests.registry import Fn, functions, objects

OBJECTS = objects(Pipeline)
FUNCTIONS = [
    pytest.param(fn, id=f"{obj}.{fn.name or 'constructor'}")
    for obj, cls in OBJECTS.items()
    for fn in functions(cls).values()
]


def one_line(doc: str | None) -> bool:
    text = (doc or "").strip()
    return bool(text) and "\n" not in text and text.endswith(".") and text[0].isupper()


def test_module_has_a_description() -> None:
    assert one_line(pipeline.__doc__)


def test_objects_are_registered() -> None:
    assert {"Pipeline", "TestReport", "ScanReport", "LintReport", "VerifyReport", "VulnReport"} <= set(OBJECTS)


@pytest.mark.parametrize("obj", list(OBJECTS))
def test_every_object_has_a_docstring(obj: str) -> None:
    assert one_line(inspect.getdoc(OBJECTS[obj]))


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_every_function_has_a_one_line_docstring(fn: Fn) -> None:
    if fn.name:
        assert one_line(fn.doc), f"{fn.name}: {fn.doc!r}"


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_every_argument_has_a_doc(fn: Fn) -> None:
    undocumented = [a.name for a in fn.args if not a.doc]
    assert not undocumented, f"{fn.name or 'constructor'}: {undocumented}"


@pytest.mark.parametrize("fn", FUNCTIONS)
def test_function_names_are_short_and_snake_case(fn: Fn) -> None:
    assert fn.name == "" or re.fullmatch(r"[a-z][a-z_]{1,20}", fn.name)


def test_checks_are_marked() -> None:
    checks = {fn.name for fn in functions(Pipeline).values() if fn.check}
    assert checks == {"fmt", "vet", "tidy", "lint", "test_check", "scan_check"}


def test_cli_sees_what_the_sdk_registers() -> None:
    """The CLI reads the class with Python's introspection; it must agree with the SDK's registry."""
    registered = functions(Pipeline)
    seen = cli.functions(Pipeline)
    assert set(seen) == set(registered)
    for name, fn in registered.items():
        assert seen[name].doc == fn.doc, name
        assert [(a.name, a.doc) for a in seen[name].args] == [(a.name, a.doc) for a in fn.args], name


def test_module_mode_installs_only_what_the_functions_need() -> None:
    """uv.lock is what module mode installs (uv sync --no-dev): the CLI's click and watchfiles stay out."""
    lock = tomllib.loads((ROOT / "uv.lock").read_text())
    (project,) = [p for p in lock["package"] if p["name"] == "pipeline"]
    runtime = {d["name"] for d in project["dependencies"]}
    assert runtime == {"dagger-io", "anyio", "semver", "pyyaml"}
    assert {d["name"] for d in project["optional-dependencies"]["cli"]} == {"click", "watchfiles", "psutil"}

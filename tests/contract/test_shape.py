"""The module's shape holds: no import circles, no file over ~400 lines, a one-sentence docstring on every module."""

import ast
import graphlib
from pathlib import Path

import pytest

from pipeline import Pipeline
from tests.conftest import ROOT

PACKAGES = ("pipeline", "pipeline_cli")
#: The most lines a module may have: past it, a file holds more than one thing.
MAX_LINES = 400
FILES = sorted(f for pkg in PACKAGES for f in (ROOT / pkg).rglob("*.py"))


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(f): f for f in FILES}


def imports(name: str, path: Path) -> set[str]:
    """Return the modules of this project that a module imports (at any level, TYPE_CHECKING blocks included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            parts = package.split(".")
            base = parts[: len(parts) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            found |= {f"{module}.{a.name}" if f"{module}.{a.name}" in MODULES else module for a in node.names}
    return {m for m in found if m in MODULES and m != name}


def test_no_import_circles() -> None:
    graph = {name: imports(name, path) for name, path in MODULES.items()}
    graphlib.TopologicalSorter(graph).prepare()  # raises CycleError naming the circle


@pytest.mark.parametrize("path", FILES, ids=lambda f: str(f.relative_to(ROOT)))
def test_no_file_holds_more_than_one_thing(path: Path) -> None:
    assert len(path.read_text().splitlines()) <= MAX_LINES


@pytest.mark.parametrize("path", FILES, ids=lambda f: str(f.relative_to(ROOT)))
def test_every_module_says_what_it_is_in_one_sentence(path: Path) -> None:
    doc = ast.get_docstring(ast.parse(path.read_text())) or ""
    first = doc.split("\n\n")[0]
    one_sentence = bool(first) and "\n" not in first and first.endswith(".")
    assert one_sentence, f"{path.name}: {first!r}"


def test_each_domain_adds_its_functions_to_the_one_object() -> None:
    """main.py holds the object type and what spans the domains; each domain's functions live with the domain."""
    domains = {cls.__module__ for cls in Pipeline.__mro__ if cls.__module__.endswith(".functions")}
    assert domains == {f"pipeline.{d}.functions" for d in ("go", "security", "release", "perf")}

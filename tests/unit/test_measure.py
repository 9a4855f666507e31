"""The fresh-runner bench reads the module's load from one `dagger -c` invocation's plain progress."""

import pytest

from bench.measure import module_load

LOG = """\
6   : ┆ load module: pipeline
7   : load module: /tmp/trio-hdlmvi59/repo
6   : ┆ load module: pipeline DONE [14.8s]
7   : load module: /tmp/trio-hdlmvi59/repo DONE [1.2s]
"""


def test_the_load_is_the_modules_own_span_not_the_workspaces() -> None:
    assert module_load(LOG) == 14.8


def test_an_engine_that_has_loaded_it_reports_the_workspace() -> None:
    assert module_load("┆ loading type definitions DONE [0.8s]\nload workspace: . DONE [0.8s]") == 0.8


def test_a_load_over_a_minute_counts_its_minutes() -> None:
    assert module_load("┆ load module: pipeline DONE [1m2.5s]") == 62.5


def test_colours_are_read_through() -> None:
    assert module_load("┆ load module: pipeline \x1b[32mDONE\x1b[0m \x1b[2m[14.8s]\x1b[0m") == 14.8


def test_output_without_a_load_is_an_error() -> None:
    with pytest.raises(RuntimeError, match="no 'load module"):
        module_load("connect DONE [0.8s]")

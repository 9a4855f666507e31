"""Errors by type: usage (exit 2), a failed step (1), an engine fault (1); groups of them."""

import pytest

from pipeline.core.errors import EngineError, PipelineError, UsageError, exit_code, leaves


def test_usage_error_names_its_input_and_is_a_value_error() -> None:
    e = UsageError("publish: version '1.2' is not semver")
    assert (e.step, e.cause, str(e)) == (
        "publish",
        "version '1.2' is not semver",
        "publish: version '1.2' is not semver",
    )
    assert isinstance(e, ValueError)
    assert isinstance(e, PipelineError)
    assert UsageError("no step named here").step == "input"


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (UsageError("port: 0 is not a TCP port"), 2),
        (PipelineError("test", "2 tests failed"), 1),
        (EngineError("no Dagger engine answers at tcp://127.0.0.1:1"), 1),
        (ValueError("a tool printed something that is not JSON"), 1),  # not the user's input
        (ExceptionGroup("g", [UsageError("a: b"), UsageError("c: d")]), 2),
        (ExceptionGroup("g", [UsageError("a: b"), PipelineError("vet", "findings")]), 1),
    ],
)
def test_exit_code_by_type(error: BaseException, code: int) -> None:
    assert exit_code(error) == code


def test_engine_errors_start_with_engine() -> None:
    assert str(EngineError("the Dagger engine at tcp://x went away")).startswith("engine: ")


def test_leaves_flattens_nested_groups() -> None:
    inner = ExceptionGroup("i", [ValueError("a"), KeyError("b")])
    assert [type(e) for e in leaves(ExceptionGroup("o", [inner, OSError("c")]))] == [ValueError, KeyError, OSError]

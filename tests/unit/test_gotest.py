import json
from pathlib import Path

import pytest

from pipeline.go.testing_report import (
    LISTED_TESTS,
    MESSAGE_LINES,
    coverage_by_package,
    coverage_total,
    summarize_test_events,
)


def ev(action: str, test: str | None = None, output: str | None = None, pkg: str = "example.com/p") -> str:
    e: dict[str, str] = {"Action": action, "Package": pkg}
    if test:
        e["Test"] = test
    if output:
        e["Output"] = output
    return json.dumps(e)


def test_summary_counts_and_names_failures_with_messages() -> None:
    events = [
        ev("run", "TestA"),
        ev("pass", "TestA"),
        ev("run", "TestB"),
        ev("output", "TestB", "=== RUN   TestB\n"),
        ev("output", "TestB", "    b_test.go:9: got 4, want 5\n"),
        ev("output", "TestB", "--- FAIL: TestB (0.00s)\n"),
        ev("fail", "TestB"),
        ev("skip", "TestC"),
        ev("fail"),
    ]
    s = summarize_test_events("\n".join(events))
    assert (s.passed, s.failed, s.skipped) == (1, ["example.com/p.TestB"], 1)
    assert s.failed_packages == []
    assert s.line() == "1 passed, 1 failed, 1 skipped"
    assert s.details() == "FAIL example.com/p.TestB\n    b_test.go:9: got 4, want 5"
    assert not s.ok


def test_build_failure_is_not_a_pass() -> None:
    s = summarize_test_events(
        "\n".join([json.dumps({"Action": "build-output", "Output": "x.go:3: undefined: y\n"}), ev("fail")]),
    )
    assert not s.ok
    assert s.failed_packages == ["example.com/p"]
    assert "undefined: y" in s.details()


def test_all_pass() -> None:
    s = summarize_test_events("\n".join([ev("pass", "TestA"), ev("pass")]))
    assert s.ok
    assert s.line() == "1 passed, 0 failed, 0 skipped"


@pytest.mark.parametrize(
    ("text", "pct"),
    [("a.go:3:\tF\t100.0%\ntotal:\t\t\t(statements)\t87.5%\n", 87.5), ("", 0.0), ("total: (statements) 0.0%", 0.0)],
)
def test_coverage_total(text: str, pct: float) -> None:
    assert coverage_total(text) == pct


HUNG = (Path(__file__).parent / "go-test-timeout.json").read_text()


def test_a_hung_test_is_named_with_its_timeout_and_goroutine() -> None:
    """Real `go test -json -timeout 2s` output (Go 1.26) of a package whose TestHangs blocks forever."""
    s = summarize_test_events(HUNG)
    assert not s.ok
    assert [t.name for t in s.timeouts] == ["example.com/hang/slow.TestHangs"]
    assert s.timeouts[0].after == "2s"
    assert s.failed_packages == []  # the package is named by its hung test
    assert s.line() == "2 passed, 1 failed, 0 skipped (1 timed out after 2s)"
    details = s.details()
    assert details.startswith("FAIL example.com/hang/slow.TestHangs: timed out after 2s (go test -timeout)")
    assert "example.com/hang/slow.waitForever" in details
    assert "slow_test.go:14" in details
    assert "startAlarm" not in details  # the timer's own goroutine is not the excerpt


def test_cached_packages_are_counted() -> None:
    s = summarize_test_events(
        "\n".join(
            [
                ev("output", None, "ok  \texample.com/p\t(cached)\tcoverage: 90.4% of statements\n"),
                ev("pass", "TestA"),
                ev("pass"),
            ]
        )
    )
    assert s.ok
    assert s.cached_packages == 1


PROFILE = """mode: set
example.com/p/a/a.go:3.20,5.2 2 1
example.com/p/a/a.go:7.20,9.2 2 0
example.com/p/b/b.go:3.20,5.2 1 1
example.com/p/b/b.go:3.20,5.2 1 0
"""


def test_coverage_by_package_weights_statements_and_counts_blocks_once() -> None:
    assert coverage_by_package(PROFILE) == {"example.com/p/a": 50.0, "example.com/p/b": 100.0}


def test_details_bound_each_message_and_the_number_of_tests_listed() -> None:
    """A test printing a whole exposition, and hundreds of failures, still give a readable error."""
    noisy = [ev("output", "TestBig", f"    big_test.go:9: line {i}\n") for i in range(MESSAGE_LINES + 5)]
    many = [ev("fail", f"TestMany{i:03}") for i in range(LISTED_TESTS + 3)]
    s = summarize_test_events("\n".join([*noisy, ev("fail", "TestBig"), *many, ev("fail")]))
    details = s.details().splitlines()
    assert details[0] == "FAIL example.com/p.TestBig"
    assert details[MESSAGE_LINES] == f"    big_test.go:9: line {MESSAGE_LINES - 1}"
    assert details[MESSAGE_LINES + 1] == "    … 5 more lines (junit.xml has them all)"
    assert details[-1] == "… and 4 more failing tests (junit.xml names every one)"
    assert sum(line.startswith("FAIL ") for line in details) == LISTED_TESTS
    assert s.line() == f"0 passed, {LISTED_TESTS + 4} failed, 0 skipped"

import json

import pytest

from pipeline.reports import (
    at_or_above,
    coverage_total,
    severity_counts,
    summarize_test_events,
    trivy_findings,
    unformatted_files,
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


def test_unformatted_files() -> None:
    assert unformatted_files("main.go\n\nb/x.go\nmain.go\n") == ["b/x.go", "main.go"]


TRIVY = {
    "Results": [
        {
            "Target": "usr/local/bin/hello",
            "Vulnerabilities": [
                {
                    "VulnerabilityID": "CVE-2",
                    "PkgName": "x",
                    "InstalledVersion": "1",
                    "FixedVersion": "2",
                    "Severity": "MEDIUM",
                },
                {
                    "VulnerabilityID": "CVE-1",
                    "PkgName": "golang.org/x/text",
                    "InstalledVersion": "v0.3.7",
                    "FixedVersion": "0.3.8",
                    "Severity": "HIGH",
                    "Title": "t",
                },
            ],
        },
        {"Target": "empty"},
    ],
}


def test_trivy_findings_sorted_by_severity() -> None:
    found = trivy_findings(json.dumps(TRIVY))
    assert [f.id for f in found] == ["CVE-1", "CVE-2"]
    assert found[0].line() == "CVE-1 HIGH golang.org/x/text v0.3.7 -> 0.3.8 (usr/local/bin/hello)"
    assert severity_counts(found) == {"CRITICAL": 0, "HIGH": 1, "MEDIUM": 1, "LOW": 0, "UNKNOWN": 0}


def test_trivy_no_results() -> None:
    assert trivy_findings('{"Results": null}') == []


@pytest.mark.parametrize(
    ("threshold", "gated"),
    [("CRITICAL", ["CRITICAL"]), ("HIGH", ["CRITICAL", "HIGH"]), ("LOW", ["CRITICAL", "HIGH", "MEDIUM", "LOW"])],
)
def test_at_or_above(threshold: str, gated: list[str]) -> None:
    assert at_or_above(threshold) == gated

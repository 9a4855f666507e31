import json

import pytest

from pipeline.security.scan_report import at_or_above, severity_counts, trivy_findings

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

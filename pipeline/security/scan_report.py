"""Trivy's JSON report as findings, counted and gated by severity (pure logic)."""

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, Final, cast

SEVERITIES: Final = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")


@dataclass(frozen=True)
class Finding:
    """One vulnerability Trivy found in one package."""

    id: str
    package: str
    installed: str
    fixed: str
    severity: str
    target: str
    title: str = ""

    def line(self) -> str:
        """One line for an error message or a table."""
        fixed = self.fixed or "no fix"
        return f"{self.id} {self.severity} {self.package} {self.installed} -> {fixed} ({self.target})"


def trivy_findings(report_json: str) -> list[Finding]:
    """Return every vulnerability in a Trivy JSON report, most severe first."""
    report = cast("dict[str, Any]", json.loads(report_json))
    results = cast("list[dict[str, Any]]", report.get("Results") or [])
    found = [
        Finding(
            id=str(v.get("VulnerabilityID", "")),
            package=str(v.get("PkgName", "")),
            installed=str(v.get("InstalledVersion", "")),
            fixed=str(v.get("FixedVersion", "")),
            severity=str(v.get("Severity", "UNKNOWN")),
            target=str(result.get("Target", "")),
            title=str(v.get("Title", "")),
        )
        for result in results
        for v in cast("list[dict[str, Any]]", result.get("Vulnerabilities") or [])
    ]
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    return sorted(found, key=lambda f: (rank.get(f.severity, len(SEVERITIES)), f.id, f.package))


def severity_counts(findings: list[Finding]) -> dict[str, int]:
    """Count findings per severity, every severity present (zero when none)."""
    counts = Counter(f.severity for f in findings)
    return {s: counts.get(s, 0) for s in SEVERITIES}


def at_or_above(threshold: str) -> list[str]:
    """Severities at or above threshold, e.g. HIGH gives CRITICAL and HIGH."""
    return list(SEVERITIES[: SEVERITIES.index(threshold) + 1])

"""Parse tool output into summaries the pipeline reports (pure logic)."""

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Final, cast

SEVERITIES: Final = ("CRITICAL", "HIGH", "MEDIUM", "LOW", "UNKNOWN")
_COVER_TOTAL: Final = re.compile(r"^total:\s+\(statements\)\s+(?P<pct>\d+(?:\.\d+)?)%\s*$", re.MULTILINE)


@dataclass
class TestSummary:
    """Counts and failing test names from ``go test -json`` events."""

    passed: int = 0
    failed: list[str] = field(default_factory=list[str])
    skipped: int = 0
    failed_packages: list[str] = field(default_factory=list[str])
    build_errors: list[str] = field(default_factory=list[str])
    #: Output lines of each failing test (its t.Error messages), keyed like ``failed``.
    output: dict[str, list[str]] = field(default_factory=dict[str, list[str]])

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not (self.failed or self.failed_packages or self.build_errors)

    def line(self) -> str:
        """One-line summary, e.g. ``12 passed, 1 failed, 0 skipped``."""
        return f"{self.passed} passed, {len(self.failed)} failed, {self.skipped} skipped"

    def details(self) -> str:
        """Each failing test with its messages, then failing packages and build errors."""
        lines: list[str] = []
        for name in self.failed:
            lines.append(f"FAIL {name}")
            lines.extend(f"    {msg}" for msg in self.output.get(name, []))
        lines.extend(f"FAIL {pkg} (no test failed: build or setup error)" for pkg in self.failed_packages)
        lines.extend(self.build_errors)
        return "\n".join(lines)


def summarize_test_events(jsonl: str) -> TestSummary:  # noqa: C901 (one flat dispatch on the event's Action)
    """Summarize ``go test -json`` output (one JSON event a line; non-JSON lines are build output)."""
    s = TestSummary()
    for raw in jsonl.splitlines():
        line = raw.strip()
        if not line:
            continue
        try:
            ev = cast("dict[str, Any]", json.loads(line))
        except json.JSONDecodeError:
            s.build_errors.append(line)
            continue
        action, pkg, test = ev.get("Action"), str(ev.get("Package", "")), ev.get("Test")
        if action == "output" and test is not None:
            text = str(ev.get("Output", "")).rstrip()
            if text.strip() and not text.lstrip().startswith(("=== ", "--- ")):
                s.output.setdefault(f"{pkg}.{test}", []).append(text.strip())
        elif action == "build-output":
            s.build_errors.append(str(ev.get("Output", "")).rstrip())
        elif test is None:
            if action == "fail" and pkg:
                s.failed_packages.append(pkg)
        elif action == "pass":
            s.passed += 1
        elif action == "fail":
            s.failed.append(f"{pkg}.{test}")
        elif action == "skip":
            s.skipped += 1
    # A package that failed only because a test failed is already named by its tests.
    failing = {name.rsplit(".", 1)[0] for name in s.failed}
    s.failed_packages = [p for p in s.failed_packages if p not in failing]
    s.output = {name: lines for name, lines in s.output.items() if name in s.failed}
    return s


def coverage_total(cover_func_output: str) -> float:
    """Return the total statement coverage from ``go tool cover -func`` output (0.0 when absent)."""
    m = _COVER_TOTAL.search(cover_func_output)
    return float(m.group("pct")) if m else 0.0


def unformatted_files(gofmt_list: str) -> list[str]:
    """Return the files ``gofmt -l`` printed."""
    return sorted({line.strip() for line in gofmt_list.splitlines() if line.strip()})


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

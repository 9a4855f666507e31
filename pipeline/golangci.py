"""golangci-lint's command line, its default configuration and its JSON report as findings (pure logic)."""

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any, Final, cast

#: The files golangci-lint reads from the working directory, in its own order of preference.
CONFIG_NAMES: Final = (".golangci.yml", ".golangci.yaml", ".golangci.toml", ".golangci.json")
#: Used when the repository has no configuration: golangci-lint's standard set (errcheck, govet, ineffassign,
#: staticcheck, unused) plus linters that find bugs rather than style, and the usual exclusions (unchecked
#: Close/Flush/print errors, comment style).
DEFAULT_CONFIG: Final = """\
version: "2"
linters:
  default: standard
  enable:
    - bodyclose
    - errorlint
    - misspell
    - nilerr
    - unconvert
  exclusions:
    generated: lax
    presets:
      - comments
      - common-false-positives
      - std-error-handling
"""
#: Exit codes of golangci-lint: 0 clean, 1 findings (--issues-exit-code); anything else means it could not lint.
ISSUES_EXIT_CODE: Final = 1
TIMEOUT_EXIT_CODE: Final = 4
EXIT_CODES: Final = {
    3: "failure",
    TIMEOUT_EXIT_CODE: "timeout",
    5: "no Go files",
    6: "no configuration file",
    7: "an error was logged",
}


def lint_argv(packages: list[str], tags: tuple[str, ...], json_path: str, sarif_path: str) -> list[str]:
    """Return `golangci-lint run` writing text to stdout and JSON and SARIF to the given paths."""
    argv = [
        "golangci-lint",
        "run",
        f"--issues-exit-code={ISSUES_EXIT_CODE}",
        "--output.text.path=stdout",
        "--output.text.colors=false",
        f"--output.json.path={json_path}",
        f"--output.sarif.path={sarif_path}",
        "--show-stats=false",
    ]
    if tags:
        argv.append(f"--build-tags={','.join(tags)}")
    return [*argv, *packages]


@dataclass(frozen=True)
class LintFinding:
    """One issue golangci-lint reported."""

    file: str
    line: int
    column: int
    linter: str
    text: str

    def __str__(self) -> str:
        """``file:line:col: text (linter)``, as compilers and editors print positions."""
        col = f":{self.column}" if self.column else ""
        return f"{self.file}:{self.line}{col}: {self.text} ({self.linter})"


def lint_findings(report_json: str) -> list[LintFinding]:
    """Return the issues of golangci-lint's JSON report, ordered by file and line."""
    text = report_json.strip()
    if not text:
        return []
    report = cast("dict[str, Any]", json.loads(text.splitlines()[0]))
    found: list[LintFinding] = []
    for issue in cast("list[dict[str, Any]]", report.get("Issues") or []):
        pos = cast("dict[str, Any]", issue.get("Pos") or {})
        found.append(
            LintFinding(
                file=str(pos.get("Filename", "")),
                line=int(pos.get("Line", 0)),
                column=int(pos.get("Column", 0)),
                linter=str(issue.get("FromLinter", "")),
                text=str(issue.get("Text", "")).strip(),
            )
        )
    return sorted(found, key=lambda f: (f.file, f.line, f.column, f.linter))


def lint_summary(findings: list[LintFinding], config: str) -> str:
    """One line: the count per linter and the configuration used."""
    if not findings:
        return f"no findings (config: {config})"
    counts = Counter(f.linter for f in findings)
    per = ", ".join(f"{linter} {n}" for linter, n in sorted(counts.items()))
    return f"{len(findings)} finding(s): {per} (config: {config})"

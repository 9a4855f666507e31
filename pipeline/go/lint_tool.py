"""golangci-lint's version and image, command line, default configuration and JSON report (pure logic)."""

import json
import re
from collections import Counter
from dataclasses import dataclass
from typing import Any, Final, cast

from pipeline import pins
from pipeline.core.errors import UsageError

from .builder_modfiles import GoMod

_SEMVER: Final = re.compile(r"^v?(?P<v>\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?)$")

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


@dataclass(frozen=True)
class LintTool:
    """Which golangci-lint runs: its version, the image its binary comes from, and where that choice came from."""

    version: str
    image: str
    origin: str

    def __str__(self) -> str:
        """``golangci-lint 2.15.0 (go.mod tool directive)``: what the report names."""
        return f"golangci-lint {self.version} ({self.origin})"


def check_lint_version(version: str) -> str:
    """Return a golangci-lint version without its v (2.15.0), or raise UsageError naming the input."""
    m = _SEMVER.fullmatch(version.strip())
    if m is None:
        msg = f"golangci-lint-version: {version!r} is not a release such as 2.15.0 or v2.15.0"
        raise UsageError(msg)
    return m.group("v")


def lint_image(version: str, *, digest: bool = True) -> str:
    """Return golangci-lint's official image for a version: by digest where this release pinned one."""
    image = pins.GOLANGCI_LINT_IMAGE.format(version=version)
    pinned = pins.GOLANGCI_LINT_DIGESTS.get(version) if digest else None
    return f"{image}@{pinned}" if pinned else image


def choose_lint_tool(project: GoMod, version: str, image: str) -> LintTool:
    """Pick golangci-lint: the option's version, else go.mod's `tool` directive, else this release's default.

    An image given in full (``--golangci-lint-image``) is used as it is; its version is what the option says, or
    go.mod's, or the default — the report reads the binary's own `version` output to name it truthfully.
    """
    if version:
        chosen, origin = check_lint_version(version), "--golangci-lint-version"
    elif (pinned := project.tool_version(pins.GOLANGCI_LINT_MODULES)) is not None:
        chosen, origin = check_lint_version(pinned), "go.mod tool directive"
    else:
        chosen, origin = pins.GOLANGCI_LINT_VERSION, "the pipeline's default"
    if image:
        return LintTool(version=chosen, image=image, origin=f"{origin}; image {image}")
    return LintTool(version=chosen, image=lint_image(chosen), origin=origin)


def lint_argv(binary: str, packages: list[str], tags: tuple[str, ...], json_path: str, sarif_path: str) -> list[str]:
    """Return `golangci-lint run` writing text to stdout and JSON and SARIF to the given paths."""
    argv = [
        binary,
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


def lint_summary(findings: list[LintFinding], config: str, version: str = "") -> str:
    """One line: the count per linter, the configuration and the golangci-lint version used."""
    used = f"config: {config}" + (f"; golangci-lint {version}" if version else "")
    if not findings:
        return f"no findings ({used})"
    counts = Counter(f.linter for f in findings)
    per = ", ".join(f"{linter} {n}" for linter, n in sorted(counts.items()))
    return f"{len(findings)} finding(s): {per} ({used})"


_REPORTED_VERSION: Final = re.compile(r"version (?P<v>v?\d+\.\d+\.\d+\S*)")


def reported_version(output: str) -> str:
    """Return the version `golangci-lint version` printed ("golangci-lint has version 2.15.0 built …"), or ""."""
    m = _REPORTED_VERSION.search(output)
    return m.group("v").removeprefix("v") if m else ""

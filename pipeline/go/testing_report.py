"""Summaries of `go test -json` events and `go tool cover -func` output (pure logic).

A test that hangs past `go test -timeout` gets no `fail` event of its own: the test binary panics with
``panic: test timed out after 1m0s`` followed by the tests still running and every goroutine's stack, and
only the package fails. The summary names those tests, says "timed out after …", and keeps the part of the
goroutine dump that runs the test's own code.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any, Final, cast

_COVER_TOTAL: Final = re.compile(r"^total:\s+\(statements\)\s+(?P<pct>\d+(?:\.\d+)?)%\s*$", re.MULTILINE)
_PROFILE_LINE: Final = re.compile(r"^(?P<block>\S+:\d+\.\d+,\d+\.\d+) (?P<stmts>\d+) (?P<count>\d+)$")
_TIMED_OUT: Final = re.compile(r"^panic: test timed out after (?P<after>\S+)$")
_RUNNING: Final = re.compile(r"^\t\t(?P<test>\S+) \(")
#: Lines of the hung test's goroutine kept in the report.
DUMP_LINES: Final = 12
#: The error names at most this many failing tests, with at most MESSAGE_LINES lines each (a test that prints a
#: whole metrics exposition or a large diff would bury the rest); junit.xml and the events keep everything.
LISTED_TESTS: Final = 50
MESSAGE_LINES: Final = 20


@dataclass(frozen=True)
class Timeout:
    """A test still running when go test's -timeout fired."""

    name: str  # package.TestName
    after: str  # e.g. 1m0s
    excerpt: tuple[str, ...]  # the goroutine that runs the test


@dataclass
class TestSummary:
    """Counts and failing test names from ``go test -json`` events."""

    __test__ = False  # a result type, not a pytest test class

    passed: int = 0
    failed: list[str] = field(default_factory=list[str])
    skipped: int = 0
    cached_packages: int = 0
    failed_packages: list[str] = field(default_factory=list[str])
    build_errors: list[str] = field(default_factory=list[str])
    timeouts: list[Timeout] = field(default_factory=list[Timeout])
    #: Output lines of each failing test (its t.Error messages), keyed like ``failed``.
    output: dict[str, list[str]] = field(default_factory=dict[str, list[str]])

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not (self.failed or self.failed_packages or self.build_errors or self.timeouts)

    def line(self) -> str:
        """One-line summary, e.g. ``12 passed, 1 failed, 0 skipped``."""
        text = f"{self.passed} passed, {len(self.failed) + len(self.timeouts)} failed, {self.skipped} skipped"
        if self.timeouts:
            text += f" ({len(self.timeouts)} timed out after {self.timeouts[0].after})"
        return text

    def details(self) -> str:
        """Each failing or hung test with its messages, then failing packages and build errors."""
        lines: list[str] = []
        for t in self.timeouts:
            lines.append(f"FAIL {t.name}: timed out after {t.after} (go test -timeout); its goroutine:")
            lines.extend(f"    {ln}" for ln in t.excerpt)
        for name in self.failed[:LISTED_TESTS]:
            lines.append(f"FAIL {name}")
            messages = self.output.get(name, [])
            lines.extend(f"    {msg}" for msg in messages[:MESSAGE_LINES])
            if len(messages) > MESSAGE_LINES:
                lines.append(f"    … {len(messages) - MESSAGE_LINES} more lines (junit.xml has them all)")
        if len(self.failed) > LISTED_TESTS:
            rest = len(self.failed) - LISTED_TESTS
            lines.append(f"… and {rest} more failing tests (junit.xml names every one)")
        lines.extend(f"FAIL {pkg} (no test failed: build or setup error)" for pkg in self.failed_packages)
        lines.extend(self.build_errors)
        return "\n".join(lines)


def _events(jsonl: str) -> tuple[list[dict[str, Any]], list[str]]:
    events: list[dict[str, Any]] = []
    other: list[str] = []
    for raw in jsonl.splitlines():
        line = raw.strip()
        if not line:
            continue
        try:
            events.append(cast("dict[str, Any]", json.loads(line)))
        except json.JSONDecodeError:
            other.append(line)
    return events, other


def _timeouts(pkg: str, lines: list[str]) -> list[Timeout]:
    """Find the hung tests in one package's output after ``panic: test timed out``."""
    text = [ln.rstrip("\n") for ln in lines]
    start = next((i for i, ln in enumerate(text) if _TIMED_OUT.match(ln)), None)
    if start is None:
        return []
    after = cast("re.Match[str]", _TIMED_OUT.match(text[start])).group("after")
    running = [m.group("test") for ln in text[start + 1 :] if (m := _RUNNING.match(ln))]
    found: list[Timeout] = []
    for test in running or ["(unknown test)"]:
        func = f"{pkg}.{test.split('/', 1)[0]}("
        excerpt: list[str] = []
        block: list[str] = []
        for ln in [*text[start:], ""]:
            if ln.startswith("goroutine ") or not ln:
                if any(func in b for b in block):
                    excerpt = block
                    break
                block = [ln] if ln else []
            else:
                block.append(ln)
        found.append(Timeout(f"{pkg}.{test}", after, tuple(excerpt[:DUMP_LINES])))
    return found


def summarize_test_events(jsonl: str) -> TestSummary:  # noqa: C901 (one flat dispatch on the event's Action)
    """Summarize ``go test -json`` output (one JSON event a line; non-JSON lines are build output)."""
    events, other = _events(jsonl)
    s = TestSummary(build_errors=other)
    package_output: dict[str, list[str]] = {}
    for ev in events:
        action, pkg, test = ev.get("Action"), str(ev.get("Package", "")), ev.get("Test")
        text = str(ev.get("Output", ""))
        if action == "output":
            package_output.setdefault(pkg, []).append(text)
            if test is not None and text.strip() and not text.lstrip().startswith(("=== ", "--- ")):
                s.output.setdefault(f"{pkg}.{test}", []).append(text.strip())
            if test is None and "\t(cached)" in text:
                s.cached_packages += 1
        elif action == "build-output":
            s.build_errors.append(text.rstrip())
        elif test is None:
            if action == "fail" and pkg:
                s.failed_packages.append(pkg)
        elif action == "pass":
            s.passed += 1
        elif action == "fail":
            s.failed.append(f"{pkg}.{test}")
        elif action == "skip":
            s.skipped += 1
    for pkg in list(s.failed_packages):
        s.timeouts.extend(_timeouts(pkg, package_output.get(pkg, [])))
    # A package that failed only because a test failed (or hung) is already named by its tests.
    named = {name.rsplit(".", 1)[0] for name in s.failed} | {t.name.rsplit(".", 1)[0] for t in s.timeouts}
    s.failed_packages = [p for p in s.failed_packages if p not in named]
    s.output = {name: lines for name, lines in s.output.items() if name in s.failed}
    return s


def coverage_total(cover_func_output: str) -> float:
    """Return the total statement coverage from ``go tool cover -func`` output (0.0 when absent)."""
    m = _COVER_TOTAL.search(cover_func_output)
    return float(m.group("pct")) if m else 0.0


def coverage_by_package(profile: str) -> dict[str, float]:
    """Statement coverage per package from a ``-coverprofile`` file (blocks counted once, as go tool cover does)."""
    blocks: dict[str, tuple[int, bool]] = {}
    for line in profile.splitlines()[1:]:
        m = _PROFILE_LINE.match(line.strip())
        if m:
            key = m.group("block")
            stmts, hit = int(m.group("stmts")), int(m.group("count")) > 0
            blocks[key] = (stmts, hit or blocks.get(key, (0, False))[1])
    totals: dict[str, list[int]] = {}
    for key, (stmts, hit) in blocks.items():
        pkg = key.split(":", 1)[0].rsplit("/", 1)[0]
        t = totals.setdefault(pkg, [0, 0])
        t[0] += stmts
        t[1] += stmts if hit else 0
    return {pkg: 100.0 * covered / total if total else 0.0 for pkg, (total, covered) in sorted(totals.items())}

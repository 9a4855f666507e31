"""Benchmark comparison: go test -bench flags, benchstat's CSV, and which changes are regressions (pure logic).

benchstat (golang.org/x/perf) compares two sets of runs per benchmark and unit, and says whether a difference is
significant (Mann-Whitney U test, p below alpha) or likely noise ("~"). A regression here is a significant change
in the worse direction — slower, more bytes or allocations per op, less throughput — by more than a threshold.
"""

import csv
import io
import re
from dataclasses import dataclass
from typing import Final

from pipeline.core.errors import UsageError

#: benchstat cannot call a difference significant with fewer runs per side (p >= 0.1 with 3 against 3).
MIN_COUNT: Final = 4
MAX_COUNT: Final = 1000
#: Names of the two inputs: they are benchstat's column headings.
BASE: Final = "base"
HEAD: Final = "head"
_DELTA: Final = re.compile(r"^([+-]\d+(?:\.\d+)?)%$")
_BENCHTIME: Final = re.compile(r"^(?:\d+x|(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+)$")


@dataclass(frozen=True)
class Change:
    """One benchmark's comparison in one unit, as benchstat reports it."""

    package: str
    benchmark: str
    unit: str
    base: float
    head: float
    #: Percent change from base to head; None when benchstat calls it noise ("~") or cannot compare.
    delta: float | None
    #: benchstat's test note, e.g. "p=0.000 n=10".
    note: str

    @property
    def worse(self) -> float:
        """Percent by which head is worse than base (negative when it is better; 0 when not significant)."""
        if self.delta is None:
            return 0.0
        return -self.delta if higher_is_better(self.unit) else self.delta

    def line(self) -> str:
        """Describe the change in one line, e.g. `example.com/x BenchmarkSum-2 sec/op +42.00% (p=0.000 n=10)`."""
        where = f"{self.package} " if self.package else ""
        delta = "~" if self.delta is None else f"{self.delta:+.2f}%"
        return f"{where}{self.benchmark} {self.unit} {delta} ({self.note})"


def higher_is_better(unit: str) -> bool:
    """Tell whether more is better in a unit: rates (B/s, ops/s) are; costs (sec/op, B/op, allocs/op) are not."""
    return unit.endswith("/s")


def check_threshold(threshold: float) -> float:
    """Return a regression threshold in percent, or raise UsageError: above 0, at most 1000."""
    if not 0.0 < threshold <= 1000.0:  # noqa: PLR2004 (percent)
        msg = f"bench-compare --threshold: {threshold} is not a percentage above 0 (e.g. 10 for 10%)"
        raise UsageError(msg)
    return threshold


def check_count(count: int) -> int:
    """Return a run count per source that can show a significant change, or raise UsageError."""
    if not MIN_COUNT <= count <= MAX_COUNT:
        msg = (
            f"bench-compare --count: {count} runs per source cannot show a significant change; "
            f"give {MIN_COUNT} to {MAX_COUNT} (10 is benchstat's advice)"
        )
        raise UsageError(msg)
    return count


def check_alpha(alpha: float) -> float:
    """Return a significance level between 0 and 1, or raise UsageError."""
    if not 0.0 < alpha < 1.0:
        msg = f"bench-compare --alpha: {alpha} is not a significance level between 0 and 1 (e.g. 0.05)"
        raise UsageError(msg)
    return alpha


def check_compare_inputs(threshold: float, count: int, alpha: float) -> None:
    """Raise UsageError naming a threshold, count or alpha that cannot give a meaningful gate."""
    check_threshold(threshold)
    check_count(count)
    check_alpha(alpha)


def check_benchtime(text: str, what: str) -> str:
    """Return a -benchtime value (a Go duration such as 1s, or a count of iterations such as 100x)."""
    if not _BENCHTIME.fullmatch(text):
        msg = f"{what}: {text!r} is not a duration such as 1s or 500ms, nor an iteration count such as 100x"
        raise UsageError(msg)
    return text


def go_bench_args(pattern: str, benchtime: str, count: int) -> list[str]:
    """Return the `go test` flags that run only benchmarks, count times each, with allocation figures."""
    return ["-run=^$", f"-bench={pattern}", f"-benchtime={benchtime}", f"-count={count}", "-benchmem"]


def benchstat_args(alpha: float, *, csv_format: bool = False) -> list[str]:
    """Return benchstat's argv comparing the files BASE and HEAD (text table, or CSV to parse)."""
    return ["benchstat", f"-alpha={alpha}", *(["-format=csv"] if csv_format else []), BASE, HEAD]


def _number(text: str) -> float | None:
    try:
        return float(text)
    except ValueError:
        return None


def parse_csv(text: str) -> list[Change]:
    """Parse `benchstat -format=csv BASE HEAD` into one Change per benchmark and unit (geomeans left out).

    The output is a series of tables separated by blank lines, each headed by the two file names and then
    `,<unit>,CI,<unit>,CI,vs base,P`; configuration lines (`pkg: example.com/x`) stand between tables.
    """
    changes: list[Change] = []
    package, unit = "", ""
    for row in csv.reader(io.StringIO(text)):
        if len(row) == 1 and ":" in row[0]:
            key, _, value = row[0].partition(":")
            if key.strip() == "pkg":
                package = value.strip()
            continue
        if len(row) < 7:  # noqa: PLR2004 (name, base, CI, head, CI, vs base, P)
            continue
        name, base, _, head, _, delta, note = row[:7]
        if not name and base and base != BASE:
            unit = base  # the unit heading row
            continue
        if not name or name == "geomean":
            continue
        b, h = _number(base), _number(head)
        if b is None or h is None:
            continue  # a benchmark only one side has
        match = _DELTA.match(delta.strip())
        changes.append(
            Change(
                package=package,
                benchmark=name,
                unit=unit,
                base=b,
                head=h,
                delta=float(match.group(1)) if match else None,
                note=note.strip(),
            )
        )
    return changes


def regressions(changes: list[Change], threshold: float) -> list[Change]:
    """Return the significant changes that are worse than threshold percent, worst first."""
    return sorted((c for c in changes if c.worse > threshold), key=lambda c: -c.worse)


def table_lines(table: str, changes: list[Change]) -> list[str]:
    """Return the lines of benchstat's text table that show these changes (same benchmark, delta and note)."""
    out: list[str] = []
    for c in changes:
        delta = f"{c.delta:+.2f}%" if c.delta is not None else "~"
        out += [ln for ln in table.splitlines() if ln.startswith(c.benchmark) and delta in ln and c.note in ln]
    return list(dict.fromkeys(out))

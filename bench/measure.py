"""What the benchmarks share: run counts, the Figure type, timing helpers, the table renderer, dagger's module load."""

import os
import re
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

RUNS = int(os.environ.get("BENCH_RUNS", "3"))
COLD_RUNS = int(os.environ.get("BENCH_COLD_RUNS", "2"))
#: Packages of the generated module (bench/genmodule.py), the real-size figures' source.
GEN_PACKAGES = int(os.environ.get("BENCH_GEN_PACKAGES", "30"))
#: "generated" measures the generated module's figures only (the app/ figures take most of a run).


def note(text: str) -> None:
    """Progress on stderr."""
    print(f"[{time.strftime('%H:%M:%S')}] {text}", file=sys.stderr, flush=True)


@dataclass
class Figure:
    """One measured figure: seconds (or bytes) over runs, and what it is compared with."""

    def __post_init__(self) -> None:
        """Report the figure as soon as it is measured."""
        note(f"{self.name}: {', '.join(f'{v:.2f}' for v in self.values)}")

    name: str
    values: list[float]
    baseline: str = ""
    target: float | None = None
    unit: str = "s"

    @property
    def min(self) -> float:
        """Smallest run."""
        return min(self.values)

    @property
    def median(self) -> float:
        """Median run."""
        return statistics.median(self.values)


def timed_sync(fn: Callable[[], object]) -> float:
    """Seconds one call takes."""
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


async def timed(fn: Callable[[], Awaitable[object]]) -> float:
    """Seconds one awaited call takes."""
    t0 = time.perf_counter()
    await fn()
    return time.perf_counter() - t0


def render(figs: list[Figure]) -> str:
    """Render the table: figure, min, median, ratio to its baseline (median over median), target."""
    by_name = {f.name: f for f in figs}
    rows = [("figure", "runs", "min", "median", "ratio", "target", "")]
    for f in figs:

        def fmt(v: float, unit: str = f.unit) -> str:
            return f"{v / 1e6:.2f} MB" if unit == "B" else f"{v:.2f} s"

        ratio, target, verdict = "", "", ""
        if f.baseline:
            base = by_name[f.baseline]
            ratio = f"{f.median / base.median:.2f}x {f.baseline}"
            if f.target is not None:
                target = f"<= {f.target}x"
                verdict = "met" if f.median / base.median <= f.target else "missed"
        elif f.target is not None:
            target = f"<= {fmt(f.target)}"
            verdict = "met" if f.median <= f.target else "missed"
        rows.append((f.name, str(len(f.values)), fmt(f.min), fmt(f.median), ratio, target, verdict))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows)


#: The line dagger's plain progress ends the module's load with: `load module: pipeline DONE [14.8s]` (or [1m2.5s])
#: on a new engine; an engine that has loaded it prints only `load workspace: . DONE [0.8s]`.
LOADED = re.compile(r"load (?:module: [^\s/]+|workspace: \S+) DONE \[(?:(\d+)m)?(\d+(?:\.\d+)?)s\]")
#: The colours dagger's plain progress still writes.
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def module_load(plain: str) -> float:
    """Return the seconds the module's load took, from one invocation's plain progress output."""
    m = LOADED.search(ANSI.sub("", plain))
    if m is None:
        msg = "dagger's plain progress has no 'load module: … DONE [..s]' line"
        raise RuntimeError(msg)
    return int(m.group(1) or 0) * 60 + float(m.group(2))

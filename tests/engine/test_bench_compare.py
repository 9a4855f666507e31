"""bench-compare on tests/fixtures/bench-slowdown: head/ is base/ with Checksum going over its data eight times.

Thresholds are far from both the slowdown (about +700%) and this shared machine's noise, so the verdicts hold
whatever else runs; the timings themselves are never asserted.
"""

import re
from collections.abc import Callable

import pytest

from pipeline import Pipeline
from pipeline.core.errors import PipelineError
from tests.conftest import FIXTURES
from tests.engine.conftest import source

SLOWDOWN = FIXTURES / "bench-slowdown"
COUNT, BENCHTIME = 6, "100ms"
THRESHOLD = 100.0


async def test_a_deliberate_slowdown_fails_with_benchstats_line(fixture: Callable[..., Pipeline]) -> None:
    head = fixture("bench-slowdown/head")
    with pytest.raises(PipelineError) as exc:
        await head.bench_compare(base=source(SLOWDOWN / "base"), threshold=THRESHOLD, count=COUNT, benchtime=BENCHTIME)
    err = exc.value
    assert err.step == "bench-compare"
    assert re.match(
        r"\d benchmark figure\(s\) worse than base by more than 100% \(significant at alpha 0.05\)", err.cause
    )
    assert re.search(r"example.com/benchslow Checksum-\d+ sec/op \+\d+\.\d+% \(p=0\.\d+ n=6\)", err.cause), err.cause
    # benchstat's own line for the slowdown opens the details (worst first), its whole table follows.
    first = err.details.splitlines()[0]
    assert re.fullmatch(r"Checksum-\d+\s+\S+ ±\s+\S+\s+\S+ ±\s+\S+\s+\+\d+\.\d+% \(p=0\.\d+ n=6\)", first), first
    table = err.details.split("benchstat base head:\n", 1)[1]
    assert re.search(r"│\s+sec/op\s+│\s+sec/op\s+vs base\s+│", table), table
    assert "Join-" in table  # every benchmark is in the table


async def test_same_code_passes_and_returns_the_table(fixture: Callable[..., Pipeline]) -> None:
    base = fixture("bench-slowdown/base")
    table = await base.bench_compare(
        base=source(SLOWDOWN / "base"), threshold=THRESHOLD, count=COUNT, benchtime=BENCHTIME
    )
    assert "Checksum-" in table
    assert "Join-" in table
    assert table.splitlines()[-1].startswith("no benchmark worse than base by more than 100%")


async def test_the_base_must_be_a_go_module(fixture: Callable[..., Pipeline]) -> None:
    with pytest.raises(PipelineError, match=r"^bench-compare: --base: no go.mod or go.work"):
        await fixture("bench-slowdown/head").bench_compare(base=source(SLOWDOWN), count=COUNT, benchtime=BENCHTIME)


async def test_too_few_runs_are_refused_before_anything_runs(fixture: Callable[..., Pipeline]) -> None:
    with pytest.raises(ValueError, match="--count: 3 runs per source"):
        await fixture("bench-slowdown/head").bench_compare(base=source(SLOWDOWN / "base"), count=3)

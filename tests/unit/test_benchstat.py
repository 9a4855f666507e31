"""benchstat's CSV, the regression gate and the inputs it needs (no engine)."""

import pytest

from pipeline.perf.bench_compare_report import (
    Change,
    benchstat_args,
    check_benchtime,
    check_compare_inputs,
    go_bench_args,
    higher_is_better,
    parse_csv,
    regressions,
    table_lines,
)

# Real `benchstat -format=csv base head` output (golang.org/x/perf at the pinned version) for
# tests/fixtures/bench-slowdown, with a second package's table added the way benchstat prints one.
CSV = """goos: linux
goarch: amd64
pkg: example.com/benchslow
cpu: AMD EPYC
,base,,head,,,
,sec/op,CI,sec/op,CI,vs base,P
Checksum-2,2.8092e-05,76%,0.00023094750000000002,56%,+722.11%,p=0.002 n=6
Join-2,4.818000000000001e-07,57%,1.4989999999999999e-07,38%,-68.89%,p=0.002 n=6
geomean,3.6789571348413413e-06,,5.883793865355931e-06,,+59.93%,

,base,,head,,,
,B/s,CI,B/s,CI,vs base,P
Checksum-2,1.47655e+08,86%,1.8965e+07,114%,-87.16%,p=0.002 n=6
geomean,1.4765500000000015e+08,,1.8964999999999996e+07,,-87.16%,

,base,,head,,,
,allocs/op,CI,allocs/op,CI,vs base,P
Checksum-2,0,0%,0,0%,~,p=1.000 n=6
Join-2,1,0%,1,0%,~,p=1.000 n=6
geomean,,,,,+0.00%,
pkg: example.com/other
,base,,head,,,
,sec/op,CI,sec/op,CI,vs base,P
Parse-2,1.0e-06,3%,1.05e-06,2%,+5.00%,p=0.041 n=6
Only-2,,,2.0e-06,1%,,
"""

TABLE = """goos: linux
goarch: amd64
pkg: example.com/benchslow
cpu: AMD EPYC
           │    base     │                head                  │
           │   sec/op    │    sec/op      vs base               │
Checksum-2   28.09µ ± 76%   230.95µ ± 56%  +722.11% (p=0.002 n=6)
Join-2       481.8n ± 57%    149.9n ± 38%   -68.89% (p=0.002 n=6)
geomean      3.679µ          5.884µ         +59.93%
"""


def test_parse_csv_reads_every_benchmark_and_unit_but_geomeans() -> None:
    got = [(c.package, c.benchmark, c.unit, c.delta, c.note) for c in parse_csv(CSV)]
    assert got == [
        ("example.com/benchslow", "Checksum-2", "sec/op", 722.11, "p=0.002 n=6"),
        ("example.com/benchslow", "Join-2", "sec/op", -68.89, "p=0.002 n=6"),
        ("example.com/benchslow", "Checksum-2", "B/s", -87.16, "p=0.002 n=6"),
        ("example.com/benchslow", "Checksum-2", "allocs/op", None, "p=1.000 n=6"),
        ("example.com/benchslow", "Join-2", "allocs/op", None, "p=1.000 n=6"),
        ("example.com/other", "Parse-2", "sec/op", 5.0, "p=0.041 n=6"),
    ]
    assert parse_csv(CSV)[0].base == pytest.approx(2.8092e-05)


@pytest.mark.parametrize(
    ("unit", "better"),
    [("sec/op", False), ("B/op", False), ("allocs/op", False), ("B/s", True), ("ops/s", True), ("hits/op", False)],
)
def test_higher_is_better_only_for_rates(unit: str, better: bool) -> None:
    assert higher_is_better(unit) is better


@pytest.mark.parametrize(
    ("threshold", "want"),
    [
        (10.0, [("Checksum-2", "B/s"), ("Checksum-2", "sec/op")]),  # +722% slower, -87% throughput
        (100.0, [("Checksum-2", "sec/op")]),
        (1000.0, []),
        (4.0, [("Checksum-2", "B/s"), ("Checksum-2", "sec/op"), ("Parse-2", "sec/op")]),  # +5%, p=0.041
    ],
)
def test_regressions_are_significant_and_worse_than_the_threshold(
    threshold: float, want: list[tuple[str, str]]
) -> None:
    got = regressions(parse_csv(CSV), threshold)
    assert sorted((c.benchmark, c.unit) for c in got) == sorted(want)
    assert [c.worse for c in got] == sorted((c.worse for c in got), reverse=True)  # worst first


def test_an_improvement_and_noise_are_never_regressions() -> None:
    changes = {(c.benchmark, c.unit): c for c in parse_csv(CSV)}
    assert changes["Join-2", "sec/op"].worse == pytest.approx(-68.89)  # faster
    assert changes["Checksum-2", "allocs/op"].worse == 0.0  # "~"
    assert changes["Checksum-2", "B/s"].worse == pytest.approx(87.16)  # less throughput is worse


def test_change_line_names_package_benchmark_unit_delta_and_test() -> None:
    c = Change("example.com/x", "Sum-2", "sec/op", 1.0, 2.0, 100.0, "p=0.000 n=10")
    assert c.line() == "example.com/x Sum-2 sec/op +100.00% (p=0.000 n=10)"
    assert Change("", "Sum-2", "B/op", 1.0, 1.0, None, "p=1.000 n=10").line() == "Sum-2 B/op ~ (p=1.000 n=10)"


def test_table_lines_are_benchstats_own_lines_for_the_regressions() -> None:
    worse = regressions(parse_csv(CSV), 10.0)
    assert table_lines(TABLE, worse) == ["Checksum-2   28.09µ ± 76%   230.95µ ± 56%  +722.11% (p=0.002 n=6)"]


@pytest.mark.parametrize(
    ("threshold", "count", "alpha", "error"),
    [
        (10.0, 10, 0.05, None),
        (0.5, 4, 0.01, None),
        (0.0, 10, 0.05, "--threshold: 0.0 is not a percentage above 0"),
        (-5.0, 10, 0.05, "--threshold"),
        (10.0, 3, 0.05, "--count: 3 runs per source cannot show a significant change"),
        (10.0, 10, 0.0, "--alpha: 0.0 is not a significance level"),
        (10.0, 10, 1.5, "--alpha"),
    ],
)
def test_compare_inputs_are_checked_before_anything_runs(
    threshold: float, count: int, alpha: float, error: str | None
) -> None:
    if error is None:
        check_compare_inputs(threshold, count, alpha)
    else:
        with pytest.raises(ValueError, match=error.replace("(", r"\(")):
            check_compare_inputs(threshold, count, alpha)


@pytest.mark.parametrize("value", ["1s", "500ms", "1m30s", "100x", "1.5s"])
def test_benchtime_takes_durations_and_counts(value: str) -> None:
    assert check_benchtime(value, "x") == value


@pytest.mark.parametrize("value", ["", "1", "x100", "1 s", "fast", "10y"])
def test_benchtime_refuses_anything_else(value: str) -> None:
    with pytest.raises(ValueError, match="bench --benchtime"):
        check_benchtime(value, "bench --benchtime")


def test_argv() -> None:
    assert go_bench_args("Sum", "100ms", 10) == ["-run=^$", "-bench=Sum", "-benchtime=100ms", "-count=10", "-benchmem"]
    assert benchstat_args(0.05) == ["benchstat", "-alpha=0.05", "base", "head"]
    assert benchstat_args(0.01, csv_format=True) == ["benchstat", "-alpha=0.01", "-format=csv", "base", "head"]

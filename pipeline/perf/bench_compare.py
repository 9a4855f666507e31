"""bench-compare: the benchmarks on two sources, one after the other, compared by benchstat with a gate."""

import time
from dataclasses import dataclass
from typing import Final

import dagger

from pipeline import pins
from pipeline.core.errors import PipelineError
from pipeline.core.execs import run
from pipeline.go.builder import GoEnv

from .bench_compare_report import BASE, HEAD, benchstat_args, go_bench_args, parse_csv, regressions, table_lines

STEP: Final = "bench-compare"
WORKDIR: Final = "/benchstat"
#: Lines of go test's output shown when a benchmark run fails.
TAIL_LINES: Final = 30


@dataclass(frozen=True, kw_only=True)
class CompareOptions:
    """What runs, how often, and when a difference fails the comparison."""

    packages: tuple[str, ...] = ("./...",)
    pattern: str = "."
    benchtime: str = "1s"
    count: int = 10
    threshold: float = 10.0
    alpha: float = 0.05


async def bench_output(env: GoEnv, deps: dagger.Container, which: str, opts: CompareOptions) -> str:
    """Run the benchmarks in deps (never from a cache) and return go test's output; fail naming the source."""
    ran = deps.with_env_variable("PIPELINE_BENCH_RUN", str(time.time_ns()))
    argv = ["go", "test", *go_bench_args(opts.pattern, opts.benchtime, opts.count), *opts.packages]
    res = await run(ran, argv, STEP, env.step_timeout)
    if res.code != 0:
        tail = "\n".join((res.stdout + res.stderr).strip().splitlines()[-TAIL_LINES:])
        raise PipelineError(STEP, f"the benchmarks failed on the {which} source (exit {res.code})", tail)
    if not any(ln.startswith("Benchmark") for ln in res.stdout.splitlines()):
        raise PipelineError(STEP, f"no benchmark matched -bench={opts.pattern} in {' '.join(opts.packages)} ({which})")
    return res.stdout


async def compare(env: GoEnv, base: dagger.Container, head: dagger.Container, opts: CompareOptions) -> str:
    """Benchmark base, then head (never at once: they would share the cores), and gate on benchstat's verdict."""
    base_out = await bench_output(env, base, BASE, opts)
    head_out = await bench_output(env, head, HEAD, opts)
    tool = (
        env.exec(env.container(), ["go", "install", pins.BENCHSTAT])
        .with_workdir(WORKDIR)
        .with_new_file(BASE, base_out)
        .with_new_file(HEAD, head_out)
    )
    table = await env.exec(tool, benchstat_args(opts.alpha)).stdout()
    changes = parse_csv(await env.exec(tool, benchstat_args(opts.alpha, csv_format=True)).stdout())
    worse = regressions(changes, opts.threshold)
    if worse:
        shown = table_lines(table, worse) or [c.line() for c in worse]
        raise PipelineError(
            STEP,
            f"{len(worse)} benchmark figure(s) worse than base by more than {opts.threshold:g}% "
            f"(significant at alpha {opts.alpha:g}): " + "; ".join(c.line() for c in worse),
            "\n".join(shown) + "\n\nbenchstat " + BASE + " " + HEAD + ":\n" + table,
        )
    verdict = (
        f"no benchmark worse than base by more than {opts.threshold:g}% "
        f"(significant at alpha {opts.alpha:g}; {len(changes)} figures compared)"
    )
    return f"{table.rstrip()}\n\n{verdict}"

"""`ci`: every check at once, then the release steps only when all passed; one table, never a traceback."""

import time
from collections.abc import Awaitable, Callable, Mapping, Sequence

import anyio

from pipeline.core.errors import PipelineError, leaves

from .steps_table import StepResult, table

Step = Callable[[], Awaitable[object]]


def failure_text(error: BaseException) -> str:
    """One readable paragraph for a failed step: every error inside a group, without tracebacks."""
    return "\n".join(str(e) or type(e).__name__ for e in leaves(error))


async def timed(name: str, step: Step) -> StepResult:
    """Run one step, turning any failure (groups of them included) into a failed result."""
    t0 = time.monotonic()
    try:
        await step()
    except Exception as e:  # noqa: BLE001 (every failure of a step is reported in the table, whatever its type)
        return StepResult(name, ok=False, seconds=time.monotonic() - t0, detail=failure_text(e))
    return StepResult(name, ok=True, seconds=time.monotonic() - t0)


async def concurrently(steps: Mapping[str, Step]) -> list[StepResult]:
    """Run steps at once; return their results in the order given."""
    results: dict[str, StepResult] = {}

    async def one(name: str, step: Step) -> None:
        results[name] = await timed(name, step)

    async with anyio.create_task_group() as tg:
        for name, step in steps.items():
            tg.start_soon(one, name, step)
    return [results[name] for name in steps]


async def run_ci(checks: Mapping[str, Step], release: Sequence[tuple[str, Step]] = ()) -> str:
    """Run checks concurrently, then each release step in order while all passed; raise when any failed."""
    results = await concurrently(checks)
    for name, step in release:
        if not all(r.ok for r in results):
            break
        results.append(await timed(name, step))
    text = table(results)
    failed = [r for r in results if not r.ok]
    if failed:
        details = "\n\n".join(f"[{r.name}] {r.detail}" for r in failed)
        names = ", ".join(r.name for r in failed)
        raise PipelineError("ci", f"{len(failed)} of {len(results)} steps failed: {names}", f"{text}\n\n{details}")
    return text

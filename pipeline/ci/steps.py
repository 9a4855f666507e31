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


class Skipped(Exception):  # noqa: N818 (a step's outcome, not an error)
    """Raised by a step that does not apply to this source (e.g. build for a library): reported, not failed."""


async def timed(name: str, step: Step) -> StepResult:
    """Run one step, turning any failure (groups of them included) into a failed result."""
    t0 = time.monotonic()
    try:
        await step()
    except Skipped as e:
        return StepResult(name, ok=False, seconds=time.monotonic() - t0, detail=str(e), skipped=True)
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


#: The release steps, in order, or a coroutine function that finds them while the checks run.
Release = Sequence[tuple[str, Step]] | Callable[[], Awaitable[Sequence[tuple[str, Step]]]]


async def run_steps(checks: Mapping[str, Step], release: Release = ()) -> list[StepResult]:
    """Run checks concurrently, then each release step in order while all passed; every result, failed ones too.

    A release given as a coroutine function runs beside the checks (what it reads need not delay them); an error
    it raises is raised once the checks are done, never cancelling them.
    """
    found: list[Sequence[tuple[str, Step]]] = []
    errors: list[Exception] = []
    results: list[StepResult] = []

    async def find() -> None:
        if not callable(release):
            found.append(release)
            return
        try:
            found.append(await release())
        except Exception as e:  # noqa: BLE001 (raised below, after the checks, as it would have been before them)
            errors.append(e)

    async with anyio.create_task_group() as tg:
        tg.start_soon(find)
        results += await concurrently(checks)
    if errors:
        raise errors[0]
    for name, step in found[0]:
        if not all(r.ok or r.skipped for r in results):
            break
        results.append(await timed(name, step))
    return results


def verdict(results: list[StepResult]) -> PipelineError | None:
    """Return the error naming every failed step with the table and each failure's details, or None."""
    failed = [r for r in results if not r.ok and not r.skipped]
    if not failed:
        return None
    details = "\n\n".join(f"[{r.name}] {r.detail}" for r in failed)
    names = ", ".join(r.name for r in failed)
    cause = f"{len(failed)} of {len(results)} steps failed: {names}"
    return PipelineError("ci", cause, f"{table(results)}\n\n{details}")


async def run_ci(checks: Mapping[str, Step], release: Release = ()) -> str:
    """Run the steps (run_steps) and return the table; raise the verdict when any failed."""
    results = await run_steps(checks, release)
    error = verdict(results)
    if error is not None:
        raise error
    return table(results)

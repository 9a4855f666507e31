"""Run steps concurrently without letting an exception group escape to the user."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

import anyio

from .errors import PipelineError, UsageError, leaves

T = TypeVar("T")


async def gather(*thunks: Callable[[], Awaitable[T]]) -> list[T]:
    """Await every thunk concurrently; return results in order, or raise their failure as one plain error.

    anyio wraps failures of a task group in an ExceptionGroup, which Dagger prints as "unhandled errors in a
    TaskGroup". Here one failure is re-raised as it is, and several become one PipelineError listing each (a
    UsageError when all were).
    """
    results: dict[int, T] = {}
    errors: list[BaseException] = []

    async def one(i: int, thunk: Callable[[], Awaitable[T]]) -> None:
        try:
            results[i] = await thunk()
        except Exception as e:  # noqa: BLE001 (collected and re-raised below, once every sibling is done)
            errors.extend(leaves(e))

    async with anyio.create_task_group() as tg:
        for i, thunk in enumerate(thunks):
            tg.start_soon(one, i, thunk)
    errors = list({str(e): e for e in errors}.values())  # the same failure on every platform is said once
    if len(errors) == 1:
        raise errors[0]
    if errors:
        first = errors[0]
        step = first.step if isinstance(first, PipelineError) else "pipeline"
        details = "\n\n".join(str(e) for e in errors)
        if all(isinstance(e, UsageError) for e in errors):  # still a usage error: exit 2
            raise UsageError(f"{step}: {len(errors)} inputs are wrong", details)
        raise PipelineError(step, f"{len(errors)} failures", details)
    return [results[i] for i in range(len(thunks))]

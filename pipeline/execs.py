"""Run a tool whose failing exit carries a report: any exit code is an answer, a failed setup is an error."""

from dataclasses import dataclass

import dagger

from .errors import PipelineError


@dataclass(frozen=True)
class Result:
    """Exit code and output of one exec."""

    code: int
    stdout: str
    stderr: str


async def exit_code(ran: dagger.Container, step: str) -> int:
    """Return the last exec's exit code; an earlier exec that failed (download, tool install) is the step's error."""
    try:
        return await ran.exit_code()
    except dagger.ExecError as e:
        raise PipelineError(step, f"`{' '.join(e.command)}` failed (exit {e.exit_code})", e.stderr or e.stdout) from e


async def run(ctr: dagger.Container, argv: list[str], step: str) -> Result:
    """Run argv accepting any exit code and return what it said."""
    ran = ctr.with_exec(argv, expect=dagger.ReturnType.ANY)
    code = await exit_code(ran, step)
    return Result(code, await ran.stdout(), await ran.stderr())

"""Run tools with a bound: any exit code is an answer, a failed setup is an error, a hang is "timed out".

Every exec the pipeline starts runs under `timeout` (coreutils in the official images, busybox elsewhere), so
nothing waits forever; the messages show the command the user would recognise, without that wrapper.
"""

import re
from dataclasses import dataclass
from typing import Final

import dagger

from .errors import PipelineError

#: Grace period between the polite and the final signal.
KILL_AFTER: Final = 10
#: Exit codes of `timeout` when the bound fired: coreutils 124, busybox 143 (TERM), both 137 (KILL).
TIMED_OUT: Final = frozenset({124, 137, 143})
_WRAPPER: Final = 4  # ["timeout", "-k", "10", "<seconds>"]


@dataclass(frozen=True)
class Result:
    """Exit code and output of one exec, and the container after it (its files are the exec's outputs)."""

    code: int
    stdout: str
    stderr: str
    container: dagger.Container


def bounded(argv: list[str], seconds: int) -> list[str]:
    """Return argv wrapped so that it is stopped after seconds (then killed KILL_AFTER seconds later)."""
    return ["timeout", "-k", str(KILL_AFTER), str(seconds), *argv]


def command(argv: list[str]) -> str:
    """Render an exec's argv for a message, without the `timeout` wrapper."""
    if argv[:2] == ["timeout", "-k"] and len(argv) > _WRAPPER:
        argv = argv[_WRAPPER:]
    return " ".join(argv)


def timed_out(argv: list[str], code: int) -> str | None:
    """Return "timed out after Ns" when a bounded exec's exit code says its bound fired."""
    if argv[:2] == ["timeout", "-k"] and len(argv) > _WRAPPER and code in TIMED_OUT:
        return f"timed out after {argv[3]}s"
    return None


#: Go refusing a go.mod newer than itself (the official images set GOTOOLCHAIN=local, so Go does not fetch one).
_GO_TOO_OLD: Final = re.compile(
    r"go: (?P<file>go\.(?:mod|work)) requires go >= (?P<wanted>\S+) \(running go (?P<running>[^;)\s]+)"
)


def exec_failure(argv: list[str], code: int, output: str) -> str:
    """Describe a failed exec: the command, how it ended, and what to do when Go's answer says it."""
    why = timed_out(argv, code) or f"failed (exit {code})"
    cause = f"`{command(argv)}` {why}"
    if m := _GO_TOO_OLD.search(output):
        cause += (
            f": {m['file']} needs Go {m['wanted']} and the builder image has {m['running']}; pass --go-image with Go"
            f" {m['wanted']} or newer, or leave --go-image unset (golang:<{m['file']}'s version>-bookworm)"
        )
    return cause


async def exit_code(ran: dagger.Container, step: str) -> int:
    """Return the last exec's exit code; an earlier exec that failed (download, tool install) is the step's error."""
    try:
        return await ran.exit_code()
    except dagger.ExecError as e:
        raise PipelineError(
            step, exec_failure(e.command, e.exit_code, e.stderr or e.stdout), e.stderr or e.stdout
        ) from e


async def run(ctr: dagger.Container, argv: list[str], step: str, seconds: int) -> Result:
    """Run argv (bounded) accepting any exit code and return what it said; a timeout is the step's error."""
    wrapped = bounded(argv, seconds)
    ran = ctr.with_exec(wrapped, expect=dagger.ReturnType.ANY)
    code = await exit_code(ran, step)
    stdout, stderr = await ran.stdout(), await ran.stderr()
    if why := timed_out(wrapped, code):
        raise PipelineError(step, f"`{command(argv)}` {why}", stderr or stdout)
    return Result(code, stdout, stderr, ran)

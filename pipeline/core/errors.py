"""The pipeline's errors by type, each with its exit code: usage (2), a failed step (1), an engine fault (1).

Every error names the step, a one-line cause and optional details; ``str()`` is ``"<step>: <cause>"`` followed by
the details. The module raises them and the CLI maps them to exit codes by type (``exit_code``), never by name.
"""

from collections.abc import Iterator
from typing import ClassVar


class PipelineError(Exception):
    """A pipeline step ran and failed (or a tool's output could not be read): exit code 1."""

    exit_code: ClassVar[int] = 1

    def __init__(self, step: str, cause: str, details: str = "") -> None:
        """Record the failing step, a one-line cause and optional details (files, tests, CVEs)."""
        self.step = step
        self.cause = cause
        self.details = details.strip()
        super().__init__(f"{step}: {cause}" + (f"\n{self.details}" if self.details else ""))


class UsageError(PipelineError, ValueError):
    """An input is wrong (a flag, a file the user gave): caught before anything is built; exit code 2.

    Built from one message ``"<step or input>: <cause>"``, as inputs are named where they are checked.
    """

    exit_code: ClassVar[int] = 2

    def __init__(self, message: str, details: str = "") -> None:
        """Split message at its first ": " into the input it names and the cause."""
        step, sep, cause = message.partition(": ")
        super().__init__(step if sep else "input", cause if sep else message, details)


class EngineError(PipelineError):
    """The Dagger engine could not be reached or went away: exit code 1, the message's first word is "engine"."""

    def __init__(self, cause: str) -> None:
        """Record why the engine is out of reach."""
        super().__init__("engine", cause)


def leaves(error: BaseException) -> Iterator[BaseException]:
    """Yield the errors inside (nested) exception groups, or the error itself."""
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:  # pyright: ignore[reportUnknownVariableType, reportUnknownMemberType]
            yield from leaves(inner)  # pyright: ignore[reportUnknownArgumentType]
    else:
        yield error


def exit_code(error: BaseException) -> int:
    """Return the exit code of a failure: 2 when every error in it is a usage error, else 1."""
    found = list(leaves(error))
    return UsageError.exit_code if found and all(isinstance(e, UsageError) for e in found) else PipelineError.exit_code

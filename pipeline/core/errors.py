"""The pipeline's error type: one message naming the step and the cause (pure logic)."""

from collections.abc import Iterator


class PipelineError(Exception):
    """A pipeline step failed; ``str()`` is ``"<step>: <cause>"`` followed by details."""

    def __init__(self, step: str, cause: str, details: str = "") -> None:
        """Record the failing step, a one-line cause and optional details (files, tests, CVEs)."""
        self.step = step
        self.cause = cause
        self.details = details.strip()
        super().__init__(f"{step}: {cause}" + (f"\n{self.details}" if self.details else ""))


def leaves(error: BaseException) -> Iterator[BaseException]:
    """Yield the errors inside (nested) exception groups, or the error itself."""
    if isinstance(error, BaseExceptionGroup):
        for inner in error.exceptions:  # pyright: ignore[reportUnknownVariableType, reportUnknownMemberType]
            yield from leaves(inner)  # pyright: ignore[reportUnknownArgumentType]
    else:
        yield error

"""The `ci` summary table (pure logic)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class StepResult:
    """Outcome of one ci step."""

    name: str
    ok: bool
    seconds: float
    detail: str = ""
    #: The step does not apply to this source (a library has nothing to build or scan): neither ok nor failed.
    skipped: bool = False

    @property
    def status(self) -> str:
        """ok, FAIL or skipped."""
        return "skipped" if self.skipped else "ok" if self.ok else "FAIL"


def table(results: list[StepResult]) -> str:
    """Render results as an aligned text table with a closing count line."""
    width = max((len(r.name) for r in results), default=4)
    lines = [f"{'step':<{width}}  status   time     detail"]
    for r in results:
        detail = r.detail.strip().splitlines()[0] if r.detail.strip() else ""
        lines.append(f"{r.name:<{width}}  {r.status:<7}  {r.seconds:6.1f}s  {detail}")
    failed = [r.name for r in results if not r.ok and not r.skipped]
    skipped = [r.name for r in results if r.skipped]
    # Not "N passed, N failed": CI log readers take that line for a test runner's verdict.
    ran = len(results) - len(skipped)
    lines.append(
        f"{ran - len(failed)} of {ran} steps ok"
        + (f"; failed: {', '.join(failed)}" if failed else "")
        + (f"; skipped: {', '.join(skipped)}" if skipped else "")
    )
    return "\n".join(lines)

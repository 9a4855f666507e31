"""The `ci` summary table (pure logic)."""

from dataclasses import dataclass


@dataclass(frozen=True)
class StepResult:
    """Outcome of one ci step."""

    name: str
    ok: bool
    seconds: float
    detail: str = ""


def table(results: list[StepResult]) -> str:
    """Render results as an aligned text table with a closing count line."""
    width = max((len(r.name) for r in results), default=4)
    lines = [f"{'step':<{width}}  status  time     detail"]
    for r in results:
        detail = r.detail.strip().splitlines()[0] if r.detail.strip() else ""
        lines.append(f"{r.name:<{width}}  {'ok' if r.ok else 'FAIL':<6}  {r.seconds:6.1f}s  {detail}")
    failed = [r.name for r in results if not r.ok]
    # Not "N passed, N failed": CI log readers take that line for a test runner's verdict.
    lines.append(
        f"{len(results) - len(failed)} of {len(results)} steps ok"
        + (f"; failed: {', '.join(failed)}" if failed else "")
    )
    return "\n".join(lines)

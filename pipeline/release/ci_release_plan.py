"""What `ci` releases after its checks passed: publish, sign, attest, publish-chart, in order (pure logic)."""

from dataclasses import dataclass

from pipeline.core.errors import UsageError


@dataclass(frozen=True)
class ReleasePlan:
    """The release steps `ci` runs after its checks passed, in order, and where the chart goes."""

    steps: tuple[str, ...] = ()
    chart_address: str = ""


def ci_release_plan(address: str, key: bool, chart: bool, chart_address: str = "") -> ReleasePlan:
    """Return what `ci` releases: publish with an address; sign and attest with a key too; the chart with both.

    Raises UsageError for combinations that cannot work (a key or chart without an address, a chart without a key:
    a released chart is always signed).
    """
    if not address:
        if key or chart:
            msg = "ci: --key and --chart-dir release what ci publishes: give --address too"
            raise UsageError(msg)
        return ReleasePlan()
    if chart and not key:
        msg = "ci: --chart-dir needs --key: the released chart is signed"
        raise UsageError(msg)
    if not key:
        return ReleasePlan(("publish",))
    steps = ("publish", "sign", "attest", *(("publish-chart",) if chart else ()))
    target = chart_address or (f"{address.rsplit('/', 1)[0]}/charts" if "/" in address else "charts")
    if chart and target == address:
        msg = f"ci: --chart-address {target} is the image's own repository; charts need their own"
        raise UsageError(msg)
    return ReleasePlan(steps, target if chart else "")

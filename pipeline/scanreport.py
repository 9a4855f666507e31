"""ScanReport: what `scan` returns, even when the gate fails."""

from typing import Annotated

import dagger
from dagger import Doc

from .errors import PipelineError


@dagger.object_type
class ScanReport:
    """Trivy results for one image: JSON, SARIF, counts per severity and the gate's verdict."""

    json: Annotated[dagger.File, Doc("Trivy JSON report (every severity).")] = dagger.field()
    sarif: Annotated[dagger.File, Doc("SARIF 2.1.0 report for code scanning.")] = dagger.field()
    summary: Annotated[str, Doc("Counts per severity and the gate's verdict, one line.")] = dagger.field()
    findings: Annotated[list[str], Doc("Every finding: id, severity, package, installed -> fixed.")] = dagger.field(
        default=list
    )
    blocking: Annotated[list[str], Doc("Findings at or above the threshold (these fail the gate).")] = dagger.field(
        default=list
    )
    ok: Annotated[bool, Doc("True when nothing is at or above the threshold.")] = dagger.field(default=False)

    @dagger.function
    def check(self) -> None:
        """Fail when a finding is at or above the severity threshold; the error lists them."""
        if not self.ok:
            raise PipelineError("scan", self.summary, "\n".join(self.blocking))

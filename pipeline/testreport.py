"""TestReport: what `test` returns, even when tests fail."""

from typing import Annotated

import dagger
from dagger import Doc

from .errors import PipelineError


@dagger.object_type
class TestReport:
    """Results of go test: JUnit XML, coverage profile, raw JSON events and a summary."""

    __test__ = False  # a result type, not a pytest test class

    junit: Annotated[dagger.File, Doc("JUnit XML report (gotestsum), for CI test views.")] = dagger.field()
    coverage: Annotated[dagger.File, Doc("Go coverage profile (go test -coverprofile).")] = dagger.field()
    events: Annotated[dagger.File, Doc("Raw `go test -json` events.")] = dagger.field()
    summary: Annotated[str, Doc("One-line summary: counts and total coverage.")] = dagger.field()
    details: Annotated[str, Doc("Failing tests with their messages, failing packages, build errors.")] = dagger.field(
        default=""
    )
    failed: Annotated[list[str], Doc("Failing tests as package.TestName.")] = dagger.field(default=list)
    coverage_percent: Annotated[float, Doc("Total statement coverage in percent.")] = dagger.field(default=0.0)
    ok: Annotated[bool, Doc("True when every test passed and coverage met the minimum.")] = dagger.field(
        default=False,
    )

    @dagger.function
    def check(self) -> None:
        """Fail unless every test passed and coverage met the minimum."""
        if not self.ok:
            raise PipelineError("test", self.summary, self.details)

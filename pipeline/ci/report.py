"""CiReport: everything a CI job needs from one `ci` call — the table, a folder of reports, and the gate.

A CI job loads the module once and asks for all of it in one `dagger` invocation (README, the CI files):
``r=$(ci …); $r | reports | export reports; $r | summary; $r | check`` — the reports are written first, then
the gate fails the job when a step failed.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated

import dagger
from dagger import Doc, dag

from pipeline.core.errors import PipelineError
from pipeline.go import source_checks
from pipeline.go.build import NoMainPackageError
from pipeline.go.builder import SRC
from pipeline.go.lint import LintReport
from pipeline.go.platforms import Platform
from pipeline.go.testing import TestReport
from pipeline.security.sarif_log import Run, merge, runs_of, vet_run
from pipeline.security.scan import ScanReport

from .cache import Packing
from .steps import Skipped, verdict
from .steps_table import StepResult, table


@dagger.object_type
class CiReport:
    """What ci found: the summary table, the reports of every step, and a check that fails when a step did."""

    summary: Annotated[str, Doc("The step table, then each tool's one-line summary (tests with 'coverage N%').")] = (
        dagger.field()
    )
    reports: Annotated[
        dagger.Directory,
        Doc(
            "junit.xml, coverage.xml (Cobertura), coverage.out, pipeline.sarif (go vet, golangci-lint, Trivy),"
            " golangci-lint.json, trivy-<os>_<arch>.json, summary.txt: whatever the steps that ran produced."
        ),
    ] = dagger.field()
    ok: Annotated[bool, Doc("True when no step failed (skipped steps do not count).")] = dagger.field(default=False)
    failed: Annotated[list[str], Doc("The steps that failed.")] = dagger.field(default=list)
    details: Annotated[str, Doc("Each failed step's error, as check prints it.")] = dagger.field(default="")
    #: What the cache folder is made from (lazy: the engine packs it only when a job asks for the folder); not
    #: arguments of the type's constructor, which nobody calls.
    cache_image: dagger.Container | None = field(default=None, init=False)
    cache_manifest: str = field(default="", init=False)
    cache_summer: dagger.Container | None = field(default=None, init=False)

    @dagger.function
    def cache(self) -> dagger.Directory | None:
        """Return this run's caches as a folder for actions/cache or GitLab cache: (--cache-from takes it back)."""
        if self.cache_image is None or self.cache_summer is None:
            return None
        return Packing(self.cache_image, self.cache_manifest, self.cache_summer).folder()

    @dagger.function
    def check(self) -> None:
        """Fail when a step failed; the error names each one, with the table and every step's own error."""
        if not self.ok:
            cause, _, details = self.details.partition("\n")
            raise PipelineError("ci", cause, details)


async def skip_library(step: Awaitable[object]) -> None:
    """Await a build or scan step; a source without a main package (a library) skips it instead of failing."""
    try:
        await step
    except NoMainPackageError as e:
        raise Skipped(e.cause) from None


@dataclass
class Reports:
    """The files the steps produced, by name, collected as they finish."""

    files: dict[str, dagger.File] = field(default_factory=dict[str, dagger.File])
    summaries: dict[str, str] = field(default_factory=dict[str, str])
    #: go vet's JSON findings, for the merged SARIF log.
    vet_json: str = ""

    def add(self, name: str, file: dagger.File) -> None:
        """Keep a report file under name."""
        self.files[name] = file

    async def vet(self, findings: Callable[[], Awaitable[str]]) -> None:
        """Run go vet once: its findings as JSON (for the SARIF log), then the gate on those findings."""
        self.vet_json = await findings()
        source_checks.check_vet(source_checks.vet_findings(self.vet_json))

    async def lint(self, run: Callable[[], Awaitable[LintReport]]) -> None:
        """Run golangci-lint: its JSON and SARIF, then its gate."""
        report = await run()
        self.add("golangci-lint.json", report.json)
        self.add("golangci-lint.sarif", report.sarif)
        self.summaries["lint"] = f"lint: {report.summary}"
        report.check()

    async def test(self, run: Callable[[], Awaitable[TestReport]]) -> None:
        """Run go test: JUnit, the coverage profile and its Cobertura form (even when it fails), then the gate."""
        report = await run()
        self.add("junit.xml", report.junit)
        self.add("coverage.out", report.coverage)
        self.add("coverage.xml", report.cobertura)
        self.summaries["test"] = f"test: {report.summary}"
        report.check()

    async def scan(self, platform: Platform, run: Callable[[], Awaitable[ScanReport]]) -> None:
        """Scan one platform's image with Trivy: JSON and SARIF, then the gate."""
        report = await run()
        self.add(f"trivy-{platform.dirname}.json", report.json)
        self.add(f"trivy-{platform.dirname}.sarif", report.sarif)
        self.summaries[f"scan {platform}"] = f"scan {platform}: {report.summary}"
        report.check()

    async def sarif(self, go_version: str) -> str:
        """Return one SARIF log of the tools that ran (go vet, golangci-lint, Trivy per platform), or ""."""
        runs: dict[str, Run] = {}
        if self.vet_json:
            runs["go-vet"] = vet_run(self.vet_json, SRC, go_version)
        for name in sorted(self.files):
            tool = name.removesuffix(".sarif")
            if name.endswith(".sarif"):
                try:
                    runs[tool] = runs_of(await self.files[name].contents(), tool)[0]
                except (ValueError, IndexError, dagger.QueryError):
                    continue  # that step failed before writing SARIF: its own error says why
        return merge(runs) if runs else ""

    async def report(
        self, results: list[StepResult], go_version: str, *, cache: Packing | None = None, notes: list[str]
    ) -> CiReport:
        """Return the CiReport of these results: table, summaries, notes, every report file, the verdict, the cache."""
        order = {"test": 0, "lint": 1}  # then each platform's scan, in platform order
        lines = [self.summaries[k] for k in sorted(self.summaries, key=lambda k: (order.get(k, 2), k))]
        text = "\n".join([table(results), *lines, *filter(None, notes)])
        out = dag.directory().with_new_file("summary.txt", text + "\n")
        for name, file in sorted(self.files.items()):
            if not name.endswith(".sarif"):
                out = out.with_file(name, file)
        if sarif := await self.sarif(go_version):
            out = out.with_new_file("pipeline.sarif", sarif)
        error = verdict(results)
        report = CiReport(
            summary=text,
            reports=out,
            ok=error is None,
            failed=[r.name for r in results if not r.ok and not r.skipped],
            details=f"{error.cause}\n{error.details}" if error is not None else "",
        )
        if cache is not None:
            report.cache_image, report.cache_manifest, report.cache_summer = cache.image, cache.manifest, cache.summer
        return report


__all__ = ["CiReport", "Reports", "Skipped", "skip_library"]

"""The Pipeline's security functions: Trivy scans and SBOMs, govulncheck reachability, one SARIF log."""

from functools import partial
from typing import Annotated

import dagger
from dagger import Doc

from pipeline import resolved
from pipeline.args import IgnoreUnfixed, PlatformArg, SeverityArg, check
from pipeline.core.tasks import gather
from pipeline.core.validate import ArgKind, Checked
from pipeline.go.functions import GoFunctions
from pipeline.security import sarif, scan
from pipeline.security.scan import ScanReport, Severity
from pipeline.security.vex import scan_vex
from pipeline.security.vulncheck import VulnDB, VulnReport, govulncheck, report


class SecurityFunctions(GoFunctions):
    """Security: scan what is built, list what the source calls of known vulnerabilities, report for code scanning."""

    @dagger.function
    async def scan(
        self,
        platform: PlatformArg = "",
        severity: SeverityArg = Severity.HIGH,
        ignore_unfixed: IgnoreUnfixed = False,
        ignorefile: Annotated[
            dagger.File | None,
            Doc("Trivy ignore file; default: .trivyignore in the source, if any."),
        ] = None,
        vex: Annotated[
            list[dagger.File] | None,
            Doc("VEX documents (OpenVEX or CSAF) whose not_affected statements waive findings; .vex/*.json too."),
            Checked(ArgKind.VEX_FILES),
        ] = None,
    ) -> ScanReport:
        """Scan one platform's image with Trivy; return JSON, SARIF and the gate's verdict."""
        target = await resolved.platform(platform)
        vuln_db = VulnDB(self.vuln_db) if self.reachability else None
        documents, advisories = await scan_vex(
            await resolved.go_env(self), await resolved.source(self), target, vex or [], vuln_db
        )
        return await scan.scan(
            resolved.trivy(self),
            await self.image(platform=str(target)),
            threshold=severity,
            ignore_unfixed=ignore_unfixed,
            ignorefile=await resolved.ignorefile(self, ignorefile),
            vex=documents,
            advisories=advisories,
        )

    @dagger.function
    @check
    async def scan_check(self, severity: SeverityArg = Severity.HIGH, ignore_unfixed: IgnoreUnfixed = False) -> None:
        """Fail when any platform's image has a finding at or above the threshold; the error lists the CVEs."""
        scans = (partial(self.scan, str(p), severity, ignore_unfixed) for p in resolved.platforms(self))
        for found in await gather(*scans):
            found.check()

    @dagger.function
    async def sbom(self, platform: PlatformArg = "") -> dagger.File:
        """Return the CycloneDX SBOM of one platform's image."""
        return scan.sbom(resolved.trivy(self), await self.image(platform=platform))

    @dagger.function
    async def vulncheck(self, platform: PlatformArg = "") -> VulnReport:
        """Run govulncheck on the source: the advisories its code calls, with the symbols and call paths."""
        target = await resolved.platform(platform)
        env, source, db = await resolved.go_env(self), await resolved.source(self), VulnDB(self.vuln_db)
        stream, openvex = await gather(
            partial(govulncheck, env, source, target, db, "json"),
            partial(govulncheck, env, source, target, db, "openvex"),
        )
        return report(stream, openvex)[0]

    @dagger.function
    async def sarif(self, platform: PlatformArg = "", severity: SeverityArg = Severity.HIGH) -> dagger.File:
        """Return one SARIF 2.1.0 log for code scanning: a run each for go vet, golangci-lint, govulncheck and Trivy."""
        target = await resolved.platform(platform)

        async def lint_sarif() -> str:
            return await (await self.lint_report()).sarif.contents()

        async def trivy_sarif() -> str:
            return await (await self.scan(platform=str(target), severity=severity)).sarif.contents()

        env, source, tags = await resolved.go_env(self), await resolved.source(self), tuple(self.tags)
        return await sarif.code_scanning_log(env, source, target, tags, VulnDB(self.vuln_db), lint_sarif, trivy_sarif)

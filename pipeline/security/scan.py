"""Trivy scan with a severity gate, ScanReport (what `scan` returns), and the CycloneDX SBOM (offline-capable).

The gate takes VEX documents (`--vex`, OpenVEX or CSAF): govulncheck's, when reachability is on, and the user's.
A finding they mark not_affected or fixed leaves the gate and is listed, with the reason and the document that
gave it, in the report's `waived` (Trivy's --show-suppressed output, which also lists what an ignore file drops).
"""

import datetime as dt
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Annotated, Final

import dagger
from dagger import Doc, dag

from pipeline import pins
from pipeline.core.errors import PipelineError
from pipeline.core.execs import TIMED_OUT, bounded, exit_code
from pipeline.go.builder import OUT

from .scan_report import at_or_above, severity_counts, trivy_findings
from .vex_documents import waivers
from .vulncheck_report import Advisory, Level, by_name

CACHE: Final = "/root/.cache/trivy"
INPUT: Final = "/scan/image.tar"
IGNOREFILE: Final = "/scan/.trivyignore"
VEX_DIR: Final = "/scan/vex"
DB_VOLUME: Final = "pipeline-trivy-db"
OFFLINE_FLAGS: Final = ["--skip-version-check", "--disable-telemetry", "--quiet"]


@dagger.enum_type
class Severity(enum.Enum):
    """Severity threshold of the scan gate: findings at or above it fail."""

    CRITICAL = "CRITICAL"
    HIGH = "HIGH"
    MEDIUM = "MEDIUM"
    LOW = "LOW"
    UNKNOWN = "UNKNOWN"


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
    waived: Annotated[
        list[str], Doc("Findings left out of the gate: status and justification, and the VEX document or ignore file.")
    ] = dagger.field(default=list)
    reachability: Annotated[
        list[str], Doc("govulncheck's verdict per blocking finding it knows: the symbol called and the call paths.")
    ] = dagger.field(default=list)

    @dagger.function
    def check(self) -> None:
        """Fail when a finding is at or above the severity threshold; the error lists them."""
        if not self.ok:
            raise PipelineError("scan", self.summary, "\n".join([*self.blocking, *self.reachability]))


def db_volume() -> dagger.CacheVolume:
    """Return the cache volume Trivy keeps its DB in (an imported cache's trivy part fills it)."""
    return dag.cache_volume(DB_VOLUME)


@dataclass(frozen=True)
class Trivy:
    """How to run Trivy: its image and where the vulnerability database comes from."""

    image: str = pins.TRIVY_IMAGE
    #: A prepared DB directory (holding trivy.db and metadata.json): air-gapped, no download.
    db: dagger.Directory | None = None
    #: Mirror of the DB OCI artifact (--db-repository); default: Trivy's own.
    db_repository: str = ""
    #: Upper bound of each Trivy run in seconds.
    seconds: int = pins.STEP_TIMEOUT

    def container(self) -> dagger.Container:
        """Return Trivy with its DB: given (read-only, no update) or downloaded into a cache volume."""
        ctr = dag.container().from_(self.image).with_env_variable("TRIVY_CACHE_DIR", CACHE)
        if self.db is not None:
            return ctr.with_directory(f"{CACHE}/db", self.db).with_env_variable("TRIVY_SKIP_DB_UPDATE", "true")
        ctr = ctr.with_mounted_cache(CACHE, db_volume())
        if self.db_repository:
            ctr = ctr.with_env_variable("TRIVY_DB_REPOSITORY", self.db_repository)
        # Scans are fresh once a day, as the DB is: the date is part of the exec's cache key.
        return ctr.with_env_variable("PIPELINE_SCAN_DAY", dt.datetime.now(dt.UTC).date().isoformat())


async def scan(
    trivy: Trivy,
    image: dagger.Container,
    *,
    threshold: Severity,
    ignore_unfixed: bool,
    ignorefile: dagger.File | None,
    vex: Sequence[tuple[str, dagger.File]] = (),
    advisories: dict[str, Advisory] | None = None,
) -> ScanReport:
    """Scan one image; the report comes back whether the gate passes or not.

    vex: (label, document) pairs given to Trivy; the label names the document in `waived`. advisories:
    govulncheck's findings on the source, which add the symbol and call paths to the blocking findings they reach.
    """
    args = [
        "trivy",
        "image",
        "--input",
        INPUT,
        "--scanners",
        "vuln",
        "--format",
        "json",
        "--output",
        f"{OUT}/trivy.json",
    ]
    args += ["--exit-code", "0", "--show-suppressed", *OFFLINE_FLAGS]
    ctr = trivy.container().with_mounted_file(INPUT, image.as_tarball()).with_exec(["mkdir", "-p", OUT])
    if ignore_unfixed:
        args.append("--ignore-unfixed")
    if ignorefile is not None:
        ctr = ctr.with_mounted_file(IGNOREFILE, ignorefile)
        args += ["--ignorefile", IGNOREFILE]
    labels = {IGNOREFILE: "the ignore file"}
    for i, (label, document) in enumerate(vex):
        path = f"{VEX_DIR}/{i}.json"
        ctr = ctr.with_mounted_file(path, document)
        args += ["--vex", path]
        labels[path] = label
    ran = ctr.with_exec(bounded(args, trivy.seconds), expect=dagger.ReturnType.ANY)
    await _require_success(ran, "scan", "Trivy could not scan the image")
    convert = ["trivy", "convert", "--format", "sarif", "--output", f"{OUT}/trivy.sarif", f"{OUT}/trivy.json"]
    converted = ran.with_exec(bounded(convert, trivy.seconds), expect=dagger.ReturnType.ANY)
    await _require_success(converted, "scan", "Trivy could not write SARIF")
    report = converted.file(f"{OUT}/trivy.json")
    text = await report.contents()
    findings = trivy_findings(text)
    gated = set(at_or_above(threshold.value))
    blocked = [f for f in findings if f.severity in gated]
    blocking = [f.line() for f in blocked]
    counts = ", ".join(f"{n} {s}" for s, n in severity_counts(findings).items())
    verdict = (
        f"{len(blocking)} at or above {threshold.value}: gate failed"
        if blocking
        else f"none at or above {threshold.value}"
    )
    waived = waivers(text, labels)
    known = by_name(advisories or {})
    reached = {known[f.id].id: known[f.id] for f in blocked if f.id in known and known[f.id].level is Level.CALLED}
    if waived:
        verdict += f"; {len(waived)} waived"
    return ScanReport(
        json=report,
        sarif=converted.file(f"{OUT}/trivy.sarif"),
        summary=f"{counts}; {verdict}",
        findings=[f.line() for f in findings],
        blocking=blocking,
        ok=not blocking,
        waived=[w.line() + (f"; govulncheck: {known[w.id].line()}" if w.id in known else "") for w in waived],
        reachability=["\n".join([a.line(), *a.call_paths()]) for a in reached.values()],
    )


def sbom(trivy: Trivy, image: dagger.Container) -> dagger.File:
    """Return the image's CycloneDX SBOM (no vulnerability DB needed)."""
    out = f"{OUT}/sbom.cdx.json"
    return (
        dag.container()
        .from_(trivy.image)
        .with_mounted_file(INPUT, image.as_tarball())
        .with_exec(["mkdir", "-p", OUT])
        .with_exec(
            bounded(
                ["trivy", "image", "--input", INPUT, "--format", "cyclonedx", "--output", out, *OFFLINE_FLAGS],
                trivy.seconds,
            )
        )
        .file(out)
    )


async def _require_success(ran: dagger.Container, step: str, what: str) -> None:
    code = await exit_code(ran, step)
    if code != 0:
        err = (await ran.stderr()).strip().splitlines()
        why = "timed out" if code in TIMED_OUT else f"trivy exit {code}"
        raise PipelineError(step, f"{what} ({why}); this is not a finding", "\n".join(err[-15:]))

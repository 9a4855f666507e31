"""govulncheck on the source: reachability of each advisory, its OpenVEX for the scan gate, and its SARIF.

govulncheck (pinned, installed with `go install` in the builder before the source arrives) analyses the call graph
of the source for one platform (GOOS/GOARCH, as build constraints differ). Its vulnerability DB is vuln.go.dev, or
a directory given offline (`-db file:///…`, the v1 layout: index/db.json, index/modules.json, ID/<id>.json). With
the online DB, results are fresh once a day, as Trivy's are.
"""

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Final

import dagger
from dagger import Doc, dag

from pipeline import pins
from pipeline.core.errors import PipelineError
from pipeline.core.execs import run
from pipeline.go.builder import GoEnv
from pipeline.go.builder_modfiles import GoMod, parse_go_mod
from pipeline.go.platforms import Platform

from .vulncheck_report import Advisory, Level, called, parse

DB: Final = "/vulndb"
STEP: Final = "vulncheck"


@dataclass(frozen=True)
class VulnDB:
    """Where govulncheck's vulnerability database comes from."""

    #: A prepared DB directory (offline); None: vuln.go.dev.
    db: dagger.Directory | None = None

    def apply(self, ctr: dagger.Container) -> tuple[dagger.Container, list[str]]:
        """Return the container with the DB (or the day, for the online DB) and govulncheck's -db arguments."""
        if self.db is not None:
            return ctr.with_mounted_directory(DB, self.db), ["-db", f"file://{DB}"]
        return ctr.with_env_variable("PIPELINE_VULNCHECK_DAY", dt.datetime.now(dt.UTC).date().isoformat()), []


async def govulncheck(env: GoEnv, source: dagger.Directory, platform: Platform, vulndb: VulnDB, output: str) -> str:
    """Run govulncheck -format <output> (json, openvex, sarif) on every package; return what it wrote."""
    ctr = await env.deps(source, tools=[pins.GOVULNCHECK])
    for key, value in platform.goenv.items():
        ctr = ctr.with_env_variable(key, value)
    ctr, db_args = vulndb.apply(ctr)
    argv = ["govulncheck", *db_args, "-format", output, *env.patterns(["./..."])]
    res = await run(ctr, argv, STEP, env.step_timeout)
    if res.code != 0:
        tail = "\n".join((res.stderr or res.stdout).strip().splitlines()[-15:])
        raise PipelineError(
            STEP, f"govulncheck could not analyse the source (exit {res.code}); this is not a finding", tail
        )
    return res.stdout


async def module_paths(source: dagger.Directory, project: GoMod) -> list[str]:
    """Return the module paths of the source: the module, or each module of a workspace."""
    if not project.uses:
        return [project.module]
    mods = [parse_go_mod(await source.file(f"{use}/go.mod").contents()).module for use in project.uses]
    return sorted(set(mods))


@dagger.object_type
class VulnReport:
    """The verdict of govulncheck on the source: which advisories its code reaches, and how."""

    json: Annotated[dagger.File, Doc("govulncheck's JSON stream (-format json).")] = dagger.field()
    openvex: Annotated[dagger.File, Doc("govulncheck's OpenVEX document (-format openvex), as it wrote it.")] = (
        dagger.field()
    )
    summary: Annotated[str, Doc("Advisories called, imported and required, one line.")] = dagger.field()
    advisories: Annotated[list[str], Doc("Every advisory found: ids, module, and whether the code calls it.")] = (
        dagger.field(default=list)
    )
    called: Annotated[list[str], Doc("The advisories the code calls, each with its call paths.")] = dagger.field(
        default=list
    )
    ok: Annotated[bool, Doc("True when no vulnerable symbol is reachable.")] = dagger.field(default=False)

    @dagger.function
    def check(self) -> None:
        """Fail when the code calls a vulnerable symbol; the error names the advisory, symbol and call path."""
        if not self.ok:
            raise PipelineError(STEP, self.summary, "\n".join(self.called))


def report(json_stream: str, openvex: str) -> tuple[VulnReport, dict[str, Advisory]]:
    """Build the report (and the parsed advisories) from govulncheck's JSON stream and OpenVEX."""
    found = parse(json_stream)
    reached = called(found)
    counts = {level: sum(1 for a in found.values() if a.level is level) for level in Level}
    summary = (
        f"{counts[Level.CALLED]} called, {counts[Level.IMPORTED]} imported but not called, "
        f"{counts[Level.REQUIRED]} required but not imported"
    )
    files = (
        dag.directory()
        .with_new_file("govulncheck.json", json_stream)
        .with_new_file("govulncheck.openvex.json", openvex)
    )
    return (
        VulnReport(
            json=files.file("govulncheck.json"),
            openvex=files.file("govulncheck.openvex.json"),
            summary=summary,
            advisories=[a.line() for a in sorted(found.values(), key=lambda a: a.id)],
            called=["\n".join([a.line(), *a.call_paths()]) for a in reached],
            ok=not reached,
        ),
        found,
    )

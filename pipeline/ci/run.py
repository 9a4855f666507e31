"""`ci`'s orchestration: check every input, run the checks at once, then integration tests and the release."""

from collections.abc import Awaitable, Callable
from contextlib import suppress
from dataclasses import dataclass
from functools import partial

import dagger

from pipeline import resolved
from pipeline.core.errors import PipelineError
from pipeline.core.tasks import gather
from pipeline.go import integration, source_checks
from pipeline.go.testing import TestReport
from pipeline.release import supply_chain
from pipeline.release.ci_release_plan import ci_release_plan
from pipeline.release.cosign import Signer
from pipeline.release.functions import ReleaseFunctions
from pipeline.release.supply_chain import ReleaseFacts
from pipeline.security.scan import Severity

from .report import CiReport, Reports, skip_library
from .steps import Step, run_steps


@dataclass(frozen=True)
class Release:
    """What ci releases when every step passed: publish with an address; sign, attest and the chart with a key."""

    version: str = "dev"
    address: str = ""
    commit: str = ""
    latest: bool = False
    username: str = ""
    password: dagger.Secret | None = None
    key: dagger.Secret | None = None
    key_password: dagger.Secret | None = None
    chart_dir: dagger.Directory | None = None
    chart_address: str = ""
    source_uri: str = ""


async def ci(
    p: ReleaseFunctions,
    given: Release,
    severity: Severity,
    request: integration.Request,
    integration_test: Callable[[], Awaitable[TestReport]],
) -> CiReport:
    """Run fmt, vet, tidy, lint, test, build and scan at once, then integration tests and the release; report all.

    Every input is checked before anything is built: what publish and integration-test check themselves.
    """
    plan = ci_release_plan(given.address, given.key is not None, given.chart_dir is not None, given.chart_address)
    if given.address:
        resolved.publish_tags(given.address, given.version, given.commit, given.latest, "ci")
    platforms = resolved.platforms(p)
    publish = partial(
        p.publish, given.address, given.version, given.commit, given.latest, given.username, given.password
    )
    facts = ReleaseFacts(version=given.version, commit=given.commit, source_uri=given.source_uri)
    signer = Signer(given.key, given.key_password) if given.key is not None else None
    supply = await resolved.supply(p, p.image, given.username, given.password)
    release = await supply_chain.release_steps(supply, plan, publish, facts, signer, given.chart_dir, given.address)
    env, source, tags, out = await resolved.go_env(p), await resolved.source(p), tuple(p.tags), Reports()

    async def build_all() -> None:
        async def built() -> None:
            await (await p.build(given.version)).sync()

        await skip_library(built())

    async def scan_all() -> None:
        await skip_library(gather(*(partial(out.scan, t, partial(p.scan, str(t), severity)) for t in platforms)))

    native = await resolved.platform("")

    async def vet() -> None:
        # After the engine platform's build (the build step's own exec, run once), whatever its outcome: vet then
        # finds every dependency compiled, where two compiles of them at once would each do all the work.
        if native in platforms:
            with suppress(PipelineError, dagger.DaggerError):
                await resolved.built(p, native, given.version)
        await out.vet(partial(source_checks.vet_json, env, source, tags))

    async def integration_tests() -> None:
        (await integration_test()).check()

    checks = {
        "fmt": p.fmt,
        "vet": vet,
        "tidy": p.tidy,
        "lint": partial(out.lint, p.lint_report),
        "test": partial(out.test, p.test),
        "build": build_all,
        "scan": scan_all,
    }

    async def after_checks() -> list[tuple[str, Step]]:
        # Integration tests run after every check passed, and only when the source has some (go/integration_files):
        # found beside the checks, so the listing and its tools' install delay none of them.
        if await integration.has_tests(env, source, tags, request.tag):
            return [("integration", integration_tests), *release]
        return list(release)

    results = await run_steps(checks, after_checks)
    packing = await resolved.cache_packing(p, env)
    return await out.report(results, env.go_version, cache=packing, notes=[env.cache_note])

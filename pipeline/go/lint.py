"""golangci-lint as a check: LintReport (findings, JSON, SARIF) and the gate on it.

golangci-lint's binary comes from its publisher's image (pinned; nothing is compiled on a fresh runner) and runs in
the caller's Go builder, reading the repository's own configuration when the source has one; otherwise a default
is added to the source it sees. Its analysis cache lives in a cache volume, so an unchanged package is not analysed
again.
"""

from typing import Annotated, Final

import dagger
from dagger import Doc, dag

from pipeline import pins
from pipeline.core.errors import PipelineError
from pipeline.core.execs import TIMED_OUT, exit_code

from .builder import OUT, GoEnv, volume
from .lint_tool import (
    CONFIG_NAMES,
    DEFAULT_CONFIG,
    EXIT_CODES,
    ISSUES_EXIT_CODE,
    TIMEOUT_EXIT_CODE,
    LintTool,
    lint_argv,
    lint_findings,
    lint_summary,
    reported_version,
)

STEP: Final = "lint"
CACHE: Final = "/root/.cache/golangci-lint"
#: Where the binary goes in the builder (called by path: a user's builder may not have /usr/local/bin on PATH).
BINARY: Final = "/usr/local/bin/golangci-lint"
JSON: Final = f"{OUT}/golangci-lint.json"
SARIF: Final = f"{OUT}/golangci-lint.sarif"


@dagger.object_type
class LintReport:
    """Results of golangci-lint: findings as file:line, JSON and SARIF reports, and the verdict."""

    sarif: Annotated[dagger.File, Doc("SARIF 2.1.0 report for code scanning.")] = dagger.field()
    json: Annotated[dagger.File, Doc("golangci-lint's JSON report.")] = dagger.field()
    summary: Annotated[str, Doc("Count per linter and the configuration used, one line.")] = dagger.field()
    findings: Annotated[list[str], Doc("Every finding as file:line:col: text (linter).")] = dagger.field(default=list)
    config: Annotated[str, Doc("The configuration used: the source's file, or 'default'.")] = dagger.field(
        default="default"
    )
    version: Annotated[str, Doc("The golangci-lint version that ran, and where it was chosen.")] = dagger.field(
        default=""
    )
    ok: Annotated[bool, Doc("True when there is no finding.")] = dagger.field(default=False)

    @dagger.function
    def check(self) -> None:
        """Fail when golangci-lint reported a finding; the error lists them as file:line."""
        if not self.ok:
            raise PipelineError(STEP, self.summary, "\n".join(self.findings))


async def config_file(source: dagger.Directory) -> str:
    """Return the name of the source's golangci-lint configuration, or "" when it has none."""
    for name in CONFIG_NAMES:
        if await source.exists(name, expected_type=dagger.ExistsType.REGULAR_TYPE):
            return name
    return ""


def lint_cache(env: GoEnv) -> dagger.CacheVolume:
    """Return golangci-lint's analysis cache volume (an imported cache's golangci-lint part fills it)."""
    return volume("golangci-lint", env.cache_namespace)


def with_lint_binary(env: GoEnv, tool: LintTool) -> "dagger.Container":
    """Return the builder with golangci-lint's binary copied out of its publisher's image."""
    binary = dag.container().from_(tool.image).file(pins.GOLANGCI_LINT_BINARY)
    return env.container().with_file(BINARY, binary, permissions=0o755)


async def lint(env: GoEnv, source: dagger.Directory, tags: tuple[str, ...], tool: LintTool) -> LintReport:
    """Run golangci-lint on every package; the report comes back whether it found something or not."""
    config = await config_file(source)
    if not config:
        source = source.with_new_file(CONFIG_NAMES[0], DEFAULT_CONFIG)
    try:
        printed = await env.exec(with_lint_binary(env, tool), [BINARY, "version"]).stdout()
    except dagger.QueryError as e:
        cause = f"could not get golangci-lint {tool.version} from {tool.image} ({tool.origin})"
        raise PipelineError(STEP, cause, str(e).strip()) from None
    version = reported_version(printed) or tool.version
    deps = await env.deps(source, base=with_lint_binary(env, tool))
    argv = lint_argv(BINARY, env.patterns(["./..."]), tags, JSON, SARIF)
    ran = env.exec(
        deps.with_mounted_cache(CACHE, lint_cache(env))
        .with_env_variable("GOLANGCI_LINT_CACHE", CACHE)
        .with_new_file(JSON, "")
        .with_new_file(SARIF, ""),
        argv,
        expect=dagger.ReturnType.ANY,
    )
    code = await exit_code(ran, STEP)
    if code not in {0, ISSUES_EXIT_CODE}:
        if code == TIMEOUT_EXIT_CODE:  # golangci-lint's own bound: a cold analysis cache needs the most time
            cause = (
                f"golangci-lint stopped at its own run.timeout ({config or 'default configuration'}) before it"
                " finished; this is not a finding: raise run.timeout, or run again with the analysis cache warm"
            )
        else:
            why = f"timed out after {env.step_timeout}s" if code in TIMED_OUT else EXIT_CODES.get(code, f"exit {code}")
            cause = f"golangci-lint could not lint the source ({why}); this is not a finding"
        out = ((await ran.stderr()).strip() + "\n" + (await ran.stdout()).strip()).strip()
        raise PipelineError(STEP, cause, out)
    findings = lint_findings(await ran.file(JSON).contents())
    if code == ISSUES_EXIT_CODE and not findings:
        raise PipelineError(STEP, "golangci-lint failed but reported no finding", (await ran.stdout()).strip())
    used = config or "default"
    named = f"{version} ({tool.origin})"
    return LintReport(
        sarif=ran.file(SARIF),
        json=ran.file(JSON),
        summary=lint_summary(findings, used, named),
        findings=[str(f) for f in findings],
        config=used,
        version=named,
        ok=not findings,
    )

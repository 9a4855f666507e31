"""`sarif`: one SARIF 2.1.0 log for code scanning, a run each for go vet, golangci-lint, govulncheck and Trivy."""

from collections.abc import Awaitable, Callable
from functools import partial

import dagger
from dagger import dag

from pipeline.core.errors import PipelineError
from pipeline.core.tasks import gather
from pipeline.go.builder import SRC, GoEnv
from pipeline.go.platforms import Platform
from pipeline.go.source_checks import vet_json

from .sarif_log import merge, runs_of, vet_run
from .vulncheck import VulnDB, govulncheck

FILE = "pipeline.sarif"


async def code_scanning_log(
    env: GoEnv,
    source: dagger.Directory,
    platform: Platform,
    tags: tuple[str, ...],
    vuln_db: VulnDB,
    lint_sarif: Callable[[], Awaitable[str]],
    trivy_sarif: Callable[[], Awaitable[str]],
) -> dagger.File:
    """Run the four tools at once and merge their findings into pipeline.sarif."""
    vet_out, linted, gv, scanned = await gather(
        partial(vet_json, env, source, tags),
        lint_sarif,
        partial(govulncheck, env, source, platform, vuln_db, "sarif"),
        trivy_sarif,
    )
    try:
        runs = {
            "go-vet": vet_run(vet_out, SRC, env.go_version),
            "golangci-lint": runs_of(linted, "golangci-lint")[0],
            "govulncheck": runs_of(gv, "govulncheck")[0],
            "trivy": runs_of(scanned, "trivy")[0],
        }
    except (ValueError, IndexError) as e:
        raise PipelineError("sarif", f"a tool's output could not be merged: {e}") from None
    return dag.directory().with_new_file(FILE, merge(runs)).file(FILE)

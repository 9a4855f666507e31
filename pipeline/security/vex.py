"""The VEX documents a scan takes: the user's (given, and .vex/*.json in the source), and govulncheck's own.

With reachability on, govulncheck's OpenVEX waives what the source never calls; its advisories name the calls.
"""

from functools import partial
from typing import Final

import dagger
from dagger import dag

from pipeline.core.tasks import gather
from pipeline.go.builder import GoEnv
from pipeline.go.platforms import Platform

from .vex_documents import detect_format, for_trivy
from .vulncheck import VulnDB, govulncheck, module_paths
from .vulncheck_report import Advisory, parse

#: VEX documents in the source that every scan takes.
VEX_FOLDER: Final = ".vex"
REACHABILITY: Final = "govulncheck (the vulnerable code is not reachable from the source)"


async def scan_vex(
    env: GoEnv,
    source: dagger.Directory,
    platform: Platform,
    given: list[dagger.File],
    vuln_db: VulnDB | None,
) -> tuple[list[tuple[str, dagger.File]], dict[str, Advisory]]:
    """Return (label, document) for every VEX document, checked first, and govulncheck's advisories (vuln_db set)."""
    files = [*given, *(source.file(p) for p in sorted(await source.glob(f"{VEX_FOLDER}/*.json")))]
    docs: list[tuple[str, dagger.File]] = []
    for f in files:
        name = await f.name()
        detect_format(await f.contents(), name)
        docs.append((f"VEX document {name}", f))
    if vuln_db is None:
        return docs, {}
    stream, openvex = await gather(
        partial(govulncheck, env, source, platform, vuln_db, "json"),
        partial(govulncheck, env, source, platform, vuln_db, "openvex"),
    )
    modules = await module_paths(source, env.project)
    matchable = dag.directory().with_new_file("govulncheck.openvex.json", for_trivy(openvex, modules))
    return [(REACHABILITY, matchable.file("govulncheck.openvex.json")), *docs], parse(stream)

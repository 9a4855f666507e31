"""scan, scan_check and sbom with a real Trivy and a real (fixture) vulnerability DB, offline."""

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any, cast

import dagger
import pytest
from dagger import dag

from pipeline import Pipeline
from pipeline.core.errors import PipelineError
from pipeline.security.scan import Severity
from tests.conftest import FIXTURES
from tests.engine.conftest import source

CVE = "CVE-2022-32149 HIGH golang.org/x/text v0.3.7 -> 0.3.8 (usr/local/bin/vulnerable)"
UNFIXED = "PIPELINE-TEST-0001 MEDIUM golang.org/x/text v0.3.7 -> no fix (usr/local/bin/vulnerable)"


@pytest.fixture(scope="module")
def scanner(fixture: Callable[..., Pipeline], trivy_db: dagger.Directory, trivy_image: str) -> Callable[..., Pipeline]:
    def make(name: str = "vulnerable-dep", **kwargs: object) -> Pipeline:
        return fixture(name, **{"trivy_db": trivy_db, "trivy_image": trivy_image, **kwargs})

    return make


async def test_gate_fails_naming_the_advisory(scanner: Callable[..., Pipeline]) -> None:
    report = await scanner().scan()
    assert not report.ok
    assert report.blocking == [CVE]
    assert report.findings == [CVE, UNFIXED]
    assert report.summary == "0 CRITICAL, 1 HIGH, 1 MEDIUM, 0 LOW, 0 UNKNOWN; 1 at or above HIGH: gate failed"
    with pytest.raises(PipelineError) as exc:
        await scanner().scan_check()
    assert exc.value.step == "scan"
    assert CVE in exc.value.details


async def test_clean_app_passes(app: Pipeline, trivy_db: dagger.Directory, trivy_image: str) -> None:
    p = Pipeline(source=app.source, go_image=app.go_image, trivy_db=trivy_db, trivy_image=trivy_image)
    report = await p.scan(severity=Severity.LOW)
    assert report.ok
    assert report.findings == []
    await p.scan_check(severity=Severity.LOW)


async def test_threshold_above_the_advisory_passes(scanner: Callable[..., Pipeline]) -> None:
    report = await scanner().scan(severity=Severity.CRITICAL)
    assert report.ok
    assert report.blocking == []
    assert len(report.findings) == 2


async def test_ignore_unfixed_drops_only_the_unfixed(scanner: Callable[..., Pipeline]) -> None:
    report = await scanner().scan(severity=Severity.MEDIUM, ignore_unfixed=True)
    assert report.findings == [CVE]
    assert report.blocking == [CVE]


async def test_ignore_file_drops_only_what_it_lists(scanner: Callable[..., Pipeline]) -> None:
    ignore = (
        dag.directory().with_new_file(".trivyignore", "# accepted until 2027\nCVE-2022-32149\n").file(".trivyignore")
    )
    report = await scanner().scan(severity=Severity.MEDIUM, ignorefile=ignore)
    assert report.findings == [UNFIXED]
    assert report.blocking == [UNFIXED]


async def test_trivyignore_in_the_source_is_used(
    tmp_path: Path, go_image: str, trivy_db: dagger.Directory, trivy_image: str
) -> None:
    shutil.copytree(FIXTURES / "vulnerable-dep", tmp_path / "m")
    (tmp_path / "m" / ".trivyignore").write_text("CVE-2022-32149\n")
    p = Pipeline(source=source(tmp_path / "m"), go_image=go_image, trivy_db=trivy_db, trivy_image=trivy_image)
    report = await p.scan()
    assert report.ok
    assert report.findings == [UNFIXED]


async def test_sarif_has_one_result_per_finding(scanner: Callable[..., Pipeline]) -> None:
    report = await scanner().scan(severity=Severity.MEDIUM)
    sarif = cast("dict[str, Any]", json.loads(await report.sarif.contents()))
    assert sarif["version"] == "2.1.0"
    assert "sarif" in sarif["$schema"]
    results = cast("list[dict[str, Any]]", sarif["runs"][0]["results"])
    assert sorted(r["ruleId"] for r in results) == ["CVE-2022-32149", "PIPELINE-TEST-0001"]
    assert sarif["runs"][0]["tool"]["driver"]["name"] == "Trivy"


async def test_report_is_trivy_json(scanner: Callable[..., Pipeline]) -> None:
    report = cast("dict[str, Any]", json.loads(await (await scanner().scan()).json.contents()))
    assert report["SchemaVersion"] == 2
    assert report["ArtifactType"] == "container_image"


async def test_sbom_lists_the_fixture_modules(scanner: Callable[..., Pipeline]) -> None:
    bom = cast("dict[str, Any]", json.loads(await (await scanner().sbom(platform="linux/arm64")).contents()))
    assert bom["bomFormat"] == "CycloneDX"
    purls = {c.get("purl", "") for c in cast("list[dict[str, Any]]", bom["components"])}
    assert "pkg:golang/golang.org/x/text@v0.3.7" in purls
    assert any(p.startswith("pkg:golang/example.com/vulnerable") for p in purls)


@pytest.mark.parametrize("broken", ["missing", "corrupt"])
async def test_missing_or_corrupt_db_is_an_error_not_a_pass(
    scanner: Callable[..., Pipeline], trivy_db: dagger.Directory, broken: str
) -> None:
    db = dag.directory().with_file("metadata.json", trivy_db.file("metadata.json"))
    if broken == "corrupt":
        db = db.with_new_file("trivy.db", "this is not a bolt database\n" * 100)
    with pytest.raises(PipelineError) as exc:
        await scanner(trivy_db=db).scan()
    assert exc.value.step == "scan"
    assert "Trivy could not scan the image" in exc.value.cause
    assert "not a finding" in exc.value.cause

"""fmt, vet, tidy, test and go-version on app/ and on the broken fixtures."""

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import cast
from xml.etree import ElementTree as ET

import pytest
from junitparser import JUnitXml, TestCase, TestSuite

from pipeline import Pipeline
from pipeline.core.errors import PipelineError
from tests.conftest import ROOT
from tests.engine.conftest import source


def junit_cases(path: str) -> set[tuple[str, bool]]:
    """Read a JUnit file as (test name, failed) pairs."""
    xml = JUnitXml.fromfile(path)  # pyright: ignore[reportUnknownMemberType]  # junitparser is untyped here
    cases: list[TestCase] = [case for suite in xml for case in cast("TestSuite", suite)]  # pyright: ignore[reportUnnecessaryCast]
    return {(str(case.name), bool(case.result)) for case in cases}  # pyright: ignore[reportUnknownMemberType, reportUnknownArgumentType]


async def test_go_version_reports_go_mod(app: Pipeline) -> None:
    out = await app.go_version_info()
    assert out.startswith("go-version 1.26.8 ")
    assert "go version go1.26.8 linux/amd64" in out


async def test_go_version_override_wins(app: Pipeline, go_image: str) -> None:
    p = Pipeline(source=app.source, go_image=go_image, go_version="1.26")
    assert (await p.go_version_info()).startswith("go-version 1.26 ")


async def test_a_go_mod_newer_than_the_builder_says_what_to_pass(go_image: str, tmp_path: Path) -> None:
    """A service already on the next Go release, built with an older --go-image (GOTOOLCHAIN=local in the image)."""
    newer = tmp_path / "newer"
    shutil.copytree(ROOT / "app", newer)
    gomod = newer / "go.mod"
    gomod.write_text(re.sub(r"(?m)^go .*$", "go 1.99.0", gomod.read_text()))
    with pytest.raises(PipelineError) as exc:
        await Pipeline(source=source(newer), go_image=go_image).vet()
    assert exc.value.step == "vet"
    assert "go.mod needs Go 1.99.0 and the builder image has 1.26.8; pass --go-image" in exc.value.cause


async def test_checks_pass_on_app(app: Pipeline) -> None:
    await app.fmt()
    await app.vet()
    await app.tidy()


async def test_fmt_names_the_unformatted_file(fixture: Callable[..., Pipeline]) -> None:
    with pytest.raises(PipelineError) as exc:
        await fixture("gofmt-diff").fmt()
    assert exc.value.step == "fmt"
    assert "main.go" in exc.value.cause
    assert "util.go" not in str(exc.value)
    assert exc.value.details.startswith("diff")


async def test_vet_reports_the_finding(fixture: Callable[..., Pipeline]) -> None:
    with pytest.raises(PipelineError) as exc:
        await fixture("vet-finding").vet()
    assert exc.value.step == "vet"
    assert "main.go:" in exc.value.details
    assert "Sprintf" in exc.value.details


async def test_test_passes_on_app(app: Pipeline) -> None:
    report = await app.test()
    assert report.ok, report.details
    assert report.failed == []
    assert report.coverage_percent > 0
    junit = await report.junit.contents()
    assert "<testsuites" in junit
    report.check()


async def test_cobertura_report_beside_the_profile(app: Pipeline) -> None:
    report = await app.test()
    root = ET.fromstring(await report.cobertura.contents())  # noqa: S314 (our own tool's output)
    assert root.tag == "coverage"
    assert float(root.attrib["line-rate"]) > 0
    packages = {p.attrib["name"]: p for p in root.iter("package")}
    assert list(packages) == ["example.com/hello"]
    files = {c.attrib["filename"] for c in packages["example.com/hello"].iter("class")}
    assert {"handlers.go", "main.go", "observe.go"} <= files
    assert (await report.coverage.contents()).startswith("mode: ")


async def test_failing_test_is_named_and_in_junit(fixture: Callable[..., Pipeline], tmp_path: object) -> None:
    p = fixture("failing-test")
    report = await p.test()
    assert not report.ok
    assert report.failed == ["example.com/failingtest/calc.TestAddBroken"]
    assert "1 failed" in report.summary
    assert "want 5" in report.details
    xml_path = f"{tmp_path}/junit.xml"
    await report.junit.export(xml_path)
    cases = junit_cases(xml_path)
    assert ("TestAddBroken", True) in cases
    assert ("TestAddOK", False) in cases
    with pytest.raises(PipelineError) as exc:
        await p.test_check()
    assert exc.value.step == "test"
    assert "TestAddBroken" in str(exc.value)


async def test_coverage_minimum_fails_the_report(app: Pipeline) -> None:
    report = await app.test(coverage_min=100.0)
    assert not report.ok
    assert "below the minimum 100.0%" in report.summary

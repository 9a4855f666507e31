"""lint and lint_report: golangci-lint on app/ and on a fixture with known findings, with and without its config."""

import json
from collections.abc import Callable

import pytest

from pipeline import Pipeline
from pipeline.errors import PipelineError
from tests.conftest import FIXTURES
from tests.engine.conftest import source


async def test_lint_passes_on_app_with_the_default_config(app: Pipeline) -> None:
    report = await app.lint_report()
    assert report.ok, report.findings
    assert report.config == "default"
    sarif = json.loads(await report.sarif.contents())
    assert sarif["version"] == "2.1.0"
    assert sarif["runs"][0]["tool"]["driver"]["name"] == "golangci-lint"
    assert sarif["runs"][0]["results"] == []
    await app.lint()


async def test_lint_names_each_finding_as_file_and_line(fixture: Callable[..., Pipeline]) -> None:
    # Without the fixture's own .golangci.yml the default configuration applies: errcheck and misspell both run.
    p = fixture("lint-finding", exclude=[".golangci.yml"])
    with pytest.raises(PipelineError) as exc:
        await p.lint()
    assert exc.value.step == "lint"
    assert exc.value.cause.startswith("2 finding(s): errcheck 1, misspell 1 (config: default)")
    assert "main.go:18:16: Error return value of `json.Unmarshal` is not checked (errcheck)" in exc.value.details
    assert "main.go:11:" in exc.value.details
    sarif = json.loads(await (await p.lint_report()).sarif.contents())
    rules = {r["ruleId"] for r in sarif["runs"][0]["results"]}
    assert rules == {"errcheck", "misspell"}
    locations = [r["locations"][0]["physicalLocation"] for r in sarif["runs"][0]["results"]]
    assert {(loc["artifactLocation"]["uri"], loc["region"]["startLine"]) for loc in locations} == {
        ("main.go", 18),
        ("main.go", 11),
    }


async def test_lint_reads_the_repository_config(fixture: Callable[..., Pipeline]) -> None:
    # The fixture's .golangci.yml enables misspell alone: errcheck's finding is not reported.
    report = await fixture("lint-finding").lint_report()
    assert report.config == ".golangci.yml"
    assert not report.ok
    assert len(report.findings) == 1
    assert report.findings[0].startswith("main.go:11:")
    assert report.findings[0].endswith("(misspell)")
    assert "recieve" in report.findings[0]


async def test_golangci_lints_own_timeout_is_named_and_is_not_a_finding(go_image: str) -> None:
    """A repository's run.timeout too short for a cold cache (alertmanager's 5m on two cores) says so."""
    config = 'version: "2"\nrun:\n  timeout: 1ms\nlinters:\n  default: none\n  enable:\n    - misspell\n'
    src = source(FIXTURES / "lint-finding").with_new_file(".golangci.yml", config)
    with pytest.raises(PipelineError) as exc:
        await Pipeline(source=src, go_image=go_image).lint()
    assert exc.value.step == "lint"
    assert exc.value.cause.startswith("golangci-lint stopped at its own run.timeout (.golangci.yml) before it finished")
    assert "Timeout exceeded" in exc.value.details

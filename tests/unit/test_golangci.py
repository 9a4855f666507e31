"""golangci-lint's command line, default configuration and JSON report."""

import json
from typing import Any

import pytest
import yaml

from pipeline.golangci import DEFAULT_CONFIG, LintFinding, lint_argv, lint_findings, lint_summary

REPORT: dict[str, Any] = {
    "Issues": [
        {
            "FromLinter": "misspell",
            "Text": "`recieve` is a misspelling of `receive`",
            "Pos": {"Filename": "main.go", "Offset": 200, "Line": 11, "Column": 30},
        },
        {
            "FromLinter": "errcheck",
            "Text": "Error return value of `json.Unmarshal` is not checked",
            "Pos": {"Filename": "main.go", "Offset": 300, "Line": 18, "Column": 16},
        },
        {
            "FromLinter": "staticcheck",
            "Text": "SA4006: this value of `err` is never used ",
            "Pos": {"Filename": "internal/a/a.go", "Line": 3, "Column": 0},
        },
    ],
    "Report": {"Linters": []},
}


def test_findings_are_file_line_column_text_linter_in_file_order() -> None:
    found = lint_findings(json.dumps(REPORT) + "\n")
    assert [str(f) for f in found] == [
        "internal/a/a.go:3: SA4006: this value of `err` is never used (staticcheck)",
        "main.go:11:30: `recieve` is a misspelling of `receive` (misspell)",
        "main.go:18:16: Error return value of `json.Unmarshal` is not checked (errcheck)",
    ]


@pytest.mark.parametrize("text", ["", '{"Issues": [], "Report": {}}', '{"Issues": null}'])
def test_no_issues(text: str) -> None:
    assert lint_findings(text) == []


def test_summary_counts_per_linter_and_names_the_config() -> None:
    found = [LintFinding("a.go", 1, 1, "errcheck", "x"), LintFinding("b.go", 2, 1, "errcheck", "y")]
    found.append(LintFinding("c.go", 3, 1, "misspell", "z"))
    assert lint_summary(found, ".golangci.yml") == "3 finding(s): errcheck 2, misspell 1 (config: .golangci.yml)"
    assert lint_summary([], "default") == "no findings (config: default)"


def test_argv_writes_json_and_sarif_and_passes_tags() -> None:
    argv = lint_argv(["./..."], ("integration", "sqlite"), "/out/l.json", "/out/l.sarif")
    assert argv[:2] == ["golangci-lint", "run"]
    assert "--output.json.path=/out/l.json" in argv
    assert "--output.sarif.path=/out/l.sarif" in argv
    assert "--issues-exit-code=1" in argv
    assert "--build-tags=integration,sqlite" in argv
    assert argv[-1] == "./..."
    assert not any(a.startswith("--build-tags") for a in lint_argv(["./..."], (), "j", "s"))


def test_default_config_is_version_2_with_the_standard_set() -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    assert config["version"] == "2"
    assert config["linters"]["default"] == "standard"
    assert "std-error-handling" in config["linters"]["exclusions"]["presets"]

"""golangci-lint's command line, default configuration and JSON report."""

import json
from typing import Any

import pytest
import yaml

from pipeline import pins
from pipeline.go.builder_modfiles import parse_go_mod
from pipeline.go.lint_tool import (
    DEFAULT_CONFIG,
    LintFinding,
    LintTool,
    check_lint_version,
    choose_lint_tool,
    lint_argv,
    lint_findings,
    lint_image,
    lint_summary,
    reported_version,
)

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
    argv = lint_argv("golangci-lint", ["./..."], ("integration", "sqlite"), "/out/l.json", "/out/l.sarif")
    assert argv[:2] == ["golangci-lint", "run"]
    assert "--output.json.path=/out/l.json" in argv
    assert "--output.sarif.path=/out/l.sarif" in argv
    assert "--issues-exit-code=1" in argv
    assert "--build-tags=integration,sqlite" in argv
    assert argv[-1] == "./..."
    assert not any(a.startswith("--build-tags") for a in lint_argv("golangci-lint", ["./..."], (), "j", "s"))


def test_default_config_is_version_2_with_the_standard_set() -> None:
    config = yaml.safe_load(DEFAULT_CONFIG)
    assert config["version"] == "2"
    assert config["linters"]["default"] == "standard"
    assert "std-error-handling" in config["linters"]["exclusions"]["presets"]


TOOL_GO_MOD = """module example.com/svc

go 1.25.0

tool (
\tgithub.com/golangci/golangci-lint/v2/cmd/golangci-lint
\tgolang.org/x/tools/cmd/stringer
)

require github.com/google/uuid v1.6.0

require (
\tgithub.com/golangci/golangci-lint/v2 v2.11.4 // indirect
\tgolang.org/x/tools v0.38.0 // indirect
)
"""


def test_version_comes_from_the_go_mod_tool_directive() -> None:
    tool = choose_lint_tool(parse_go_mod(TOOL_GO_MOD), "", "")
    assert tool == LintTool("2.11.4", "golangci/golangci-lint:v2.11.4", "go.mod tool directive")
    assert str(tool) == "golangci-lint 2.11.4 (go.mod tool directive)"


def test_the_option_wins_over_go_mod_and_the_default() -> None:
    assert choose_lint_tool(parse_go_mod(TOOL_GO_MOD), "v2.12.0", "").version == "2.12.0"
    assert choose_lint_tool(parse_go_mod(TOOL_GO_MOD), "v2.12.0", "").origin == "--golangci-lint-version"


def test_default_when_go_mod_declares_no_such_tool() -> None:
    plain = parse_go_mod(
        "module m\ngo 1.26\ntool golang.org/x/tools/cmd/stringer\nrequire golang.org/x/tools v0.38.0\n"
    )
    tool = choose_lint_tool(plain, "", "")
    assert (tool.version, tool.origin) == (pins.GOLANGCI_LINT_VERSION, "the pipeline's default")
    assert tool.image == lint_image(pins.GOLANGCI_LINT_VERSION)


def test_a_full_image_is_used_as_given() -> None:
    tool = choose_lint_tool(parse_go_mod(TOOL_GO_MOD), "", "registry.local/lint:mine")
    assert tool.image == "registry.local/lint:mine"
    assert tool.origin == "go.mod tool directive; image registry.local/lint:mine"


def test_a_v1_tool_directive_counts_too() -> None:
    v1 = parse_go_mod(
        "module m\ngo 1.24\ntool github.com/golangci/golangci-lint/cmd/golangci-lint\n"
        "require github.com/golangci/golangci-lint v1.64.8\n"
    )
    assert choose_lint_tool(v1, "", "").version == "1.64.8"


def test_image_by_digest_where_pinned(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(pins.GOLANGCI_LINT_DIGESTS, "2.15.0", "sha256:" + "a" * 64)
    assert lint_image("2.15.0") == "golangci/golangci-lint:v2.15.0@sha256:" + "a" * 64
    assert lint_image("2.15.0", digest=False) == "golangci/golangci-lint:v2.15.0"
    assert lint_image("2.14.0") == "golangci/golangci-lint:v2.14.0"


@pytest.mark.parametrize("bad", ["latest", "2.15", "v2", "2.15.0; rm -rf /", ""])
def test_bad_versions_are_named(bad: str) -> None:
    with pytest.raises(ValueError, match=r"golangci-lint-version: .* is not a release"):
        check_lint_version(bad)


def test_reported_version_reads_the_binary_s_own_words() -> None:
    out = "golangci-lint has version 2.15.0 built with go1.26.8 from v2.15.0 on 1970-01-01T00:00:00Z\n"
    assert reported_version(out) == "2.15.0"
    assert reported_version("garbage") == ""


def test_summary_names_the_version() -> None:
    assert lint_summary([], "default", "2.15.0 (go.mod tool directive)") == (
        "no findings (config: default; golangci-lint 2.15.0 (go.mod tool directive))"
    )

import pytest

from pipeline import pins
from pipeline.core.errors import PipelineError
from pipeline.go.builder_modfiles import GoMod, check_go_version, parse_go_mod, parse_go_work


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "module example.com/hello\n\ngo 1.26.0\n\ntoolchain go1.26.8\n",
            GoMod("example.com/hello", "1.26.0", "1.26.8"),
        ),
        ("module example.com/hello\ngo 1.26\n", GoMod("example.com/hello", "1.26")),
        ('module "example.com/q"  // quoted\ngo 1.22.3 // comment\n', GoMod("example.com/q", "1.22.3")),
        ("module m\ngo 1.27rc1\n", GoMod("m", "1.27rc1")),
    ],
)
def test_parse_go_mod(text: str, expected: GoMod) -> None:
    assert parse_go_mod(text) == expected


@pytest.mark.parametrize(
    ("gomod", "version"),
    [(GoMod("m", "1.26.0", "1.26.8"), "1.26.8"), (GoMod("m", "1.26"), "1.26")],
)
def test_toolchain_line_wins(gomod: GoMod, version: str) -> None:
    assert gomod.go_version == version


@pytest.mark.parametrize(
    ("module", "name"),
    [("example.com/hello", "hello"), ("example.com/hello/v2", "hello"), ("hello", "hello"), ("a/b/c", "c")],
)
def test_name(module: str, name: str) -> None:
    assert GoMod(module, "1.26").name == name


def test_a_missing_module_line_is_named() -> None:
    with pytest.raises(PipelineError, match="module line"):
        parse_go_mod("go 1.26\n")


def test_no_go_line_builds_with_this_releases_go() -> None:
    # github.com/google/uuid v1.6.0's go.mod is one line: `module github.com/google/uuid`.
    assert parse_go_mod("module github.com/google/uuid\n").go_version == pins.DEFAULT_GO_VERSION
    assert parse_go_work("use ./a\n").go_version == pins.DEFAULT_GO_VERSION


@pytest.mark.parametrize(("given", "ok"), [("1.26", "1.26"), ("go1.26.8", "1.26.8"), ("1.27rc2", "1.27rc2")])
def test_check_go_version_accepts(given: str, ok: str) -> None:
    assert check_go_version(given) == ok


@pytest.mark.parametrize("bad", ["latest", "1", "1.26.x", "", "1.26; rm -rf /"])
def test_check_go_version_rejects(bad: str) -> None:
    with pytest.raises(ValueError, match="go-version"):
        check_go_version(bad)


def test_parse_go_work_single_and_block_use_lines() -> None:
    text = 'go 1.26.0\ntoolchain go1.26.8\n\nuse ./svc\nuse (\n\t./lib\n\t"./tools"\n)\n'
    work = parse_go_work(text)
    assert work.uses == ("svc", "lib", "tools")
    assert work.go_version == "1.26.8"
    assert work.module == "svc"


def test_go_work_without_modules_is_named() -> None:
    with pytest.raises(PipelineError, match="no use line"):
        parse_go_work("go 1.26\n")


def test_tool_and_require_directives_single_and_blocks() -> None:
    mod = parse_go_mod(
        "module m\ngo 1.24\ntool example.com/a/cmd/a\ntool (\n\texample.com/b/v2/cmd/b // comment\n)\n"
        "require example.com/a v1.0.0\nrequire (\n\texample.com/b/v2 v2.3.4 // indirect\n\texample.com/b v0.1.0\n)\n"
    )
    assert mod.tools == ("example.com/a/cmd/a", "example.com/b/v2/cmd/b")
    assert mod.tool_version(("example.com/b/v2/cmd/b",)) == "v2.3.4"  # the longest owning module
    assert mod.tool_version(("example.com/a/cmd/a",)) == "v1.0.0"
    assert mod.tool_version(("example.com/c/cmd/c",)) is None  # not a tool here

"""Which test files a build tag adds, from `go list` with and without it."""

from pipeline.go.integration_files import list_argv, listed_test_files, tagged_test_files

WITHOUT = """\
example.com/svc\tmain_test.go
example.com/svc/store\tstore_test.go export_test.go
example.com/svc/cmd/tool\t
"""
WITH = """\
example.com/svc\tmain_test.go api_integration_test.go
example.com/svc/store\tstore_test.go export_test.go store_integration_test.go
example.com/svc/cmd/tool\t
example.com/svc/e2e\t e2e_test.go
"""


def test_files_only_the_tag_builds_by_package() -> None:
    assert tagged_test_files(WITH, WITHOUT) == {
        "example.com/svc": ["api_integration_test.go"],
        "example.com/svc/e2e": ["e2e_test.go"],
        "example.com/svc/store": ["store_integration_test.go"],
    }


def test_a_tag_that_changes_nothing_gives_nothing() -> None:
    assert tagged_test_files(WITHOUT, WITHOUT) == {}
    assert tagged_test_files("", "") == {}


def test_listing_lines_without_a_tab_are_ignored() -> None:
    assert listed_test_files("go: warning: something\nexample.com/a\ta_test.go\n") == {"example.com/a": {"a_test.go"}}


def test_list_argv_adds_the_tags() -> None:
    assert list_argv(["./..."], ())[:3] == ["go", "list", "-e"]
    argv = list_argv(["./a/...", "./b/..."], ("netgo", "integration"))
    assert argv[3:5] == ["-tags", "netgo,integration"]
    assert argv[-2:] == ["./a/...", "./b/..."]

"""Which test files a build tag adds to each package, from two `go list` listings (pure logic).

Integration tests are test files behind a build constraint (``//go:build integration``). Go is the judge of
constraints: `go list` with and without the tag lists each package's test files, and the files only the tagged
listing has are the integration tests. The step runs the packages that have some, and says so when none has.
"""

from typing import Final

#: One line per package: the import path, a tab, then its test files (internal and external) separated by spaces.
TEST_FILES: Final = '{{.ImportPath}}\t{{join .TestGoFiles " "}} {{join .XTestGoFiles " "}}'


def list_argv(patterns: list[str], tags: tuple[str, ...]) -> list[str]:
    """Return the `go list` command that prints TEST_FILES for the patterns under the given tags."""
    tag_args = ["-tags", ",".join(tags)] if tags else []
    return ["go", "list", "-e", *tag_args, "-f", TEST_FILES, *patterns]


def listed_test_files(listing: str) -> dict[str, set[str]]:
    """Parse a TEST_FILES listing: package import path -> its test file names."""
    out: dict[str, set[str]] = {}
    for line in listing.splitlines():
        pkg, sep, files = line.partition("\t")
        if sep and pkg.strip():
            out[pkg.strip()] = set(files.split())
    return out


def tagged_test_files(with_tag: str, without_tag: str) -> dict[str, list[str]]:
    """Return, per package, the test files that build only with the tag (sorted; packages without any left out)."""
    base = listed_test_files(without_tag)
    added = {pkg: sorted(files - base.get(pkg, set())) for pkg, files in listed_test_files(with_tag).items()}
    return {pkg: files for pkg, files in sorted(added.items()) if files}

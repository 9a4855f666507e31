"""The travelling cache's manifest: its key, and which found caches may seed a run."""

import pytest

from pipeline.ci.cache_manifest import CacheManifest, describe, gosum_digest, parse_manifest, unusable

WANT = CacheManifest(
    go_version="1.26.8", platform="linux/amd64", gosum=gosum_digest("a h1:x\n"), tools={"golangci-lint": "2.15.0"}
)


def test_key_names_go_version_and_platform_and_digests_the_rest() -> None:
    assert WANT.line() == "go1.26.8-linux-amd64"
    assert WANT.key().startswith("go1.26.8-linux-amd64-")
    assert len(WANT.key().rsplit("-", 1)[1]) == 16
    other = CacheManifest("1.26.8", "linux/amd64", gosum_digest("b h1:y\n"), {"golangci-lint": "2.15.0"})
    assert other.key() != WANT.key()
    assert other.line() == WANT.line()


def test_manifest_round_trips() -> None:
    assert parse_manifest(WANT.to_json()) == WANT


@pytest.mark.parametrize("text", ["", "{", "[]", '{"go_version": "1.26.8"}', '{"go_version":"1","format":"x"}'])
def test_unreadable_manifests_are_none(text: str) -> None:
    assert parse_manifest(text) is None


@pytest.mark.parametrize(
    ("found", "reason"),
    [
        (WANT, ""),
        (CacheManifest("1.26.8", "linux/amd64"), ""),  # go.sum and tools differ: fewer hits, never a wrong verdict
        (CacheManifest("1.25.0", "linux/amd64"), "it was made with Go 1.25.0; this run uses Go 1.26.8"),
        (CacheManifest("1.26.8", "linux/arm64"), "it was made on linux/arm64; this engine is linux/amd64"),
        (None, "it has no manifest.json this release can read (not a cache that ci or cache-push wrote)"),
        (
            parse_manifest('{"go_version": "1.26.8", "platform": "linux/amd64", "format": 1}'),  # a plain tar's
            "it is in cache format 1, from another release; this release reads format 2",
        ),
    ],
)
def test_which_caches_may_seed_a_run(found: CacheManifest | None, reason: str) -> None:
    assert unusable(found, WANT) == reason


def test_describe_says_what_differs() -> None:
    assert describe(WANT, WANT) == "an exact match"
    stale = CacheManifest("1.26.8", "linux/amd64", gosum_digest("old"), {"golangci-lint": "2.14.0"})
    assert describe(stale, WANT) == "go.sum changed since; golangci-lint version differs"

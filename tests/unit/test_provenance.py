import base64
import json

import pytest

from pipeline.release.attest_provenance import (
    BUILD_TYPE,
    BuildFacts,
    ImageRef,
    Module,
    gosum_modules,
    index_manifests,
    parse_ref,
    predicate,
)

DIGEST = "sha256:" + "ab" * 32
H1 = base64.b64encode(bytes(range(32))).decode()


@pytest.mark.parametrize(
    ("ref", "expected"),
    [
        (f"ghcr.io/acme/hello:1.2.3@{DIGEST}", ImageRef("ghcr.io/acme/hello", "1.2.3", DIGEST)),
        (f"127.0.0.1:5001/acme/hello@{DIGEST}", ImageRef("127.0.0.1:5001/acme/hello", "", DIGEST)),
        ("127.0.0.1:5001/acme/hello:latest", ImageRef("127.0.0.1:5001/acme/hello", "latest", "")),
    ],
)
def test_references(ref: str, expected: ImageRef) -> None:
    assert parse_ref(ref, "sign") == expected
    assert str(parse_ref(ref, "sign")) == ref


@pytest.mark.parametrize(
    ("ref", "message"),
    [
        ("ghcr.io/acme/hello", "names no tag or digest"),
        ("127.0.0.1:5001/acme/hello", "names no tag or digest"),
        ("ghcr.io/acme/hello@sha256:12", "is not a sha256 digest"),
    ],
)
def test_bad_references(ref: str, message: str) -> None:
    with pytest.raises(ValueError, match=f"^sign: .*{message}"):
        parse_ref(ref, "sign")


def test_index_platforms_leave_attestation_manifests_out() -> None:
    index = {
        "manifests": [
            {"digest": "sha256:a", "platform": {"os": "linux", "architecture": "amd64"}},
            {"digest": "sha256:b", "platform": {"os": "linux", "architecture": "arm", "variant": "v7"}},
            {"digest": "sha256:c", "platform": {"os": "unknown", "architecture": "unknown"}},
        ]
    }
    assert [(m.platform, m.digest) for m in index_manifests(json.dumps(index))] == [
        ("linux/amd64", "sha256:a"),
        ("linux/arm/v7", "sha256:b"),
    ]
    assert index_manifests(json.dumps({"config": {}, "layers": []})) == []
    with pytest.raises(ValueError, match="neither"):
        index_manifests("{}")


def test_gosum_modules_skip_go_mod_lines_and_keep_content_hashes() -> None:
    text = f"a.example/x v1.0.0 h1:{H1}\na.example/x v1.0.0/go.mod h1:{H1}\nb.example/y v0.1.0/go.mod h1:{H1}\n"
    (mod,) = gosum_modules(text)
    assert mod == Module("a.example/x", "v1.0.0", H1)
    assert mod.descriptor() == {
        "uri": "pkg:golang/a.example/x@v1.0.0",
        "digest": {"dirHash": bytes(range(32)).hex()},
        "name": "a.example/x",
    }


def test_predicate_names_source_builder_base_and_modules() -> None:
    facts = BuildFacts(
        builder_id="https://ci.example/run/7",
        source_uri="git+https://example.com/acme/hello",
        commit="c" * 40,
        version="v1.2.3",
        platforms=["linux/amd64"],
        parameters={"tags": ["netgo"]},
        go_build=["go", "build", "-trimpath"],
        go_version="1.26.8",
        builder_image=f"golang:1.26.8-bookworm@{DIGEST}",
        base_image=f"gcr.io/distroless/static@{DIGEST}",
        modules=[Module("a.example/x", "v1.0.0", H1)],
    )
    p = predicate(facts)
    definition = p["buildDefinition"]
    assert definition["buildType"] == BUILD_TYPE
    assert definition["externalParameters"]["source"] == {
        "uri": "git+https://example.com/acme/hello",
        "commit": "c" * 40,
    }
    assert definition["externalParameters"]["tags"] == ["netgo"]
    assert definition["internalParameters"]["goBuild"] == ["go", "build", "-trimpath"]
    names = [d["name"] for d in definition["resolvedDependencies"]]
    assert names == ["source", "builder-image", "base-image", "a.example/x"]
    assert definition["resolvedDependencies"][1] == {
        "uri": "oci://golang:1.26.8-bookworm",
        "name": "builder-image",
        "digest": {"sha256": "ab" * 32},
    }
    assert p["runDetails"]["builder"]["id"] == "https://ci.example/run/7"
    scratch = predicate(BuildFacts(version="dev", platforms=[]))
    assert scratch["buildDefinition"]["internalParameters"]["baseImage"].startswith("scratch")
    assert scratch["buildDefinition"]["resolvedDependencies"] == []

import pytest

from pipeline.release.publish_tags import check_address, fan_out, parse_version, registry_host


@pytest.mark.parametrize(
    ("version", "latest", "commit", "tags"),
    [
        ("v1.2.3", False, "", ["1.2.3", "1.2", "1"]),
        ("1.2.3", True, "", ["1.2.3", "1.2", "1", "latest"]),
        ("v1.2.3", True, "0123456789abcdef0123456789abcdef01234567", ["1.2.3", "1.2", "1", "latest", "0123456"]),
        ("v2.0.0-rc.1", False, "", ["2.0.0-rc.1"]),
        ("v2.0.0-rc.1", False, "abcdef1", ["2.0.0-rc.1", "abcdef1"]),
        ("v1.0.0+build.7", False, "", ["1.0.0_build.7"]),
        ("v0.1.0", False, "", ["0.1.0", "0.1", "0"]),
    ],
)
def test_fan_out(version: str, latest: bool, commit: str, tags: list[str]) -> None:
    assert fan_out(version, latest=latest, commit=commit) == tags


@pytest.mark.parametrize("bad", ["1.2", "v1", "latest", "v1.2.3.4", "", "v01.2.3"])
def test_invalid_versions_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="not semver"):
        parse_version(bad)


@pytest.mark.parametrize("bad", ["XYZ", "zzzzzzz", "12345"])
def test_invalid_commits_are_rejected(bad: str) -> None:
    with pytest.raises(ValueError, match="not a git sha"):
        fan_out("v1.0.0", commit=bad)


@pytest.mark.parametrize(
    "address",
    ["ghcr.io/acme/hello", "127.0.0.1:5001/hello", "registry.gitlab.com/g/sub/p", "hello", "localhost:5000/a/b"],
)
def test_valid_addresses(address: str) -> None:
    assert check_address(address, "publish --address") == address


@pytest.mark.parametrize(
    ("address", "why"),
    [
        ("ghcr.io/acme/hello:v1", "must not carry a tag"),
        ("ghcr.io/acme/hello@sha256:abc", "must not carry a tag"),
        ("ghcr.io/Acme/hello", "not a valid image repository"),
        ("ghcr.io/acme/hello/", "not a valid image repository"),
        ("", "not a valid image repository"),
        ("https://ghcr.io/acme/hello", "not a valid image repository"),
    ],
)
def test_invalid_addresses(address: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        check_address(address, "publish --address")


def test_an_invalid_address_names_the_input_it_came_in() -> None:
    with pytest.raises(ValueError, match=r"^publish --address: 'x y' is not"):
        check_address("x y", "publish --address")
    with pytest.raises(ValueError, match=r"^--cache-image: 'ghcr.io/a/c:v1' must not carry a tag or digest"):
        check_address("ghcr.io/a/c:v1", "--cache-image")


@pytest.mark.parametrize(
    ("address", "host"),
    [("ghcr.io/acme/hello", "ghcr.io"), ("127.0.0.1:5001/x/y", "127.0.0.1:5001"), ("acme/hello", "docker.io")],
)
def test_registry_host(address: str, host: str) -> None:
    assert registry_host(address) == host

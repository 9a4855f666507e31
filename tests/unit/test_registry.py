import pytest

from pipeline.release.registry import LOGIN, Access, is_loopback, login_argv


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1:5001", True),
        ("127.0.0.2", True),
        ("localhost:5000", True),
        ("localhost", True),
        ("[::1]:5000", True),
        ("ghcr.io", False),
        ("registry.example:5000", False),
        ("10.0.0.1:5000", False),
    ],
)
def test_loopback_registries(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback


def test_references_are_rewritten_both_ways() -> None:
    access = Access(host="127.0.0.1:5001", inside="loopback-registry:5001")
    assert access.inside_ref("127.0.0.1:5001/acme/hello@sha256:1") == "loopback-registry:5001/acme/hello@sha256:1"
    assert access.outside_ref("loopback-registry:5001/acme/hello") == "127.0.0.1:5001/acme/hello"
    assert access.inside_ref("ghcr.io/acme/hello") == "ghcr.io/acme/hello"
    assert not access.plain_http


def test_the_login_wrapper_holds_no_credentials() -> None:
    argv = login_argv(["cosign", "sign", "x"])
    assert argv[:2] == ["sh", "-c"]
    assert argv[-3:] == ["cosign", "sign", "x"]
    # Credentials arrive as variables at run time (the password a secret one); the script is constant text.
    assert "$PIPELINE_REGISTRY_PASSWORD" in LOGIN
    assert "auths" in LOGIN

"""How publish reads the registry's answer to its access probe (pure logic, no engine)."""

import pytest

from pipeline.release.publish import classify_probe_error

ADDRESS = "127.0.0.1:5001/team/hello-d4018102"
TAG = "pipeline-access-check-0a4031de9f00"


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        (f"failed to resolve source metadata for {ADDRESS}:{TAG}: {ADDRESS}:{TAG}: not found", "absent"),
        (
            f"GET https://127.0.0.1:5001/v2/team/hello-d4018102/manifests/{TAG}: MANIFEST_UNKNOWN: manifest unknown",
            "absent",
        ),
        (f"pull {ADDRESS}:{TAG}: unexpected status from HEAD request: 401 Unauthorized", "refused"),
        (f"{ADDRESS}:{TAG}: failed to authorize: 403 Forbidden", "refused"),
        (f"pull access denied for {ADDRESS}", "refused"),
        (f"dial tcp 127.0.0.1:5001: connect: connection refused ({ADDRESS}:{TAG})", "other"),
    ],
)
def test_registry_words_decide(text: str, verdict: str) -> None:
    assert classify_probe_error(text, ADDRESS, TAG) == verdict


def test_digits_of_the_address_are_not_a_status_code() -> None:
    """hello-d4018102 holds "401" and the tag holds "403": neither is the registry refusing anything."""
    text = f"GET https://127.0.0.1:5001/v2/team/hello-d4018102/manifests/{TAG}: 404 not found"
    assert classify_probe_error(text, ADDRESS, TAG) == "absent"


def test_a_repository_named_denied_is_not_a_refusal() -> None:
    address = "registry.example/denied/forbidden"
    text = f"{address}:{TAG}: not found"
    assert classify_probe_error(text, address, TAG) == "absent"

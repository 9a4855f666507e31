from typing import Any

import pytest
import yaml

from pipeline.release.chart_publish_values import pin_image, rendered_images
from tests.conftest import ROOT

DIGEST = "sha256:" + "0f" * 32


def test_the_charts_values_keep_their_comments() -> None:
    text = (ROOT / "deploy" / "helm" / "hello" / "values.yaml").read_text()
    pinned = pin_image(text, "127.0.0.1:5001/acme/hello", DIGEST)
    assert yaml.safe_load(pinned)["image"] == {
        "repository": "127.0.0.1:5001/acme/hello",
        "tag": "",
        "digest": DIGEST,
        "pullPolicy": "IfNotPresent",
    }
    assert pinned.count("#") == text.count("#")
    assert len(pinned.splitlines()) == len(text.splitlines())


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ("image:\n  repository: a\nreplicas: 1\n", {"image": {"repository": "r", "digest": DIGEST}, "replicas": 1}),
        ("image:\n    pullPolicy: Always\n", {"image": {"pullPolicy": "Always", "repository": "r", "digest": DIGEST}}),
    ],
    ids=["missing-digest", "other-indent"],
)
def test_missing_keys_are_added(values: str, expected: dict[str, object]) -> None:
    assert yaml.safe_load(pin_image(values, "r", DIGEST)) == expected


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ("replicas: 1\n", "no top-level `image:` block"),
        ("image: ghcr.io/acme/hello\n", "no top-level `image:` block"),
        ("image: {repository: a}\n", "no top-level `image:` block"),
    ],
)
def test_charts_that_cannot_be_pinned_are_refused(values: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        pin_image(values, "r", DIGEST)


def test_rendered_images_walk_every_workload() -> None:
    pod: dict[str, Any] = {"containers": [{"image": "a@sha256:1"}], "initContainers": [{"image": "b"}]}
    manifests: list[dict[str, Any]] = [
        {"kind": "Deployment", "spec": {"template": {"spec": pod}}},
        {"kind": "Service", "spec": {}},
    ]
    assert rendered_images(manifests) == ["a@sha256:1", "b"]

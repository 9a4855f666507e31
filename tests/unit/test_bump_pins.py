"""scripts/bump-pins.py rewrites every pinned digest of pins.py (resolved here by a table, not a registry)."""

import runpy
from typing import TYPE_CHECKING, cast

from tests.conftest import ROOT

if TYPE_CHECKING:
    from collections.abc import Callable

SCRIPT = runpy.run_path(str(ROOT / "scripts" / "bump-pins.py"))
bump = cast("Callable[[str, dict[str, str], Callable[[str], str]], tuple[str, list[str]]]", SCRIPT["bump"])
PINS = (ROOT / "pipeline" / "pins.py").read_text()
VALUES = {k: str(v) for k, v in runpy.run_path(str(ROOT / "pipeline" / "pins.py")).items() if k.isupper()}


def test_every_pinned_image_is_asked_for_and_rewritten() -> None:
    asked: list[str] = []

    def resolve(ref: str) -> str:
        asked.append(ref)
        return "f" * 64

    new, changes = bump(PINS, VALUES, resolve)
    assert sorted(asked) == ["aquasec/trivy:0.74.0", "golang:1.26.8-bookworm"]
    assert len(changes) == 2
    assert new.count("sha256:" + "f" * 64) == 2
    assert new.replace("f" * 64, "") != PINS.replace("f" * 64, "")


def test_current_pins_change_nothing() -> None:
    current = {"aquasec/trivy:0.74.0": VALUES["TRIVY_IMAGE"].rsplit(":", 1)[1]}
    go = runpy.run_path(str(ROOT / "pipeline" / "pins.py"))["GO_IMAGE_DIGESTS"]
    current["golang:1.26.8-bookworm"] = go["1.26.8"].removeprefix("sha256:")
    new, changes = bump(PINS, VALUES, current.__getitem__)
    assert (new, changes) == (PINS, [])

"""Pin a chart's image to a digest in its values.yaml, keeping the file's comments and layout (pure logic).

`publish-chart` packages the chart with `image.repository` and `image.digest` set to what `publish` returned, so
the chart deploys exactly the image it was released with. The edit is textual (a YAML round trip would drop the
comments users read in `helm show values`); afterwards the file is parsed and must equal the original with only
those two values changed.
"""

import re
from typing import Any, Final, cast

import yaml

from pipeline.core.errors import UsageError

_TOP: Final = re.compile(r"^(?P<key>[A-Za-z0-9_-]+):\s*(?:#.*)?$")
_CHILD: Final = re.compile(r"^(?P<indent>\s+)(?P<key>[A-Za-z0-9_-]+):(?P<rest>.*)$")


def _load(text: str, what: str) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(text)
    except yaml.YAMLError as e:
        msg = f"{what} is not valid YAML: {e}"
        raise UsageError(msg) from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        msg = f"{what} is not a mapping of values"
        raise UsageError(msg)
    return cast("dict[str, Any]", doc)


def pin_image(values: str, repository: str, digest: str, key: str = "image") -> str:
    """Return values.yaml text with <key>.repository and <key>.digest set; raise UsageError when it cannot be done."""
    lines = values.splitlines()
    start = next((i for i, ln in enumerate(lines) if (m := _TOP.match(ln)) and m["key"] == key), None)
    if start is None:
        msg = (
            f"values.yaml has no top-level `{key}:` block; the chart must read {key}.repository and {key}.digest "
            "(as deploy/helm/hello does) so it can be pinned to the published digest"
        )
        raise UsageError(msg)
    end = start + 1
    while end < len(lines) and (not lines[end].strip() or lines[end][0] in " \t#"):
        end += 1
    block = lines[start + 1 : end]
    indent = next((m["indent"] for ln in block if (m := _CHILD.match(ln))), "  ")
    wanted = {"repository": repository, "digest": digest}
    for i, ln in enumerate(block):
        m = _CHILD.match(ln)
        if m and m["indent"] == indent and m["key"] in wanted:
            block[i] = f'{indent}{m["key"]}: "{wanted.pop(m["key"])}"'
    # Keys the block lacks go after its last entry (before trailing blank lines and comments).
    last = max((i for i, ln in enumerate(block) if _CHILD.match(ln)), default=-1)
    block[last + 1 : last + 1] = [f'{indent}{k}: "{v}"' for k, v in wanted.items()]
    out = "\n".join([*lines[: start + 1], *block, *lines[end:]]) + "\n"

    before, after = _load(values, "values.yaml"), _load(out, "the pinned values.yaml")
    image = after.get(key)
    if not isinstance(image, dict) or cast("dict[str, Any]", image).get("repository") != repository:
        msg = f"values.yaml: could not set {key}.repository (is `{key}:` a mapping?)"
        raise UsageError(msg)
    expected = {
        **before,
        key: {**cast("dict[str, Any]", before.get(key) or {}), "repository": repository, "digest": digest},
    }
    if after != expected:
        msg = f"values.yaml: pinning {key}.repository and {key}.digest changed other values; edit the file by hand"
        raise UsageError(msg)
    return out


def rendered_images(manifests: list[dict[str, Any]]) -> list[str]:
    """Every container image a set of rendered manifests runs (containers and init containers)."""
    images: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            obj = cast("dict[str, Any]", node)
            for k, v in obj.items():
                if k in {"containers", "initContainers"} and isinstance(v, list):
                    images.extend(str(c.get("image", "")) for c in cast("list[dict[str, Any]]", v))
                else:
                    walk(v)
        elif isinstance(node, list):
            for item in cast("list[object]", node):
                walk(item)

    walk(manifests)
    return images

"""Kubernetes JSON schemas for kubeconform, offline: kubernetes-validate's bundled schemas made standalone.

The pipeline's chart check takes kubeconform's own layout (``v1.35.0-standalone-strict/<kind>.json``, each schema
self-contained). This test harness has no network, so it builds that layout from the schemas the
kubernetes-validate package bundles, which share one ``_definitions.json``.
"""

import json
from collections.abc import Iterator, Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any, Final, cast

from pipeline.chartpolicy import schema_file, strict_dir

#: The JSON schemas bundled by the kubernetes-validate package: v<version>-local-strict/<kind>-<group>-<version>.json.
BUNDLED: Final = Path(str(files("kubernetes_validate") / "kubernetes-json-schema"))
#: kubernetes-validate's per-kind schemas point here for shared definitions.
SHARED_DEFS_REF: Final = "/api/_definitions.json#/$defs/"
_LOCAL_DEFS_REF: Final = "#/$defs/"


def write_standalone(out: Path, kube_version: str, types: list[tuple[str, str]]) -> Path:
    """Write kubeconform's layout for the given (apiVersion, kind) pairs under out; return out."""
    local = BUNDLED / f"v{kube_version}-local-strict"
    definitions = json.loads((local / "_definitions.json").read_text())
    target = out / strict_dir(kube_version)
    target.mkdir(parents=True, exist_ok=True)
    for api_version, kind in types:
        name = schema_file(api_version, kind)
        if (local / name).exists():
            schema = json.loads((local / name).read_text())
            (target / name).write_text(json.dumps(standalone_schema(schema, definitions)))
    return out


def standalone_schema(schema: Mapping[str, Any], definitions: Mapping[str, Any]) -> dict[str, Any]:
    """Make a kubernetes-validate schema self-contained, as kubeconform's standalone schemas are.

    kubernetes-validate keeps shared definitions in ``_definitions.json`` and points at them with
    ``/api/_definitions.json#/$defs/<name>`` under an https ``$id``, which kubeconform would try to
    download. This copies the definitions the schema reaches into its own ``$defs``, makes the references
    local and drops ``$id``.
    """
    shared = cast("dict[str, Any]", definitions.get("$defs", {}))
    own = _rewrite_refs({k: v for k, v in schema.items() if k != "$id"})
    wanted = list(_refs(own))
    defs: dict[str, Any] = {}
    while wanted:
        name = wanted.pop()
        if name in defs:
            continue
        if name not in shared:
            msg = f"schema refers to {name!r}, which _definitions.json does not define"
            raise ValueError(msg)
        defs[name] = shared[name]
        wanted += _refs(defs[name])
    return {**own, "$defs": dict(sorted(defs.items()))}


def _rewrite_refs(node: Any) -> Any:
    if isinstance(node, dict):
        out: dict[str, Any] = {}
        for k, v in cast("dict[str, Any]", node).items():
            if k == "$ref" and isinstance(v, str) and v.startswith(SHARED_DEFS_REF):
                out[k] = _LOCAL_DEFS_REF + v.removeprefix(SHARED_DEFS_REF)
            else:
                out[k] = _rewrite_refs(v)
        return out
    if isinstance(node, list):
        return [_rewrite_refs(v) for v in cast("list[Any]", node)]
    return node


def _refs(node: Any) -> Iterator[str]:
    """Yield the names of local ``#/$defs/<name>`` references anywhere in node."""
    if isinstance(node, dict):
        for k, v in cast("dict[str, Any]", node).items():
            if k == "$ref" and isinstance(v, str) and v.startswith(_LOCAL_DEFS_REF):
                yield v.removeprefix(_LOCAL_DEFS_REF)
            else:
                yield from _refs(v)
    elif isinstance(node, list):
        for v in cast("list[Any]", node):
            yield from _refs(v)

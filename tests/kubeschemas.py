"""Kubernetes JSON schemas for kubeconform, offline: kubernetes-validate's bundled schemas made standalone.

The pipeline's chart check takes kubeconform's own layout (``v1.35.0-standalone-strict/<kind>.json``, each schema
self-contained). This test harness has no network, so it builds that layout from the schemas the
kubernetes-validate package bundles, which share one ``_definitions.json``. Custom resources' schemas come from
CRD manifests (``<group>/<kind>_<version>.json``, as openapi2jsonschema writes them).
"""

import json
from collections.abc import Iterator, Mapping
from importlib.resources import files
from pathlib import Path
from typing import Any, Final, cast

import yaml

from pipeline.chart.check_policy import crd_schema_file, schema_file, strict_dir

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


def write_crd_schemas(out: Path, crds: list[Path]) -> Path:
    """Write each served version of each CRD manifest as a strict JSON schema under out; return out."""
    for path in crds:
        crd = yaml.safe_load(path.read_text())
        spec = crd["spec"]
        for version in spec["versions"]:
            if not version.get("served", True):
                continue
            target = out / crd_schema_file(f"{spec['group']}/{version['name']}", spec["names"]["kind"])
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(crd_json_schema(version["schema"]["openAPIV3Schema"])))
    return out


def crd_json_schema(node: Any) -> Any:
    """Turn a CRD's structural OpenAPI v3 schema into a strict JSON schema.

    Objects with properties refuse others unless ``x-kubernetes-preserve-unknown-fields`` says otherwise (what the
    API server's strict field validation does); ``x-kubernetes-*`` extensions are dropped, int-or-string becomes
    ``anyOf`` integer or string.
    """
    if isinstance(node, list):
        return [crd_json_schema(v) for v in cast("list[Any]", node)]
    if not isinstance(node, dict):
        return node
    schema = cast("dict[str, Any]", node)
    out = {k: crd_json_schema(v) for k, v in schema.items() if not k.startswith("x-kubernetes-")}
    if schema.get("x-kubernetes-int-or-string") and "anyOf" not in out:
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out

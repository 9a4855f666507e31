from typing import Any

import pytest

from tests.kubeschemas import crd_json_schema, standalone_schema


def test_standalone_schema_inlines_reachable_definitions_only() -> None:
    schema = {
        "$id": "https://kubernetes.io/api/thing/v1",
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "properties": {
            "spec": {"$ref": "/api/_definitions.json#/$defs/Spec"},
            "items": {"items": [{"$ref": "/api/_definitions.json#/$defs/Leaf"}]},
        },
    }
    definitions = {
        "$defs": {
            "Spec": {"properties": {"a": {"$ref": "#/$defs/Leaf"}, "b": {"$ref": "#/$defs/Spec"}}},
            "Leaf": {"type": "string"},
            "Unused": {"type": "integer"},
        }
    }
    assert standalone_schema(schema, definitions) == {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "properties": {
            "spec": {"$ref": "#/$defs/Spec"},
            "items": {"items": [{"$ref": "#/$defs/Leaf"}]},
        },
        "$defs": {"Leaf": {"type": "string"}, "Spec": definitions["$defs"]["Spec"]},
    }


def test_standalone_schema_names_a_missing_definition() -> None:
    with pytest.raises(ValueError, match="'Nope'"):
        standalone_schema({"$ref": "/api/_definitions.json#/$defs/Nope"}, {"$defs": {}})


def test_crd_schema_is_strict_where_the_crd_is() -> None:
    crd: dict[str, Any] = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "required": ["port"],
                "properties": {
                    "port": {"x-kubernetes-int-or-string": True},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "extra": {"type": "object", "x-kubernetes-preserve-unknown-fields": True, "properties": {}},
                },
                "x-kubernetes-validations": [{"rule": "true"}],
            },
            "metadata": {"type": "object"},
        },
    }
    assert crd_json_schema(crd) == {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "spec": {
                "type": "object",
                "additionalProperties": False,
                "required": ["port"],
                "properties": {
                    "port": {"anyOf": [{"type": "integer"}, {"type": "string"}]},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "extra": {"type": "object", "properties": {}},
                },
            },
            "metadata": {"type": "object"},
        },
    }

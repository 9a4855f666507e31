import pytest

from tests.kubeschemas import standalone_schema


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

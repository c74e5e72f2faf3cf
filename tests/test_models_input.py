"""The models' input (generator.emit.models_input): written from the schema model's nodes, classes named once."""

from __future__ import annotations

import keyword
from typing import Any

from generator.emit.models_input import NAMES_KEY, NUMBER, RUNTIME, for_models
from generator.schema import build


def _openapi(schemas: dict[str, Any], paths: dict[str, Any] | None = None, version: str = "3.1.0") -> dict[str, Any]:
    return {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "paths": paths or {},
        "components": {"schemas": schemas},
    }


def _input(spec: dict[str, Any], kind: str = "openapi", root_class: str = "") -> dict[str, Any]:
    model, problems = build(spec, kind, "t", root_class)
    assert problems == []
    return for_models(model)


def _schemas(spec: dict[str, Any]) -> dict[str, Any]:
    """The models' input schemas of an OpenAPI ``spec`` (or of its ``components/schemas`` alone)."""
    found: dict[str, Any] = _input(spec if "openapi" in spec else _openapi(spec))["components"]["schemas"]
    return found


def test_a_nested_allof_is_one_object_and_an_unmergeable_one_names_classes() -> None:
    schemas = _schemas(
        {
            "base-thing": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]},
            "Named": {
                "allOf": [
                    {"$ref": "#/components/schemas/base-thing"},
                    {"allOf": [{"type": "object", "properties": {"name": {"type": "string"}}}]},
                ]
            },
            "Closed": {"allOf": [{"$ref": "#/components/schemas/base-thing"}, {"additionalProperties": False}]},
        }
    )
    assert list(schemas) == ["BaseThing", "Named", "Closed"]
    assert schemas["Named"] == {
        "type": "object",
        "properties": {"id": {"type": "string"}, "name": {"type": "string"}},
        "required": ["id"],
    }
    assert schemas["Closed"]["allOf"][0] == {"$ref": "#/components/schemas/BaseThing"}


def test_a_nullable_inline_enum_is_a_class_beside_null() -> None:
    spec = _openapi(
        {
            "Job": {
                "type": "object",
                "properties": {"state": {"enum": ["on", "off", None], "description": "d", "default": "on"}},
            }
        }
    )
    schemas = _schemas(spec)
    assert schemas["Job"]["properties"]["state"] == {
        "description": "d",
        "anyOf": [{"$ref": "#/components/schemas/JobState"}, {"type": "null"}],
    }
    assert schemas["JobState"] == {"type": "string", "enum": ["on", "off"]}


def test_a_named_nullable_enum_keeps_its_values_in_a_class_of_their_own() -> None:
    schemas = _schemas({"Level": {"type": ["string", "null"], "enum": ["low", "high"], "description": "d"}})
    assert list(schemas) == ["Level", "LevelInline"]
    assert schemas["Level"] == {
        "description": "d",
        "anyOf": [{"$ref": "#/components/schemas/LevelInline"}, {"type": "null"}],
    }
    assert schemas["LevelInline"] == {"enum": ["low", "high"], "type": "string"}
    assert _input({**_openapi({"Level": {"type": "string", "enum": ["low", None]}})})["components"]["schemas"] == {
        "Level": {"type": "string", "enum": ["low"]}  # null beside one other type cannot match: left out
    }


def test_numbers_keep_their_spelling_and_defaults_and_extensions_are_left_out() -> None:
    schemas = _schemas(
        {
            "Score": {
                "type": "object",
                "x-internal": True,
                "properties": {
                    "value": {"type": "number", "minimum": 0, "default": 1.5, "x-evaljobs-note": "n"},
                    "either": {"type": ["integer", "number"]},
                    "count": {"type": "integer", "format": "int64"},
                    "link": {"type": "string", "format": "uri"},
                },
            }
        }
    )
    properties = schemas["Score"]["properties"]
    assert schemas["Score"] == {"type": "object", "properties": properties}
    assert properties["value"] == {"type": "number", "minimum": 0, "x-python-type": NUMBER}
    assert properties["either"] == {"anyOf": [{"type": "integer"}, {"type": "number", "x-python-type": NUMBER}]}
    assert properties["count"] == {"type": "integer", "format": "int64"}
    assert properties["link"] == {"type": "string"}


def test_date_times_name_the_runtime_type_that_keeps_their_text() -> None:
    schemas = _schemas(
        {
            "Times": {
                "type": "object",
                "properties": {
                    "at": {"type": "string", "format": "date-time"},
                    "local": {"type": "string", "format": "date-time", "x-evaljobs-datetime-offset": "optional"},
                    "maybe": {"type": ["string", "null"], "format": "date-time", "description": "d"},
                },
            }
        }
    )
    properties = schemas["Times"]["properties"]
    assert properties["at"] == {"type": "string", "format": "date-time", "x-python-type": f"{RUNTIME}.DateTime"}
    assert properties["local"] == {
        "type": "string",
        "format": "date-time",
        "x-python-type": f"{RUNTIME}.LocalDateTime",
    }
    assert properties["maybe"] == {
        "description": "d",
        "anyOf": [
            {"format": "date-time", "type": "string", "x-python-type": f"{RUNTIME}.DateTime"},
            {"type": "null"},
        ],
    }


def test_a_discriminator_maps_to_classes() -> None:
    spec = _openapi(
        {
            "pet-cat": {"type": "object", "properties": {"kind": {"type": "string"}}},
            "pet-dog": {"type": "object", "properties": {"kind": {"type": "string"}}},
            "Pet": {
                "oneOf": [{"$ref": "#/components/schemas/pet-cat"}, {"$ref": "#/components/schemas/pet-dog"}],
                "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/pet-cat"}},
            },
        }
    )
    pet = _schemas(spec)["Pet"]
    assert pet["oneOf"] == [{"$ref": "#/components/schemas/PetCat"}, {"$ref": "#/components/schemas/PetDog"}]
    assert pet["discriminator"] == {
        "propertyName": "kind",
        "mapping": {"cat": "#/components/schemas/PetCat", "pet-dog": "#/components/schemas/PetDog"},
    }


def test_a_property_named_by_a_python_keyword_gets_an_attribute_and_keeps_its_alias() -> None:
    document = _input(_openapi({"Thing": {"type": "object", "properties": {"class": {"type": "string"}}}}))
    assert document["components"]["schemas"]["Thing"]["properties"] == {"class": {"type": "string"}}
    attribute = document[NAMES_KEY]["fields"]["Thing.class"]
    assert attribute.isidentifier() and not keyword.iskeyword(attribute)
    assert document[NAMES_KEY]["classes"] == {"Thing": "Thing"}


def test_what_the_model_keeps_verbatim_still_names_its_inline_enums_and_classes() -> None:
    """A body with properties beside a oneOf (an Opaque node): its inline enum becomes a class named from its
    place, after every other name; its references and discriminator name classes."""
    body = {
        "type": "object",
        "properties": {"kind": {"type": "string", "enum": ["a", "b"]}},
        "discriminator": {"propertyName": "kind", "mapping": {"a": "#/components/schemas/opt-a"}},
        "oneOf": [{"$ref": "#/components/schemas/opt-a"}, {"$ref": "#/components/schemas/OptB"}],
        "x-note": "dropped",
    }
    paths = {
        "/things": {
            "post": {
                "operationId": "makeThing",
                "requestBody": {"content": {"application/json": {"schema": body}}},
                "responses": {"204": {"description": "none"}},
            }
        }
    }
    option = {"type": "object", "properties": {"kind": {"type": "string"}}}
    schemas = _schemas(_openapi({"opt-a": option, "OptB": option}, paths))
    assert list(schemas) == ["OptA", "OptB", "MakeThingRequest", "MakeThingRequestKind"]
    assert schemas["MakeThingRequest"] == {
        "type": "object",
        "properties": {"kind": {"$ref": "#/components/schemas/MakeThingRequestKind"}},
        "discriminator": {"propertyName": "kind", "mapping": {"a": "#/components/schemas/OptA"}},
        "oneOf": [{"$ref": "#/components/schemas/OptA"}, {"$ref": "#/components/schemas/OptB"}],
    }
    assert schemas["MakeThingRequestKind"] == {"type": "string", "enum": ["a", "b"]}


def test_a_json_schema_root_is_the_document_and_the_rest_are_defs() -> None:
    spec = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "config file",
        "type": "object",
        "properties": {"child": {"$ref": "#/$defs/child-node"}, "mode": {"enum": ["x", "y"]}},
        "$defs": {"child-node": {"type": "object", "properties": {"parent": {"$ref": "#"}}}},
    }
    document = _input(spec, "jsonschema", "ConfigFile")
    assert document["properties"] == {
        "child": {"$ref": "#/$defs/ChildNode"},
        "mode": {"$ref": "#/$defs/ConfigFileMode"},
    }
    assert list(document["$defs"]) == ["ChildNode", "ConfigFileMode"]
    assert document["$defs"]["ChildNode"]["properties"] == {"parent": {"$ref": "#"}}
    assert document[NAMES_KEY]["root"] == "ConfigFile"
    assert document[NAMES_KEY]["classes"] == {"child-node": "ChildNode", "ConfigFileMode": "ConfigFileMode"}


def test_a_nullable_json_schema_root_keeps_its_values_in_a_class_without_the_defs() -> None:
    spec = {
        "title": "root",
        "type": ["object", "null"],
        "properties": {"leaf": {"$ref": "#/$defs/leaf"}},
        "$defs": {"leaf": {"type": "object", "properties": {"up": {"$ref": "#"}}}},
    }
    document = _input(spec, "jsonschema", "Root")
    assert document["anyOf"] == [{"$ref": "#/$defs/RootInline"}, {"type": "null"}]
    assert list(document["$defs"]) == ["Leaf", "RootInline"]
    assert document["$defs"]["RootInline"] == {"properties": {"leaf": {"$ref": "#/$defs/Leaf"}}, "type": "object"}

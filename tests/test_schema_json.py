"""schema.json written from the schema model's nodes (generator.emit.schema_json)."""

from __future__ import annotations

from typing import Any

import jsonschema

from generator.emit.schema_json import DIALECT, bundle
from generator.schema import SchemaModel, build

HOLDS_CAT = {"properties": {"kind": {"enum": ["cat"]}}, "required": ["kind"]}


def _model(schemas: dict[str, Any], version: str = "3.1.0") -> SchemaModel:
    spec = {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": schemas}}
    model, problems = build(spec, "openapi", "t")
    assert problems == []
    return model


PET = {"type": "object", "properties": {"kind": {"type": "string"}}, "required": ["kind"]}


def test_openapi_entries_under_defs_with_dialect_and_title() -> None:
    result = bundle(
        _model(
            {"A": {"type": "object", "properties": {"b": {"$ref": "#/components/schemas/B"}}}, "B": {"type": "string"}}
        ),
        "My API",
    )
    assert list(result) == ["$schema", "title", "$defs"]
    assert result["$schema"] == DIALECT and result["title"] == "My API"
    assert result["$defs"]["A"] == {"type": "object", "properties": {"b": {"$ref": "#/$defs/B"}}}
    assert result["$defs"]["B"] == {"type": "string"}


def test_discriminator_with_mapping_holds_its_values() -> None:
    union = {
        "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
        "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat", "kitty": "Cat"}},
    }
    written = bundle(_model({"Cat": PET, "Dog": PET, "Pet": union}), "t")["$defs"]["Pet"]
    holds_both = {"properties": {"kind": {"enum": ["cat", "kitty"]}}, "required": ["kind"]}
    assert written["oneOf"][0] == {"allOf": [{"$ref": "#/$defs/Cat"}, holds_both]}
    assert written["oneOf"][1]["allOf"][1] == {"properties": {"kind": {"enum": ["Dog"]}}, "required": ["kind"]}
    assert written["discriminator"]["mapping"] == {"cat": "#/$defs/Cat", "kitty": "#/$defs/Cat", "Dog": "#/$defs/Dog"}


def test_discriminator_without_mapping_holds_the_names() -> None:
    union = {
        "anyOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
        "discriminator": {"propertyName": "kind"},
    }
    result = bundle(_model({"Cat": PET, "Dog": PET, "Pet": union}), "t")
    members = result["$defs"]["Pet"]["anyOf"]
    assert [member["allOf"][1]["properties"]["kind"]["enum"] for member in members] == [["Cat"], ["Dog"]]
    validator = jsonschema.Draft202012Validator({**result, "$ref": "#/$defs/Pet"})
    assert validator.is_valid({"kind": "Cat"})
    assert not validator.is_valid({"kind": "Cow"})


def test_nullable_ref_is_not_held_and_points_into_defs() -> None:
    union = {
        "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog", "nullable": True}],
        "discriminator": {"propertyName": "kind"},
    }
    owner = {"type": "object", "properties": {"cat": {"$ref": "#/components/schemas/Cat", "nullable": True}}}
    result = bundle(_model({"Cat": PET, "Dog": PET, "Pet": union, "Owner": owner}, "3.0.3"), "t")
    assert result["$defs"]["Owner"]["properties"]["cat"] == {"anyOf": [{"$ref": "#/$defs/Cat"}, {"type": "null"}]}
    members = result["$defs"]["Pet"]["oneOf"]
    assert members[0] == {"allOf": [{"$ref": "#/$defs/Cat"}, {**HOLDS_CAT, "properties": {"kind": {"enum": ["Cat"]}}}]}
    assert members[1] == {"anyOf": [{"$ref": "#/$defs/Dog"}, {"type": "null"}]}


def test_offset_optional_date_time_is_date_time_local() -> None:
    stamps = {
        "type": "object",
        "properties": {
            "local": {"type": "string", "format": "date-time", "x-evaljobs-datetime-offset": "optional"},
            "zoned": {"type": "string", "format": "date-time"},
        },
    }
    written = bundle(_model({"Stamps": stamps}), "t")["$defs"]["Stamps"]["properties"]
    assert written["local"]["format"] == "date-time-local"
    assert written["local"]["x-evaljobs-datetime-offset"] == "optional"
    assert written["zoned"] == {"type": "string", "format": "date-time"}


def test_json_schema_root_keeps_its_keys_and_gets_defs() -> None:
    document = {
        "$schema": DIALECT,
        "title": "Root",
        "type": "object",
        "properties": {"item": {"$ref": "#/$defs/Item"}, "self": {"$ref": "#"}},
        "$defs": {"Item": {"type": "string", "format": "date-time", "x-evaljobs-datetime-offset": "optional"}},
    }
    model, problems = build(document, "jsonschema", "t", "Root")
    assert problems == []
    result = bundle(model, "ignored")
    assert list(result) == ["$schema", "title", "type", "properties", "$defs"]
    assert result["properties"] == {"item": {"$ref": "#/$defs/Item"}, "self": {"$ref": "#"}}
    assert result["$defs"]["Item"]["format"] == "date-time-local"


def test_the_model_is_left_as_it_was() -> None:
    union = {
        "oneOf": [{"$ref": "#/components/schemas/Cat"}],
        "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}},
    }
    model = _model({"Cat": PET, "Pet": union})
    first = bundle(model, "t")
    assert bundle(model, "t") == first
    assert model.document()["components"]["schemas"]["Pet"]["oneOf"] == [{"$ref": "#/components/schemas/Cat"}]


def test_a_schema_kept_verbatim_is_rewritten_on_its_raw() -> None:
    opaque = {
        "type": "object",
        "properties": {"at": {"type": "string", "format": "date-time", "x-evaljobs-datetime-offset": "optional"}},
        "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
        "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}},
    }
    written = bundle(_model({"Cat": PET, "Dog": PET, "Both": opaque}), "t")["$defs"]["Both"]
    assert written["oneOf"] == [{"allOf": [{"$ref": "#/$defs/Cat"}, HOLDS_CAT]}, {"$ref": "#/$defs/Dog"}]
    assert written["discriminator"]["mapping"] == {"cat": "#/$defs/Cat"}
    assert written["properties"]["at"]["format"] == "date-time-local"

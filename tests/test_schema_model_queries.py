"""The questions emitters ask of the schema model (generator/schema/queries.py), answered from its nodes: through
references, 3.0's ``nullable``, unions with null, nested ``allOf`` and discriminated unions."""

from __future__ import annotations

from typing import Any

import pytest

from generator.emit.schema_json import bundle
from generator.schema import SchemaModel, build, queries
from generator.schema.nodes import Node


def _model(schemas: dict[str, Any], version: str = "3.0.3") -> SchemaModel:
    spec = {"openapi": version, "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": schemas}}
    model, problems = build(spec, "openapi", "t")
    assert problems == []
    return model


def _node(model: SchemaModel, key: str) -> Node:
    node = model.node(key)
    assert node is not None
    return node


def _parameter(model: SchemaModel, schema: dict[str, Any]) -> Node:
    return model.schema_at(schema, "/paths/~1x/get/parameters/0/schema")


STATES = {"x-evaljobs-job-states": {"running": ["RUN"], "succeeded": ["DONE"]}}
SCHEMAS: dict[str, Any] = {
    "Status": {"type": "string", "enum": ["RUN", "DONE"], **STATES},
    "Meta": {"type": "object", "properties": {"total-pages": {"type": "integer"}}},
    "Base": {"type": "object", "properties": {"id": {"type": "string"}, "meta": {"$ref": "#/components/schemas/Meta"}}},
    "Job": {
        "allOf": [
            {"$ref": "#/components/schemas/Base"},
            {"allOf": [{"type": "object", "properties": {"status": {"$ref": "#/components/schemas/Status"}}}]},
        ]
    },
    "Page": {
        "type": "object",
        "properties": {
            "data": {"type": "array", "nullable": True, "items": {"$ref": "#/components/schemas/Job"}},
            "inline": {"type": "array", "items": {"type": "object", "properties": {"a": {"type": "string"}}}},
            "extra": {"type": "object", "additionalProperties": True},
            "maybe": {"nullable": True, "allOf": [{"$ref": "#/components/schemas/Job"}]},
        },
    },
}


def test_a_field_is_found_through_nested_allof_references_and_null() -> None:
    model = _model(SCHEMAS)
    page = _node(model, "Page")
    found = queries.field(_node(model, "Job"), "meta.total-pages", model.node)
    assert found is not None and found.attributes == ("meta", "total_pages")
    assert queries.field(page, "maybe.status", model.node) is not None
    assert queries.field(page, "extra.anything", model.node) is not None  # a free-form map takes any key
    assert queries.field(page, "extra.anything", model.node).attributes == ("extra", "")  # type: ignore[union-attr]
    assert queries.field(page, "nothing", model.node) is None
    assert queries.field(page, "data.status", model.node) is None  # an array has no fields


def test_arrays_and_the_models_of_their_items() -> None:
    model = _model(SCHEMAS)
    page = _node(model, "Page")
    data = queries.field(page, "data", model.node)
    inline = queries.field(page, "inline", model.node)
    assert data is not None and inline is not None
    assert queries.is_array(data.node, model.node)  # nullable (3.0)
    assert queries.array_item_model(data.node, model.node) == "Job"
    assert queries.array_item_model(inline.node, model.node) == "PageInlineItem"  # the inline item's name
    assert not queries.is_array(_node(model, "Job"), model.node)


def test_an_extension_of_a_field_is_found_through_its_reference() -> None:
    model = _model(SCHEMAS)
    status = queries.field(_node(model, "Job"), "status", model.node)
    assert status is not None
    assert queries.extension(status.node, "x-evaljobs-job-states", model.node) == STATES["x-evaljobs-job-states"]
    assert queries.enum_values(status.node, model.node) == ("RUN", "DONE")
    assert queries.extension(status.node, "x-other", model.node) is None


@pytest.mark.parametrize(
    ("schema", "expected"),
    [
        ({"type": "integer"}, ("int", None)),
        ({"type": "integer", "nullable": True}, ("int", None)),  # 3.0
        ({"type": ["number", "null"]}, ("float", None)),  # 3.1
        ({"anyOf": [{"type": "boolean"}, {"type": "null"}]}, ("bool", None)),
        ({"type": "array", "items": {"type": "integer"}}, ("list[int]", None)),
        ({"type": "array", "items": {"$ref": "#/components/schemas/Status"}}, ("list[str]", None)),
        ({"$ref": "#/components/schemas/Status"}, ("str", "Status")),
        ({"anyOf": [{"$ref": "#/components/schemas/Status"}, {"type": "null"}]}, ("str", "Status")),
        ({"$ref": "#/components/schemas/Meta"}, ("str", None)),
        ({"anyOf": [{"type": "integer"}, {"type": "string"}]}, ("str", None)),
        ({}, ("str", None)),
    ],
)
def test_the_python_type_of_a_parameter(schema: dict[str, Any], expected: tuple[str, str | None]) -> None:
    model = _model(SCHEMAS)
    assert queries.python_type(_parameter(model, schema), model.node) == expected


def test_a_parameter_without_a_schema_is_a_string() -> None:
    model = _model(SCHEMAS)
    assert queries.python_type(None, model.node) == ("str", None)
    assert queries.enum_values(None, model.node) == ()
    assert queries.bounds(None, model.node) == (None, None)
    assert queries.default(None, model.node) is None


def test_bounds_are_inclusive_ones_only() -> None:
    model = _model({"Limit": {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}})
    limit = _parameter(model, {"anyOf": [{"$ref": "#/components/schemas/Limit"}, {"type": "null"}]})
    assert queries.bounds(limit, model.node) == (1, 100)
    assert queries.default(_parameter(model, {"$ref": "#/components/schemas/Limit"}), model.node) == 10
    # OpenAPI 3.0's boolean exclusiveMinimum makes the minimum exclusive: not an inclusive bound
    exclusive = _parameter(model, {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 1})
    assert queries.bounds(exclusive, model.node) == (None, 1)


def test_enum_values_keep_null_where_the_enum_lists_it() -> None:
    model = _model({})
    assert queries.enum_values(_parameter(model, {"enum": ["a", None, "b"]}), model.node) == ("a", "b", None)
    assert queries.enum_values(_parameter(model, {"type": "string", "nullable": True, "enum": ["a"]}), model.node) == (
        "a",
    )


def test_binary_bodies() -> None:
    model = _model({"File": {"type": "string", "format": "binary"}})
    assert queries.is_binary(_parameter(model, {"$ref": "#/components/schemas/File"}), model.node)
    assert queries.is_binary(_parameter(model, {"type": "string", "format": "binary"}), model.node)
    assert not queries.is_binary(_parameter(model, {"type": "string", "format": "byte"}), model.node)
    assert not queries.is_binary(None, model.node)


def test_a_cycle_of_references_ends() -> None:
    model = _model({"A": {"$ref": "#/components/schemas/B"}, "B": {"$ref": "#/components/schemas/A"}}, "3.1.0")
    assert queries.python_type(_node(model, "A"), model.node) == ("str", None)
    assert queries.field(_node(model, "A"), "x", model.node) is None


def test_schema_json_spells_out_the_discriminators_of_union_nodes() -> None:
    cat = {"type": "object", "properties": {"kind": {"type": "string"}}}
    model = _model(
        {
            "Cat": cat,
            "Dog": cat,
            "Owner": {
                "type": "object",
                "properties": {
                    "pet": {
                        "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                        "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}},
                    }
                },
            },
        }
    )
    written = bundle(model, "t")["$defs"]["Owner"]["properties"]["pet"]["oneOf"]
    assert written == [
        {"allOf": [{"$ref": "#/$defs/Cat"}, {"properties": {"kind": {"enum": ["cat"]}}, "required": ["kind"]}]},
        {"allOf": [{"$ref": "#/$defs/Dog"}, {"properties": {"kind": {"enum": ["Dog"]}}, "required": ["kind"]}]},
    ]

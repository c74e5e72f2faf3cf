"""The schema model (generator/schema): the spec read once into nodes, named, written back canonically."""

from __future__ import annotations

from typing import Any

from generator.runtime._datetimes import LOCAL_PATTERN
from generator.schema import build
from generator.schema.examples import NO_EXAMPLE
from generator.schema.nodes import Intersection, Object, Ref, Scalar, Union


def _openapi(schemas: dict[str, Any], version: str = "3.0.3", paths: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "openapi": version,
        "info": {"title": "t", "version": "1"},
        "paths": paths or {},
        "components": {"schemas": schemas},
    }


def test_openapi_30_nullable_and_boolean_bounds_are_translated() -> None:
    spec = _openapi(
        {
            "Job": {
                "type": "object",
                "properties": {
                    "note": {"type": "string", "nullable": True},
                    "score": {"type": "number", "minimum": 0, "exclusiveMinimum": True, "maximum": 1},
                    "count": {"type": "integer", "minimum": 0, "exclusiveMinimum": False},
                },
            }
        }
    )
    model, problems = build(spec, "openapi", "t")
    assert problems == []
    written = model.document()["components"]["schemas"]["Job"]["properties"]
    assert written["note"] == {"type": ["string", "null"]}
    assert written["score"] == {"type": "number", "exclusiveMinimum": 0, "maximum": 1}
    assert written["count"] == {"type": "integer", "minimum": 0}
    assert model.document()["openapi"] == "3.1.0"


def test_the_portable_spelling_of_a_naive_timestamp_reads_as_a_date_time() -> None:
    offset = {"x-evaljobs-datetime-offset": "optional"}
    spec = _openapi(
        {
            "Job": {
                "type": "object",
                "properties": {
                    "portable": {"type": ["string", "null"], "pattern": LOCAL_PATTERN, **offset},
                    "bare": {"type": "string", **offset},
                    "older": {"type": "string", "format": "date-time", **offset},
                    "other_pattern": {"type": "string", "pattern": "^[0-9]+$", **offset},
                    "no_extension": {"type": "string", "pattern": LOCAL_PATTERN},
                },
            }
        },
        version="3.1.0",
    )
    model, problems = build(spec, "openapi", "t")
    assert problems == []
    written = model.document()["components"]["schemas"]["Job"]["properties"]
    assert written["portable"] == {"type": ["string", "null"], "format": "date-time", **offset}
    assert list(written["portable"]) == ["type", "format", "x-evaljobs-datetime-offset"]
    assert written["bare"] == written["older"] == {"type": "string", "format": "date-time", **offset}
    assert written["other_pattern"] == {"type": "string", "pattern": "^[0-9]+$", **offset}
    assert written["no_extension"] == {"type": "string", "pattern": LOCAL_PATTERN}


def test_nested_allof_keeps_every_property_and_required_name() -> None:
    spec = _openapi(
        {
            "Base": {"type": "object", "properties": {"id": {"type": "string"}}, "required": ["id"]},
            "Owned": {
                "allOf": [
                    {"$ref": "#/components/schemas/Base"},
                    {"type": "object", "properties": {"owner": {"type": "string"}}},
                ]
            },
            "Run": {
                "allOf": [
                    {"$ref": "#/components/schemas/Owned"},
                    {
                        "allOf": [
                            {"type": "object", "properties": {"status": {"type": "integer"}}, "required": ["status"]},
                            {"type": "object", "properties": {"state": {"type": "string"}}},
                        ]
                    },
                ],
                "description": "A run.",
            },
        }
    )
    model, _ = build(spec, "openapi", "t")
    run = model.named["Run"].node
    assert isinstance(run, Object)
    assert list(run.properties) == ["id", "owner", "status", "state"]
    assert run.required == ("id", "status")
    assert run.annotations == {"description": "A run."}


def test_allof_that_cannot_be_merged_stays_an_intersection() -> None:
    closed = {"type": "object", "properties": {"a": {"type": "string"}}, "additionalProperties": False}
    spec = _openapi(
        {"Closed": closed, "Both": {"allOf": [{"$ref": "#/components/schemas/Closed"}, {"type": "object"}]}}
    )
    model, _ = build(spec, "openapi", "t")
    assert isinstance(model.named["Both"].node, Intersection)


def test_a_discriminator_gets_its_full_mapping() -> None:
    spec = _openapi(
        {
            "Cat": {"type": "object", "properties": {"kind": {"type": "string"}}},
            "Dog": {"type": "object", "properties": {"kind": {"type": "string"}}},
            "Pet": {
                "oneOf": [{"$ref": "#/components/schemas/Cat"}, {"$ref": "#/components/schemas/Dog"}],
                "discriminator": {"propertyName": "kind", "mapping": {"cat": "#/components/schemas/Cat"}},
            },
        }
    )
    model, _ = build(spec, "openapi", "t")
    pet = model.named["Pet"].node
    assert isinstance(pet, Union) and pet.exclusive and pet.discriminator is not None
    assert pet.discriminator.mapping == {"cat": "Cat", "Dog": "Dog"}
    written = model.document()["components"]["schemas"]["Pet"]["discriminator"]
    assert written == {
        "propertyName": "kind",
        "mapping": {"cat": "#/components/schemas/Cat", "Dog": "#/components/schemas/Dog"},
    }


def test_inline_bodies_and_members_are_named_from_their_place() -> None:
    paths = {
        "/pets": {
            "get": {
                "operationId": "listPets",
                "responses": {
                    "200": {
                        "description": "ok",
                        "content": {
                            "application/json": {
                                "schema": {"type": "array", "items": {"$ref": "#/components/schemas/Pet"}}
                            }
                        },
                    },
                    "404": {
                        "description": "no",
                        "content": {
                            "application/json": {
                                "schema": {"type": "object", "properties": {"detail": {"type": "string"}}}
                            }
                        },
                    },
                },
            },
            "post": {
                "requestBody": {
                    "content": {
                        "application/json": {"schema": {"type": "object", "properties": {"name": {"type": "string"}}}},
                        "application/xml": {"schema": {"type": "object"}},
                    }
                },
                "responses": {"201": {"description": "made"}},
            },
        }
    }
    pet = {"type": "object", "properties": {"owner": {"type": "object", "properties": {"name": {"type": "string"}}}}}
    model, _ = build(_openapi({"Pet": pet}, paths=paths), "openapi", "t")
    assert [key for key, item in model.named.items() if item.origin == "body"] == [
        "ListPetsResponse",
        "ListPetsResponse404",
        "PostPetsRequest",
    ]
    assert [node.name for node in model.inline] == ["PetOwner"]
    document = model.document()
    assert document["paths"]["/pets"]["post"]["operationId"] == "postPets"
    media = document["paths"]["/pets"]["get"]["responses"]["200"]["content"]["application/json"]
    assert media["schema"] == {"$ref": "#/components/schemas/ListPetsResponse"}
    assert document["components"]["schemas"]["Pet"]["properties"]["owner"] == {"$ref": "#/components/schemas/PetOwner"}
    assert [str(warning) for warning in model.warnings] == [
        "t: #/paths/~1pets/post/requestBody/content/application~1xml: media type 'application/xml' is not modelled:"
        " only JSON bodies get models"
    ]


def test_a_taken_name_falls_back_to_the_place_not_a_number() -> None:
    spec = _openapi(
        {
            "Pet": {"type": "object", "properties": {"a": {"title": "Job", "type": "object", "properties": {"x": {}}}}},
            "Job": {"type": "object", "properties": {"y": {"type": "string"}}},
        }
    )
    model, problems = build(spec, "openapi", "t")
    assert problems == []
    assert [node.name for node in model.inline] == ["PetA"]


def test_examples_are_made_from_the_schema_and_respect_it() -> None:
    spec = _openapi(
        {
            "Job": {
                "type": "object",
                "required": ["id", "tags"],
                "properties": {
                    "id": {"type": "string", "pattern": "^job-[0-9a-f]{4}$"},
                    "tags": {"type": "array", "minItems": 2, "items": {"type": "string", "minLength": 3}},
                    "score": {"type": "integer", "minimum": 5, "multipleOf": 3},
                    "status": {"type": "string", "enum": ["queued", "done"]},
                    "when": {"type": "string", "format": "date-time"},
                    "parent": {"$ref": "#/components/schemas/Job"},
                },
            },
            "Impossible": {"type": "object", "required": ["p"], "properties": {"p": {"not": {}}}},
        }
    )
    model, _ = build(spec, "openapi", "t")
    job = model.example("Job")
    assert job["id"] == "job-0000"
    assert job["tags"] == ["string", "string"]
    assert job["score"] == 6 and job["status"] == "queued" and job["when"] == "2024-01-01T00:00:00Z"
    assert isinstance(job["parent"], dict)  # recursion stops where a property is optional
    assert model.example("Impossible") is NO_EXAMPLE


def test_scalars_of_one_type_in_an_allof_merge() -> None:
    spec = _openapi({"Slug": {"allOf": [{"type": "string"}, {"type": "string", "minLength": 1}]}})
    model, _ = build(spec, "openapi", "t")
    slug = model.named["Slug"].node
    assert isinstance(slug, Scalar) and slug.constraints == {"minLength": 1}


def test_references_to_named_schemas_stay_references() -> None:
    spec = _openapi(
        {"A": {"type": "string"}, "B": {"type": "object", "properties": {"a": {"$ref": "#/components/schemas/A"}}}}
    )
    model, _ = build(spec, "openapi", "t")
    node = model.named["B"].node
    assert isinstance(node, Object) and isinstance(node.properties["a"], Ref) and node.properties["a"].target == "A"


def test_an_allof_whose_member_types_the_others_properties_is_not_merged() -> None:
    """``additionalProperties`` of one member also judges the properties only another member declares."""
    typed = {"type": "object", "properties": {"a": {}}, "additionalProperties": {"type": "boolean"}}
    spec = _openapi({"Both": {"allOf": [typed, {"type": "object", "properties": {"b": {"type": "string"}}}]}})
    model, _ = build(spec, "openapi", "t")
    assert isinstance(model.named["Both"].node, Intersection)
    alone = _openapi({"One": {"allOf": [typed]}})
    model, _ = build(alone, "openapi", "t")
    one = model.named["One"].node
    assert isinstance(one, Object) and isinstance(one.additional, Scalar)


def test_an_inline_schema_a_merged_allof_takes_over_keeps_one_name() -> None:
    owner = {"type": "object", "properties": {"name": {"type": "string"}}}
    spec = _openapi(
        {
            "Base": {"type": "object", "properties": {"owner": owner}},
            "Job": {"allOf": [{"$ref": "#/components/schemas/Base"}, {"properties": {"id": {"type": "string"}}}]},
        }
    )
    model, _ = build(spec, "openapi", "t")
    assert [node.name for node in model.inline] == ["BaseOwner"]
    schemas = model.document()["components"]["schemas"]
    assert schemas["Job"]["properties"]["owner"] == {"$ref": "#/components/schemas/BaseOwner"}
    assert set(schemas) == {"Base", "Job", "BaseOwner"}


def test_the_inline_schemas_inside_a_schema_kept_verbatim_are_named_and_placed() -> None:
    """A union beside properties is kept as written (Opaque), but its subschemas are read as nodes (parts): the
    inline enum in it is named (after every other name) and the canonical document refers to its entry."""
    spec = _openapi(
        {
            "Thing": {
                "type": "object",
                "properties": {"kind": {"enum": ["a", "b"]}, "size": {"type": "integer", "nullable": True}},
                "oneOf": [{"required": ["kind"]}, {"required": ["size"]}],
            },
            "bad-name": {"type": "object", "properties": {"mode": {"enum": ["x"]}}},
        }
    )
    model, problems = build(spec, "openapi", "t")
    assert problems == []
    assert [node.name for node in model.inline] == ["BadNameMode", "ThingKind"]
    assert model.classes == {
        "Thing": "Thing",
        "bad-name": "BadName",
        "BadNameMode": "BadNameMode",
        "ThingKind": "ThingKind",
    }
    written = model.document()["components"]["schemas"]
    assert written["Thing"]["properties"] == {
        "kind": {"$ref": "#/components/schemas/ThingKind"},
        "size": {"type": ["integer", "null"]},  # 3.0's nullable translated inside it too
    }
    assert written["Thing"]["oneOf"] == [{"required": ["kind"]}, {"required": ["size"]}]
    assert written["ThingKind"] == {"enum": ["a", "b"]}

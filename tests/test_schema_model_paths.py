"""The paths as typed records (generator/schema/paths.py), read once by the schema model: $refs resolved,
path-level parameters merged, bodies pointing at their named schemas."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

from generator.build import prepare, server_urls
from generator.emit.operations import extract
from generator.schema import build
from generator.schema.nodes import Ref, Scalar
from generator.schema.paths import Operation, Server


def _spec(paths: dict[str, Any], components: dict[str, Any] | None = None, **top: Any) -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {"title": "t", "version": "1"},
        "paths": paths,
        "components": {"schemas": {"Job": {"type": "object", "properties": {"id": {"type": "string"}}}}}
        | (components or {}),
        **top,
    }


def _operations(spec: dict[str, Any]) -> dict[str, Operation]:
    model, problems = build(spec, "openapi", "t")
    assert problems == []
    return {operation.operation_id: operation for operation in model.paths.operations}


def test_a_parameter_ref_is_resolved_with_its_examples() -> None:
    spec = _spec(
        {"/jobs": {"get": {"operationId": "listJobs", "parameters": [{"$ref": "#/components/parameters/Limit"}]}}},
        {
            "parameters": {
                "Limit": {
                    "name": "limit",
                    "in": "query",
                    "description": "at most",
                    "schema": {"type": "integer", "maximum": 50},
                    "example": 10,
                    "examples": {"big": {"$ref": "#/components/examples/Big"}, "none": {"summary": "no value"}},
                }
            },
            "examples": {"Big": {"value": 50}},
        },
    )
    (limit,) = _operations(spec)["listJobs"].parameters
    assert (limit.name, limit.location, limit.required, limit.description) == ("limit", "query", False, "at most")
    assert limit.examples == (10, 50)
    assert isinstance(limit.schema, Scalar) and limit.schema.types == ("integer",)
    assert limit.pointer == "/paths/~1jobs/get/parameters/0"


def test_an_operation_parameter_replaces_the_path_items_in_its_place() -> None:
    spec = _spec(
        {
            "/jobs/{id}": {
                "parameters": [
                    {"name": "id", "in": "path", "schema": {"type": "string"}},
                    {"name": "verbose", "in": "query", "schema": {"type": "boolean"}},
                ],
                "get": {
                    "operationId": "getJob",
                    "parameters": [
                        {"name": "verbose", "in": "query", "required": True, "schema": {"type": "integer"}},
                        {"name": "verbose", "in": "header", "schema": {"type": "string"}},
                    ],
                },
            }
        }
    )
    parameters = _operations(spec)["getJob"].parameters
    assert [(p.name, p.location, p.required) for p in parameters] == [
        ("id", "path", True),
        ("verbose", "query", True),
        ("verbose", "header", False),
    ]
    assert [p.pointer for p in parameters] == [
        "/paths/~1jobs~1{id}/parameters/0",
        "/paths/~1jobs~1{id}/get/parameters/0",
        "/paths/~1jobs~1{id}/get/parameters/1",
    ]
    assert isinstance(parameters[1].schema, Scalar) and parameters[1].schema.types == ("integer",)


def test_an_operation_without_operation_id_gets_the_models() -> None:
    spec = _spec({"/jobs/{jobId}": {"delete": {"responses": {"204": {"description": "gone"}}}}})
    operation = _operations(spec)["deleteJobsJobId"]
    assert (operation.method, operation.path, operation.pointer) == (
        "delete",
        "/jobs/{jobId}",
        "/paths/~1jobs~1{jobId}/delete",
    )
    assert [(r.status, r.media) for r in operation.responses] == [("204", ())]


def test_a_response_ref_points_at_its_named_body_and_an_inline_body_at_its_own() -> None:
    spec = _spec(
        {
            "/jobs": {
                "post": {
                    "operationId": "createJob",
                    "requestBody": {"$ref": "#/components/requestBodies/NewJob"},
                    "responses": {
                        "201": {
                            "description": "made",
                            "content": {
                                "application/json": {
                                    "schema": {"type": "object", "properties": {"id": {"type": "string"}}},
                                    "examples": {
                                        "docs": {"value": {"id": "d"}},
                                        "one": {"$ref": "#/components/examples/One"},
                                    },
                                }
                            },
                        },
                        "404": {"$ref": "#/components/responses/NotFound"},
                    },
                }
            }
        },
        {
            "responses": {
                "NotFound": {
                    "description": "none",
                    "content": {
                        "application/problem+json": {
                            "schema": {"type": "object", "properties": {"detail": {"type": "string"}}}
                        }
                    },
                }
            },
            "requestBodies": {
                "NewJob": {
                    "required": True,
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Job"}}},
                }
            },
            "examples": {"One": {"value": {"id": "1"}}},
        },
    )
    operation = _operations(spec)["createJob"]
    made, missing = operation.responses
    assert made.pointer == "/paths/~1jobs/post/responses/201"
    (media,) = made.media
    assert isinstance(media.schema, Ref) and media.schema.target == "CreateJobResponse"
    assert media.examples == {"docs": {"id": "d"}, "one": {"id": "1"}}
    assert media.is_json
    (problem,) = missing.media
    assert problem.media_type == "application/problem+json" and problem.is_json
    assert isinstance(problem.schema, Ref) and problem.schema.target == "NotFoundResponse"
    assert problem.pointer == "/paths/~1jobs/post/responses/404/content/application~1problem+json"
    assert operation.body is not None and operation.body.required
    (sent,) = operation.body.media
    assert isinstance(sent.schema, Ref) and sent.schema.target == "Job"


def test_a_non_json_media_type_is_a_record_and_keeps_its_warning() -> None:
    spec = _spec(
        {
            "/jobs/{id}": {
                "get": {
                    "operationId": "getJob",
                    "responses": {
                        "200": {
                            "description": "one",
                            "content": {
                                "application/xml": {
                                    "schema": {"$ref": "#/components/schemas/Job"},
                                    "example": "<job/>",
                                },
                                "application/json": {"schema": {"$ref": "#/components/schemas/Job"}},
                            },
                        }
                    },
                }
            }
        }
    )
    model, problems = build(spec, "openapi", "t")
    assert problems == []
    assert [str(w) for w in model.warnings] == [
        "t: #/paths/~1jobs~1{id}/get/responses/200/content/application~1xml: media type 'application/xml' is not"
        " modelled: only JSON bodies get models"
    ]
    xml, json = model.paths.operations[0].responses[0].media
    assert (xml.media_type, xml.is_json, xml.example) == ("application/xml", False, ("<job/>",))
    assert isinstance(json.schema, Ref) and json.schema.target == "Job"


def test_security_is_the_documents_unless_the_operation_says_and_schemes_are_resolved() -> None:
    spec = _spec(
        {
            "/jobs": {
                "get": {"operationId": "listJobs"},
                "post": {"operationId": "createJob", "security": [{}, {"key": [], "token": []}]},
            }
        },
        {
            "securitySchemes": {
                "token": {"$ref": "#/components/x-schemes/Token"},
                "key": {"type": "apiKey", "in": "header", "name": "X-Key"},
            },
            "x-schemes": {"Token": {"type": "http", "scheme": "Bearer"}},
        },
        security=[{"token": []}],
        servers=[
            {"url": "https://{region}.api.example/{v}", "variables": {"region": {"default": "eu"}, "v": "bad"}},
            {"description": "no url"},
        ],
        **{"x-evaljobs-token-env": "TOKEN"},
    )
    model, problems = build(spec, "openapi", "t")
    assert problems == []
    by_id = {operation.operation_id: operation for operation in model.paths.operations}
    assert by_id["listJobs"].security == (("token",),)
    assert by_id["createJob"].security == ((), ("key", "token"))
    schemes = model.paths.security_schemes
    assert (schemes["token"].type, schemes["token"].scheme) == ("http", "Bearer")
    assert (schemes["key"].location, schemes["key"].name) == ("header", "X-Key")
    assert model.paths.servers == (Server("https://{region}.api.example/{v}", {"region": "eu"}), Server(None))
    assert server_urls(model.paths.servers) == ["https://eu.api.example/{v}"]
    assert model.paths.extensions == {"x-evaljobs-token-env": "TOKEN"}


def test_an_operation_of_a_referenced_path_item_is_extracted_with_its_referenced_example() -> None:
    """The canonical document could not carry the model's operationId into a path item written as a $ref (the
    operation was refused for lacking one); the records are read through the reference."""
    spec = _spec(
        {"/jobs": {"$ref": "#/components/pathItems/Jobs"}},
        {
            "pathItems": {
                "Jobs": {
                    "get": {
                        "responses": {
                            "200": {
                                "description": "ok",
                                "content": {
                                    "application/json": {
                                        "schema": {"type": "object", "properties": {"id": {"type": "string"}}},
                                        "examples": {"complete": {"$ref": "#/components/examples/Done"}},
                                    }
                                },
                            }
                        }
                    }
                }
            },
            "examples": {"Done": {"value": {"id": "x"}}},
        },
    )
    model, problems = build(spec, "openapi", "t")
    assert problems == []
    operations, problems = extract(model)
    assert problems == []
    (operation,) = operations
    assert (operation.operation_id, operation.python_name) == ("getJobs", "get_jobs")
    assert operation.responses == {"200": "GetJobsResponse"}
    assert operation.examples == {"200": {"id": "x"}}


def test_lint_warnings_point_into_the_spec_as_written_and_the_title_is_the_models(tmp_path: Path) -> None:
    """The lint reads the model, each pattern at the place its author wrote it (an OpenAPI 3.0 inline body
    keeps its place in the paths, not the named schema the model made of it); the package's title and
    description are the model's reading of ``info`` (the first paragraph of its description)."""
    (tmp_path / "jobs.openapi.yaml").write_text(
        textwrap.dedent(
            """\
            openapi: 3.0.3
            info:
              title: Jobs
              version: "1"
              description: |
                The jobs API.

                More text.
            paths:
              /jobs/{id}:
                get:
                  operationId: getJob
                  parameters:
                    - {name: id, in: path, required: true, schema: {type: string}}
                  responses:
                    "200":
                      description: ok
                      content:
                        application/json:
                          schema:
                            type: object
                            properties:
                              code: {type: string, pattern: "^[A-Z]+$", nullable: true}
            """
        )
    )
    (api,) = prepare(tmp_path)
    assert [warning.pointer for warning in api.warnings] == [
        "/paths/~1jobs~1{id}/get/responses/200/content/application~1json/schema/properties/code/pattern"
    ]
    assert "has no maxLength beside it" in str(api.warnings[0])
    assert (api.title, api.description) == ("Jobs", "The jobs API.")

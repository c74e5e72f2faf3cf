"""The two hand-written specs: valid OpenAPI 3.1, the operations the issue lists, decisions recorded."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate as validate_openapi

from generator.load.checks import check_document
from tests.conftest import APIS, spec

REQUIRED_OPERATIONS = {
    "nemo_evaluator": {
        ("GET", "/v1/evaluation/jobs/{job_id}"),
        ("GET", "/v1/evaluation/jobs/{job_id}/status"),
        ("GET", "/v1/evaluation/jobs"),
        ("GET", "/v2/evaluation/jobs/{job_id}"),
        ("GET", "/v2/evaluation/jobs/{job_id}/status"),
        ("GET", "/v2/evaluation/jobs/{job_id}/logs"),
        ("GET", "/v2/evaluation/jobs"),
    },
    "gradient": {
        ("GET", "/v2/gen-ai/evaluation_runs/{evaluation_run_uuid}"),
        ("GET", "/v2/gen-ai/evaluation_runs/{evaluation_run_uuid}/results"),
    },
}


def operations(document: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    return {(method.upper(), path): op for path, item in document["paths"].items() for method, op in item.items()}


@pytest.mark.parametrize("api", APIS)
def test_spec_is_valid_openapi_31_and_passes_our_checks(api: str) -> None:
    document = spec(api)
    assert document["openapi"].startswith("3.1")
    validate_openapi(document)
    assert check_document(document, "openapi", api) == []


@pytest.mark.parametrize("api", APIS)
def test_listed_operations_exist_and_every_body_is_a_component_ref(api: str) -> None:
    document = spec(api)
    found = operations(document)
    assert REQUIRED_OPERATIONS[api] <= set(found)
    for (method, path), op in found.items():
        for status, response in op["responses"].items():
            for media in response.get("content", {}).values():
                ref = media["schema"].get("$ref", "")
                assert ref.startswith("#/components/schemas/") and set(media["schema"]) == {"$ref"}, (
                    method,
                    path,
                    status,
                )


def test_pagination_and_query_parameters() -> None:
    nemo, gradient = operations(spec("nemo_evaluator")), operations(spec("gradient"))
    logs = nemo[("GET", "/v2/evaluation/jobs/{job_id}/logs")]
    assert logs["x-evaljobs-pagination"]["style"] == "cursor"
    assert {p["name"] for p in logs["parameters"] if p["in"] == "query"} == {"limit", "page_cursor"}
    results = gradient[("GET", "/v2/gen-ai/evaluation_runs/{evaluation_run_uuid}/results")]
    assert {p["name"] for p in results["parameters"] if p["in"] == "query"} == {"page", "per_page"}
    assert results["x-evaljobs-pagination"]["style"] == "page"


def test_gradient_errors_auth_and_rate_limit_headers() -> None:
    document = spec("gradient")
    scheme = document["components"]["securitySchemes"]["bearer_auth"]
    assert (scheme["type"], scheme["scheme"]) == ("http", "bearer")
    error = document["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"id", "message"} and "request_id" in error["properties"]
    run = operations(document)[("GET", "/v2/gen-ai/evaluation_runs/{evaluation_run_uuid}")]
    for status in ("200", "401", "404", "429", "500", "default"):
        headers = run["responses"][status]["headers"]
        assert {"ratelimit-limit", "ratelimit-remaining", "ratelimit-reset"} <= set(headers), status
    assert document["x-evaljobs-token-env"] == "DIGITALOCEAN_ACCESS_TOKEN"


def test_docs_versus_sdk_decisions_are_recorded_in_the_spec() -> None:
    nemo = spec("nemo_evaluator")["components"]["schemas"]
    job = nemo["EvaluatorV2Job"]
    assert "name" not in job["required"] and job["x-evaljobs-sdk-required"] == ["name"]
    assert "x-evaljobs-decision" in job and "x-evaljobs-decision" in nemo["PlatformJobStatus"]
    assert set(nemo["PlatformJobStatus"]["enum"]) == {
        "created",
        "pending",
        "active",
        "cancelled",
        "cancelling",
        "error",
        "completed",
        "paused",
        "pausing",
        "resuming",
    }
    assert set(nemo["EvaluationJob"]["required"]) == {"config", "target"}
    assert job["properties"]["created_at"]["x-evaljobs-datetime-offset"] == "optional"
    gradient = spec("gradient")["components"]["schemas"]
    assert "agent_deployment_name" in gradient["APIEvaluationRun"]["properties"]
    assert "x-evaljobs-decision" in gradient["APIEvaluationRun"]

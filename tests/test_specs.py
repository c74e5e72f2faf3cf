"""The two hand-written specs: valid OpenAPI 3.1, the operations the issue lists, decisions recorded."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate as validate_openapi

from generator.load.checks import check_document
from tests.conftest import APIS, ROOT, spec

REQUIRED_OPERATIONS = {
    "nemo_evaluator": {
        ("GET", "/v1/evaluation/jobs/{job_id}"),
        ("GET", "/v1/evaluation/jobs/{job_id}/status"),
        ("GET", "/v1/evaluation/jobs"),
        ("GET", "/v2/evaluation/jobs/{job_id}"),
        ("GET", "/v2/evaluation/jobs/{job_id}/status"),
        ("GET", "/v2/evaluation/jobs/{job_id}/logs"),
        ("GET", "/v2/evaluation/jobs"),
        ("POST", "/v1/evaluation/jobs"),
        ("GET", "/v1/evaluation/jobs/{job_id}/results"),
        ("GET", "/v1/evaluation/jobs/{job_id}/download-results"),
        ("POST", "/v1/evaluation/jobs/{job_id}/cancel"),
        ("DELETE", "/v1/evaluation/jobs/{job_id}"),
        ("POST", "/v2/evaluation/jobs"),
        ("POST", "/v2/evaluation/jobs/{job_id}/cancel"),
        ("DELETE", "/v2/evaluation/jobs/{job_id}"),
        ("GET", "/v2/evaluation/jobs/{job_id}/results"),
        ("GET", "/v2/evaluation/jobs/{job_id}/results/{result_name}"),
        ("GET", "/v2/evaluation/jobs/{job_id}/results/{result_name}/download"),
        ("GET", "/v2/evaluation/jobs/{job_id}/results/evaluation-results/download"),
        ("GET", "/v2/evaluation/jobs/{job_id}/results/artifacts/download"),
    },
    "gradient": {
        ("GET", "/v2/gen-ai/evaluation_runs/{evaluation_run_uuid}"),
        ("GET", "/v2/gen-ai/evaluation_runs/{evaluation_run_uuid}/results"),
        ("POST", "/v2/gen-ai/evaluation_runs"),
        ("GET", "/v2/gen-ai/evaluation_test_cases/{evaluation_test_case_uuid}/evaluation_runs"),
    },
}
JOB_ROLES = {"create", "list", "get", "cancel", "delete", "results", "download"}
BINARY = {"type": "string", "format": "binary"}


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
            for name, media in response.get("content", {}).items():
                if not name.endswith("json"):  # a download: the bytes, which no model describes
                    assert {k: v for k, v in media["schema"].items() if k != "description"} == BINARY, (path, name)
                    continue
                ref = media["schema"].get("$ref", "")
                assert ref.startswith("#/components/schemas/") and set(media["schema"]) == {"$ref"}, (
                    method,
                    path,
                    status,
                )
        if "requestBody" in op:  # house style: a named component, with examples
            media = op["requestBody"]["content"]["application/json"]
            assert set(media["schema"]) == {"$ref"} and media["examples"], (method, path)


@pytest.mark.parametrize("api", APIS)
def test_lifecycle_operations_say_their_role_and_where_the_job_id_is(api: str) -> None:
    document = spec(api)
    roles: dict[str, int] = {}
    for (method, path), op in operations(document).items():
        job = op.get("x-evaljobs-job")
        if job is None:
            continue
        assert job["role"] in JOB_ROLES, (method, path)
        roles[job["role"]] = roles.get(job["role"], 0) + 1
        if job["role"] == "list":
            continue
        if job["role"] == "create":  # a dotted path into the 2xx body
            assert method == "POST" and "requestBody" in op and job["id"]
            continue
        assert "{" + job["id"] + "}" in path, (method, path)
    expected = JOB_ROLES if api == "nemo_evaluator" else {"create", "list", "get", "results"}
    assert set(roles) == expected


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


def _flow_continuations(text: str) -> list[tuple[int, int, int]]:
    """(line number, its indent, its key's indent) of each line continuing a flow collection (``key: {`` ...)
    that is indented no deeper than the key: what strict YAML readers refuse ("deficient indentation")."""
    lines = text.split("\n")
    found, number = [], 0
    while number < len(lines):
        line = lines[number].rstrip()
        number += 1
        if not line.endswith(("{", "[")) or line.lstrip().startswith("#"):
            continue
        key = len(line) - len(line.lstrip())
        depth, in_string, escaped = 1, False, False
        while depth > 0 and number < len(lines):
            following = lines[number]
            indent = len(following) - len(following.lstrip())
            if following.strip() and indent <= key:
                found.append((number + 1, indent, key))
            for char in following:
                if in_string:
                    escaped, in_string = (False, True) if escaped else (char == "\\", char != '"')
                elif char == '"':
                    in_string = True
                elif char in "{[":
                    depth += 1
                elif char in "}]":
                    depth -= 1
            number += 1
    return found


@pytest.mark.parametrize("api", APIS)
def test_flow_style_examples_are_indented_for_strict_yaml_readers(api: str) -> None:
    """Redocly's YAML reader (js-yaml) refuses a flow collection's line indented no deeper than its key, which
    PyYAML accepts: the specs must read the same in the tools users run (checked with `redocly lint` 2.77)."""
    text = (ROOT / "schemas" / f"{api}.openapi.yaml").read_text(encoding="utf-8")
    assert _flow_continuations(text) == []
    assert _flow_continuations('a:\n  b: {\n    "c": 1\n  }\n') == [(4, 2, 2)]  # the check sees the case
    assert _flow_continuations('a:\n  b: {\n    "c": "}"\n    }\n') == []

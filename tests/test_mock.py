"""``evaljobs mock``: every operation of every spec served from its examples over real HTTP, unknown ids,
unmatched paths, faults injected from Python and over HTTP, and the command line."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import time
import zipfile
from typing import Any

import httpx
import pytest

from evaljobs._mock import Fault, MockServer
from tests.conftest import APIS, model, spec
from tests.loopback import GRADIENT_RUN, NEMO_V1_JOB, NEMO_V2_JOB

pytestmark = pytest.mark.usefixtures("fresh_mock")  # the mock server of tests/loopback.py, reset per test


def concrete(path: str, operation: dict[str, Any]) -> str:
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            examples = parameter.get("examples")
            value = next(iter(examples.values()))["value"] if examples else parameter["example"]
            path = path.replace("{" + parameter["name"] + "}", str(value))
    return path


SERVED = [
    (api, path, operation["operationId"], operation)
    for api in APIS
    for path, item in spec(api)["paths"].items()
    for method, operation in item.items()
    if method == "get" and "application/json" in operation["responses"].get("200", {}).get("content", {})
]
"""The JSON reads (creating, cancelling, deleting and downloads are the lifecycle's, tested on their own)."""


@pytest.mark.parametrize(("api", "path", "operation_id", "operation"), SERVED, ids=[s[2] for s in SERVED])
def test_every_operation_answers_its_complete_example_which_our_models_accept(
    mock: MockServer, api: str, path: str, operation_id: str, operation: dict[str, Any]
) -> None:
    response = httpx.get(mock.url + concrete(path, operation))
    assert response.status_code == 200 and response.headers["content-type"] == "application/json"
    media = operation["responses"]["200"]["content"]["application/json"]
    examples = media["examples"]
    assert response.json() == (examples.get("complete") or next(iter(examples.values())))["value"]
    name = media["schema"]["$ref"].rsplit("/", 1)[-1]
    model(api, name).model_validate_json(response.content)


def test_the_specs_keep_a_complete_example_beside_the_documentation_examples() -> None:
    for _api, _path, operation_id, operation in SERVED:
        examples = operation["responses"]["200"]["content"]["application/json"]["examples"]
        if any(name.startswith("docs") for name in examples) and operation_id != "getEvaluationJob":
            assert "complete" in examples, operation_id


def test_unknown_ids_get_the_error_response_the_spec_marks(mock: MockServer) -> None:
    nemo = httpx.get(f"{mock.url}/v2/evaluation/jobs/job-unknown/logs")
    assert (nemo.status_code, nemo.json()) == (404, {"detail": "Job not found"})
    gradient = httpx.get(f"{mock.url}/v2/gen-ai/evaluation_runs/{GRADIENT_RUN}/results/7")
    assert gradient.status_code == 404 and gradient.json()["id"] == "not_found"
    assert gradient.headers["x-request-id"].startswith("mock-")
    known = httpx.get(f"{mock.url}/v2/evaluation/jobs/{NEMO_V2_JOB}/logs")
    assert known.status_code == 200


def test_a_path_no_spec_declares_is_a_404(mock: MockServer) -> None:
    response = httpx.get(f"{mock.url}/v3/nothing")
    assert response.status_code == 404 and "no operation" in response.json()["detail"]


def test_a_known_path_with_another_method_is_a_405_in_json(mock: MockServer) -> None:
    response = httpx.delete(f"{mock.url}/v2/gen-ai/evaluation_runs/{GRADIENT_RUN}")
    assert (response.status_code, response.headers["allow"]) == (405, "GET")
    assert "DELETE is not an operation" in response.json()["detail"]


def test_no_answer_is_an_html_page(mock: MockServer) -> None:
    for method in ("BREW", "QUERY"):  # a method the standard library does not know: a 405 on a known path too
        unknown = httpx.request(method, f"{mock.url}/v2/gen-ai/evaluation_runs/{GRADIENT_RUN}")
        assert (unknown.status_code, unknown.headers["allow"]) == (405, "GET")
        assert unknown.headers["content-type"] == "application/json" and method in unknown.json()["detail"]
    assert httpx.request("BREW", f"{mock.url}/v3/nothing").status_code == 404
    head = httpx.head(f"{mock.url}/v2/gen-ai/evaluation_runs/{GRADIENT_RUN}")
    assert (head.status_code, head.headers["allow"], head.content) == (405, "GET", b"")


def test_pages_of_a_list_are_slices_of_its_example(mock: MockServer) -> None:
    url = f"{mock.url}/v2/gen-ai/evaluation_runs/{GRADIENT_RUN}/results"
    whole = httpx.get(url).json()
    assert len(whole["prompts"]) >= 2, "the example, as it is, without paging parameters"
    first, second = (httpx.get(url, params={"page": n, "per_page": 1}).json() for n in (1, 2))
    assert first["prompts"] == whole["prompts"][:1] and second["prompts"] == whole["prompts"][1:2]
    assert first["meta"]["pages"] == len(whole["prompts"]) and second["meta"]["page"] == 2
    refused = httpx.get(url, params={"page": "last"})
    assert refused.status_code == 400 and "'page': expected an integer" in refused.json()["message"], "the spec's shape"


def test_faults_apply_in_order_then_the_examples_come_back(mock: MockServer) -> None:
    url = f"{mock.url}/v2/evaluation/jobs/{NEMO_V2_JOB}"
    mock.inject(
        Fault(path="/v2/evaluation/jobs/{job_id}", status=503, headers={"Retry-After": "1"}),
        Fault(path=f"/v2/evaluation/jobs/{NEMO_V2_JOB}", body={"scripted": True}),
        Fault(path="/elsewhere", status=500),
        Fault(method="POST", status=500),
    )
    with httpx.Client() as http:
        first, second, third = (http.get(url) for _ in range(3))
    assert (first.status_code, first.headers["retry-after"], first.content) == (503, "1", b"")
    assert (second.status_code, second.json()) == (200, {"scripted": True})
    assert third.status_code == 200 and third.json()["name"] == "bfclv3-llama-3-1-8b-instruct"


def test_injected_statuses_serve_the_spec_example_of_that_status(mock: MockServer) -> None:
    mock.inject(Fault(status=429), Fault(status=503))
    url = f"{mock.url}/v2/gen-ai/evaluation_runs/{GRADIENT_RUN}"
    assert httpx.get(url).json()["id"] == "too_many_requests"
    assert httpx.get(url).json()["id"] == "example_error", "no 503 example: the default one"


def test_delay_truncation_and_drop(mock: MockServer) -> None:
    url = f"{mock.url}/v2/evaluation/jobs/{NEMO_V2_JOB}"
    mock.inject(Fault(delay=0.2), Fault(truncate=10), Fault(drop=True))
    started = time.monotonic()
    assert httpx.get(url).status_code == 200 and time.monotonic() - started >= 0.2
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(url)
    with pytest.raises(httpx.RemoteProtocolError):
        httpx.get(url)


def test_faults_over_http(mock: MockServer) -> None:
    control = f"{mock.url}/_mock/faults"
    created = httpx.post(control, json=[{"status": 500, "times": 2}, {"raw": "not json", "content_type": "text/plain"}])
    assert created.status_code == 201 and created.json() == {"pending": 2}
    url = f"{mock.url}/v2/evaluation/jobs/{NEMO_V2_JOB}"
    assert [httpx.get(url).status_code for _ in range(2)] == [500, 500]
    assert httpx.get(url).text == "not json"
    assert httpx.post(control, json={"bogus": 1}).status_code == 400
    assert httpx.post(control, content=b"{").status_code == 400
    seen = httpx.get(f"{mock.url}/_mock/requests").json()
    assert [entry["path"] for entry in seen] == [f"/v2/evaluation/jobs/{NEMO_V2_JOB}"] * 3
    assert httpx.delete(control).status_code == 204 and mock.requests == []


def test_the_command_line_prints_its_address_first_and_serves() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "evaljobs.cli", "mock", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline().strip()
        assert first.startswith("listening on http://127.0.0.1:"), first
        url = first.removeprefix("listening on ")
        run = f"{url}/v2/gen-ai/evaluation_runs/{GRADIENT_RUN}"
        response = httpx.get(run, headers={"Authorization": "Bearer t"}, timeout=10)
        assert response.json()["evaluation_run"]["status"] == "EVALUATION_RUN_SUCCESSFUL"
        assert httpx.get(run, timeout=10).status_code == 401, "the command line checks the spec's bearer token"
        assert httpx.get(f"{url}/v1/evaluation/jobs/{NEMO_V1_JOB}", timeout=10).status_code == 200, "none asked"
    finally:
        process.terminate()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            if stream is not None:
                stream.close()


def test_the_command_line_reports_a_port_it_cannot_use(mock: MockServer) -> None:
    port = mock.url.rsplit(":", 1)[1]
    result = subprocess.run(
        [sys.executable, "-m", "evaljobs.cli", "mock", "--port", port, "--host", "127.0.0.1"],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 2 and "cannot listen" in result.stderr and "Traceback" not in result.stderr
    assert json.dumps(result.stdout) == '""'


def test_the_python_mock_checks_the_token_only_when_asked_and_stays_on_loopback() -> None:
    with MockServer(auth=True) as strict:
        url = f"{strict.url}/v2/gen-ai/evaluation_runs/{GRADIENT_RUN}"
        refused = httpx.get(url)
        assert refused.status_code == 401 and refused.json()["id"] == "unauthorized", "the spec's 401 example"
        assert httpx.get(url, headers={"Authorization": "Bearer t"}).status_code == 200
    with pytest.raises(ValueError, match="loopback"):
        MockServer("0.0.0.0")


EVERY = [
    (api, method.upper(), path, operation)
    for api in APIS
    for path, item in spec(api)["paths"].items()
    for method, operation in item.items()
    if method in ("get", "post", "put", "patch", "delete")
]
"""Every operation of both specs: reads, creates, cancels, deletes and downloads."""

# The create operation of the job family a path belongs to, and the body field holding the new id.
CREATES = {
    "/v1/evaluation/": ("POST", "/v1/evaluation/jobs", "id"),
    "/v2/evaluation/": ("POST", "/v2/evaluation/jobs", "id"),
    "/v2/gen-ai/": ("POST", "/v2/gen-ai/evaluation_runs", "evaluation_run_uuids"),
}


def request_body(operation: dict[str, Any]) -> Any:
    """The first request body example the operation documents (None without a body)."""
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    return next(iter(content["examples"].values()))["value"] if content else None


def assert_documented(api: str, operation: dict[str, Any], response: httpx.Response) -> None:
    """The status is one the operation documents, and the body is what that response documents: JSON its schema
    (through our model) accepts, an archive of its media type, or nothing."""
    documented = operation["responses"].get(str(response.status_code))
    assert documented is not None, (response.status_code, response.text[:300])
    content = documented.get("content", {})
    if not content:
        assert response.content == b"", response.content[:100]
        return
    media = response.headers["content-type"].split(";")[0]
    assert media in content, (media, list(content))
    schema = content[media]["schema"]
    if media == "application/json":
        model(api, schema["$ref"].rsplit("/", 1)[-1]).model_validate_json(response.content)
    elif media == "application/zip":
        assert zipfile.ZipFile(io.BytesIO(response.content)).testzip() is None
    elif "gzip" in media:
        assert gzip.decompress(response.content)
    else:
        assert schema.get("format") == "binary" and response.content


@pytest.mark.parametrize(("api", "method", "path", "operation"), EVERY, ids=[f"{e[3]['operationId']}" for e in EVERY])
def test_every_operation_answers_a_documented_status_and_body_for_a_seed_job(
    mock: MockServer, api: str, method: str, path: str, operation: dict[str, Any]
) -> None:
    response = httpx.request(method, mock.url + concrete(path, operation), json=request_body(operation))
    assert response.status_code < 300, response.text[:300]
    assert_documented(api, operation, response)


@pytest.mark.parametrize(("api", "method", "path", "operation"), EVERY, ids=[f"{e[3]['operationId']}" for e in EVERY])
def test_every_operation_answers_a_documented_status_and_body_for_a_created_job(
    mock: MockServer, api: str, method: str, path: str, operation: dict[str, Any]
) -> None:
    create_method, create_path, id_field = next(c for prefix, c in CREATES.items() if path.startswith(prefix))
    create = spec(api)["paths"][create_path][create_method.lower()]
    role = operation.get("x-evaljobs-job", {}).get("role")
    schedule = "running=0,succeeded=1000000" if role == "cancel" else "succeeded=0"
    created = httpx.post(
        mock.url + create_path, json=request_body(create), headers={"X-Mock-Schedule": schedule}
    ).json()[id_field]
    job_id = created[0] if isinstance(created, list) else created
    id_parameter = operation.get("x-evaljobs-job", {}).get("id")
    where = path.replace("{" + id_parameter + "}", job_id) if role not in (None, "create", "list") else path
    response = httpx.request(method, mock.url + concrete(where, operation), json=request_body(operation))
    assert response.status_code < 300, response.text[:300]
    assert_documented(api, operation, response)
    if role not in (None, "create", "list"):
        seeds = {str(v) for p in operation.get("parameters", []) if p["name"] == id_parameter for v in _values(p)}
        assert not any(seed.encode() in response.content for seed in seeds), "the created job's, not the seed's"


def _values(parameter: dict[str, Any]) -> list[Any]:
    examples = parameter.get("examples")
    return [example["value"] for example in examples.values()] if examples else [parameter["example"]]

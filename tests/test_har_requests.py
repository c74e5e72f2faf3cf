"""`evaljobs validate` on a HAR checks the request side of each exchange: its JSON body against the operation's
request body schema, its path and query parameters; request findings are marked ``"in": "request"`` beside the
response's (``"in": "response"``), each with a severity, in json, text and junit; exit statuses follow.

A small job API of the tests' own (below) is generated into a scratch package, as tests/test_mock_state.py does,
and the command runs from it in a subprocess; the HAR captures are written by the tests. The last tests use the
project's own specs.
"""

from __future__ import annotations

import base64
import json
import subprocess
import sys
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest

from tests.generation import run_generator
from tests.test_cli import evaljobs, reports

SPEC = """\
openapi: 3.1.0
info: {title: HAR jobs, version: "1"}
paths:
  /v1/jobs:
    post:
      operationId: createJob
      parameters:
        - {name: dry_run, in: query, schema: {type: boolean}}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/CreateJob"}
      responses:
        "201":
          description: The new job.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Job"}
    get:
      operationId: listJobs
      parameters:
        - {name: project, in: query, required: true, schema: {type: string}}
        - {name: page, in: query, schema: {type: integer}}
        - {name: status, in: query, schema: {type: string, enum: [queued, running, done]}}
        - {name: ids, in: query, schema: {type: array, items: {type: integer}}}
      responses:
        "200":
          description: A page of jobs.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/JobPage"}
  /v1/jobs/{job_id}/attempts/{attempt}:
    parameters:
      - {name: job_id, in: path, required: true, schema: {type: string}}
      - {name: attempt, in: path, required: true, schema: {type: integer}}
    get:
      operationId: getAttempt
      responses:
        "200":
          description: The job as it was at that attempt.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Job"}
  /v1/jobs/{job_id}:
    parameters:
      - {name: job_id, in: path, required: true, schema: {type: string}}
    delete:
      operationId: deleteJob
      responses:
        "204": {description: Deleted.}
components:
  schemas:
    CreateJob:
      type: object
      required: [name, model]
      properties:
        name: {type: string}
        model: {type: string}
        priority: {type: integer}
        config:
          type: object
          properties:
            retries: {type: integer}
    Job:
      type: object
      required: [id, name]
      properties:
        id: {type: string}
        name: {type: string}
    JobPage:
      type: object
      required: [data]
      properties:
        data: {type: array, items: {$ref: "#/components/schemas/Job"}}
"""

BASE = "http://jobs.test"
JOB = '{"id": "job-1", "name": "nightly"}'
PAGE = '{"data": [' + JOB + "]}"


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    schemas = tmp_path_factory.mktemp("harjobs-schemas")
    (schemas / "harjobs.openapi.yaml").write_text(SPEC)
    out = tmp_path_factory.mktemp("harjobs") / "out"
    result = run_generator("generate", schemas, out)
    assert result.returncode == 0, result.stderr
    return out


def exchange(
    method: str,
    url: str,
    status: int,
    body: str | None = None,
    *,
    sent: str | None = None,
    sent_type: str = "application/json",
    encoding: str | None = None,
) -> dict[str, Any]:
    """One HAR entry: the request (``sent``: its body) and the response (``body``: JSON, or none)."""
    request: dict[str, Any] = {"method": method, "url": url, "headers": [], "queryString": []}
    if sent is not None:
        request["postData"] = {"mimeType": sent_type, "text": sent}
        if encoding is not None:
            request["postData"]["encoding"] = encoding
    content: dict[str, Any] = {"mimeType": "application/json" if body is not None else "", "size": len(body or "")}
    if body is not None:
        content["text"] = body
    return {"request": request, "response": {"status": status, "headers": [], "content": content}}


def capture(folder: Path, *entries: dict[str, Any]) -> Path:
    path = folder / "session.har"
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "test"}, "entries": list(entries)}}))
    return path


def validate(package: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``evaljobs validate`` of the scratch package, in a fresh interpreter."""
    code = f"import sys; sys.path.insert(0, {str(package)!r}); from evaljobs.cli import main; sys.exit(main())"
    return subprocess.run(
        [sys.executable, "-B", "-c", code, "validate", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin", "NO_COLOR": "1"},
    )


def by_entry(result: subprocess.CompletedProcess[str]) -> dict[int, dict[str, Any]]:
    """The json reports, by the number of their HAR entry."""
    return {int(str(r["source"]).split(":")[1].split()[0]): r for r in reports(result)}


def test_a_valid_request_has_no_request_finding(package: Path, tmp_path: Path) -> None:
    har = capture(
        tmp_path,
        exchange("POST", f"{BASE}/v1/jobs?dry_run=true", 201, JOB, sent='{"name": "nightly", "model": "llama"}'),
        exchange("GET", f"{BASE}/v1/jobs?project=p1&page=2&status=running&ids=1&ids=2", 200, PAGE),
        exchange("GET", f"{BASE}/v1/jobs/job-1/attempts/3", 200, JOB),
        exchange("DELETE", f"{BASE}/v1/jobs/job-1", 204),
    )
    result = validate(package, "--format", "json", "--strict", str(har))
    assert result.returncode == 0, result.stdout + result.stderr
    found = by_entry(result)
    assert set(found) == {1, 2, 3}
    for report in found.values():
        assert report["valid"] is True and report["errors"] == [] and report["drift"] == [], report
    assert "4 DELETE /v1/jobs/job-1 204: skipped (no JSON body (no content type))" in result.stderr


def test_a_broken_request_body_is_reported_with_the_request_pointer(package: Path, tmp_path: Path) -> None:
    sent = '{"name": "nightly", "priority": "high", "config": {"retries": 1.5}, "colour": "red"}'
    bad = '{"id": "job-1", "name": 7}'
    har = capture(tmp_path, exchange("POST", f"{BASE}/v1/jobs", 201, bad, sent=sent))
    result = validate(package, "--format", "json", str(har))
    assert result.returncode == 1, result.stderr
    (report,) = reports(result)
    assert report["schema"] == "harjobs.Job" and report["valid"] is False
    request = [e for e in report["errors"] if e["in"] == "request"]
    assert {e["pointer"] for e in request} == {"/model", "/priority", "/config/retries"}
    assert all(e["severity"] == "error" and e["kind"] == "invalid_request_body" for e in request)
    assert next(e["message"] for e in request if e["pointer"] == "/model") == "missing required field 'model'"
    response = [e for e in report["errors"] if e["in"] == "response"]
    assert response == [{"pointer": "/name", "message": response[0]["message"], "in": "response", "severity": "error"}]
    assert report["errors"][: len(request)] == request, "the request's findings come first"
    assert report["drift"] == [
        {
            "pointer": "/colour",
            "kind": "unknown_field",
            "message": report["drift"][0]["message"],
            "in": "request",
            "severity": "warning",
        }
    ]


def test_request_bodies_missing_not_json_base64_and_undocumented(package: Path, tmp_path: Path) -> None:
    encoded = base64.b64encode(b'{"name": "n", "model": 3}').decode()
    har = capture(
        tmp_path,
        exchange("POST", f"{BASE}/v1/jobs", 201, JOB),
        exchange("POST", f"{BASE}/v1/jobs", 201, JOB, sent="{not json"),
        exchange("POST", f"{BASE}/v1/jobs", 201, JOB, sent=encoded, encoding="base64"),
        exchange("DELETE", f"{BASE}/v1/jobs/job-1", 204, sent='{"force": true}'),
        exchange("POST", f"{BASE}/v1/jobs", 201, JOB, sent="name=n", sent_type="application/x-www-form-urlencoded"),
    )
    result = validate(package, "--format", "json", str(har))
    assert result.returncode == 1, result.stderr
    found = by_entry(result)
    missing = found[1]["errors"]
    assert [(e["kind"], e["pointer"], e["in"]) for e in missing] == [("missing_request_body", "", "request")]
    assert "createJob requires a request body" in missing[0]["message"]
    assert [(e["kind"], e["pointer"]) for e in found[2]["errors"]] == [("invalid_request_body", "")]
    assert [(e["kind"], e["pointer"]) for e in found[3]["errors"]] == [("invalid_request_body", "/model")]
    assert found[4]["schema"] is None and found[4]["valid"] is True, "the response has no body: the request alone"
    assert [(d["kind"], d["severity"], d["in"]) for d in found[4]["drift"]] == [
        ("undocumented_request_body", "warning", "request")
    ]
    assert found[5]["errors"] == [], "another media type is not checked as JSON"
    assert [(d["kind"], d["severity"], d["in"]) for d in found[5]["drift"]] == [
        ("unexpected_content_type", "warning", "request")
    ], "but it is not one the operation takes"
    assert "createJob takes application/json; the request body is application/x-www-form-urlencoded" in str(found[5])
    assert validate(package, str(har)).stdout.splitlines()[-1] == "5 payload(s): 2 valid (2 with drift), 3 invalid"


def test_query_and_path_parameters(package: Path, tmp_path: Path) -> None:
    har = capture(
        tmp_path,
        exchange("GET", f"{BASE}/v1/jobs?page=2", 200, PAGE),
        exchange("GET", f"{BASE}/v1/jobs?project=p1&page=two&status=lost&ids=1,x", 200, PAGE),
        exchange("GET", f"{BASE}/v1/jobs?project=p1&colour=red&colour=blue", 200, PAGE),
        exchange("GET", f"{BASE}/v1/jobs/job-1/attempts/first", 200, JOB),
        exchange("POST", f"{BASE}/v1/jobs?dry_run=perhaps", 201, JOB, sent='{"name": "n", "model": "m"}'),
    )
    har.write_text(har.read_text())
    data = json.loads(har.read_text())  # a capture whose URL has no query, but a queryString list
    data["log"]["entries"][0]["request"]["url"] = f"{BASE}/v1/jobs"
    data["log"]["entries"][0]["request"]["queryString"] = [{"name": "page", "value": "2"}]
    har.write_text(json.dumps(data))
    result = validate(package, "--format", "json", str(har))
    assert result.returncode == 1, result.stderr
    found = by_entry(result)

    def where(finding: dict[str, Any]) -> tuple[str, str, str, str]:
        return finding["kind"], finding["location"], finding["parameter"], finding["pointer"]

    assert [where(e) for e in found[1]["errors"]] == [("missing_parameter", "query", "project", "")]
    assert found[1]["errors"][0]["message"] == "required query parameter 'project' is missing"
    wrong = found[2]["errors"]
    assert [where(e) for e in wrong] == [
        ("invalid_parameter", "query", "page", ""),
        ("invalid_parameter", "query", "status", ""),
        ("invalid_parameter", "query", "ids", ""),
    ]
    assert wrong[0]["message"] == "expected an integer; found 'two'"
    assert wrong[1]["message"] == "expected one of 'queued', 'running', 'done'; found 'lost'"
    assert all(e["in"] == "request" and e["severity"] == "error" for e in wrong)
    assert found[3]["valid"] is True and found[3]["errors"] == []
    (undocumented,) = found[3]["drift"]
    assert (undocumented["kind"], undocumented["severity"], undocumented["parameter"]) == (
        "undocumented_parameter",
        "info",
        "colour",
    )
    assert "not a query parameter of listJobs (documented: ids, page, project, status)" in undocumented["message"]
    assert [where(e) for e in found[4]["errors"]] == [("invalid_parameter", "path", "attempt", "")]
    assert [where(e) for e in found[5]["errors"]] == [("invalid_parameter", "query", "dry_run", "")]
    assert found[5]["errors"][0]["message"] == "expected true or false; found 'perhaps'"


def test_exit_statuses_and_strict(package: Path, tmp_path: Path) -> None:
    drift = tmp_path / "drift"
    info = tmp_path / "info"
    broken = tmp_path / "broken"
    for folder in (drift, info, broken):
        folder.mkdir()
    capture(drift, exchange("POST", f"{BASE}/v1/jobs", 201, JOB, sent='{"name": "n", "model": "m", "x": 1}'))
    capture(info, exchange("GET", f"{BASE}/v1/jobs?project=p&debug=1", 200, PAGE))
    capture(broken, exchange("GET", f"{BASE}/v1/jobs", 200, PAGE))
    assert validate(package, str(drift)).returncode == 0
    assert validate(package, "--strict", str(drift)).returncode == 1, "request drift is drift"
    assert validate(package, str(info)).returncode == 0
    assert validate(package, "--strict", str(info)).returncode == 0, "info findings never fail"
    assert validate(package, str(broken)).returncode == 1, "a request error fails as a response error does"


def test_text_output_names_the_request_findings_beside_the_response(package: Path, tmp_path: Path) -> None:
    sent = '{"name": "n", "model": "m", "priority": "high"}'
    har = capture(
        tmp_path,
        exchange("POST", f"{BASE}/v1/jobs?dry_run=no&trace=1", 201, '{"id": "j", "name": "n", "extra": 1}', sent=sent),
    )
    result = validate(package, str(har))
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f" FAIL {har}:1 POST /v1/jobs 201  harjobs.Job"
    assert lines[1] == "        request error query parameter 'dry_run': expected true or false; found 'no'"
    assert lines[2].startswith("        request error /priority: expected an integer")
    assert lines[3].startswith("        request info query parameter 'trace': 'trace' is not a query parameter")
    assert lines[4].startswith("        response drift /extra: ")
    assert lines[5] == "1 payload(s): 0 valid (0 with drift), 1 invalid"


def test_junit_output_has_the_request_findings(package: Path, tmp_path: Path) -> None:
    har = capture(
        tmp_path,
        exchange("GET", f"{BASE}/v1/jobs?page=x", 200, PAGE),
        exchange("GET", f"{BASE}/v1/jobs?project=p&debug=1", 200, PAGE),
        exchange("POST", f"{BASE}/v1/jobs", 201, JOB, sent='{"name": "n", "model": "m", "x": 1}'),
    )
    for strict in (False, True):
        result = validate(package, "--format", "junit", *(["--strict"] if strict else []), str(har))
        assert result.returncode == 1
        suite = ElementTree.fromstring(result.stdout).find("testsuite")
        assert suite is not None
        cases = suite.findall("testcase")
        assert suite.get("tests") == "3" and suite.get("failures") == ("2" if strict else "1")
        failure = (cases[0].find("failure").text or "").splitlines()  # type: ignore[union-attr]
        assert failure == [
            "request error query parameter 'project': required query parameter 'project' is missing",
            "request error query parameter 'page': expected an integer; found 'x'",
        ]
        info = cases[1].findtext("system-out") or ""
        assert info.startswith("request info query parameter 'debug' (undocumented_parameter): ")
        assert cases[1].find("failure") is None, "info findings never fail"
        drifted = cases[2].findtext("failure" if strict else "system-out") or ""
        assert drifted.startswith("request drift /x (unknown_field): ")


def test_the_projects_specs_check_requests_too(tmp_path: Path) -> None:
    """The project's own specs: the request of a NeMo list with a mistyped page and an unknown parameter, and a
    bare payload beside it, whose report has no side or severity (bare payloads' output is unchanged)."""
    page = '{"object": "list", "data": [], "pagination": {"page": 1, "page_size": 10, "current_page_size": 0, '
    page += '"total_pages": 0, "total_results": 0}}'
    har = capture(tmp_path, exchange("GET", "http://nemo.test/v1/evaluation/jobs?page=abc&colour=red", 200, page))
    bare = tmp_path / "bare.json"
    bare.write_text('{"message": 1}')
    result = evaljobs(
        "validate", "--format", "json", "--endpoint", "GET /v2/evaluation/jobs/{job_id}/status", str(bare)
    )
    for finding in reports(result)[0]["errors"]:
        assert set(finding) == {"pointer", "message"}, "a bare payload's findings are as they were"
    result = evaljobs("validate", "--format", "json", str(har))
    assert result.returncode == 1, result.stderr
    (report,) = reports(result)
    assert report["schema"] == "nemo_evaluator.EvaluationJobsPage"
    assert [(e["in"], e.get("parameter"), e.get("kind")) for e in report["errors"]] == [
        ("request", "page", "invalid_parameter")
    ]
    assert [(d["in"], d["parameter"], d["severity"]) for d in report["drift"]] == [("request", "colour", "info")]


def test_the_python_api_is_unchanged_and_exchange_findings_are_typed() -> None:
    import evaljobs as package
    from evaljobs._inputs import Request
    from evaljobs._report import Drift, Error
    from evaljobs._validation.request_checks import check

    report = package.validate(b'{"id": "x", "message": 1}', schema="gradient.Error")
    assert [error.as_json() for error in report.errors] == [
        {"pointer": "/message", "message": "expected a string; found number 1"}
    ]
    assert report.errors[0].side is None and report.errors[0].severity == "error"
    findings = check(Request("GET", "/v1/evaluation/jobs", (("page", "x"), ("colour", "red"))))
    assert findings is not None and findings.operation.operation_id == "listEvaluationJobs"
    assert findings.errors == [
        Error("", "expected an integer; found 'x'", "request", "invalid_parameter", "page", "query")
    ]
    assert [d.severity for d in findings.drift] == ["info"] and isinstance(findings.drift[0], Drift)
    assert check(Request("GET", "/v2/nowhere")) is None


def har_entry(response: httpx.Response) -> dict[str, Any]:
    """A real exchange, as a HAR entry (the shape browsers and proxies write)."""
    request = response.request
    entry: dict[str, Any] = {
        "request": {
            "method": request.method,
            "url": str(request.url),
            "headers": [{"name": k, "value": v} for k, v in request.headers.items()],
            "queryString": [{"name": k, "value": v} for k, v in request.url.params.multi_items()],
        },
        "response": {
            "status": response.status_code,
            "headers": [{"name": k, "value": v} for k, v in response.headers.items()],
            "content": {"mimeType": response.headers.get("content-type", ""), "text": response.text},
        },
    }
    if request.content:
        entry["request"]["postData"] = {
            "mimeType": request.headers.get("content-type", ""),
            "text": request.content.decode(),
        }
    return entry


def test_exchanges_recorded_over_loopback(tmp_path: Path) -> None:
    """Exchanges with the project's mock (which refuses a mistyped page with its 422): the capture names the
    request's finding and validates the mock's error body against the operation's 422 schema."""
    from evaljobs._mock import MockServer

    with MockServer() as mock, httpx.Client(base_url=mock.url, timeout=10) as http:
        answers = [
            http.get("/v1/evaluation/jobs", params={"page": 1, "page_size": 5}),
            http.get("/v1/evaluation/jobs", params={"page": "abc"}),
        ]
    har = capture(tmp_path, *(har_entry(answer) for answer in answers))
    result = evaljobs("validate", "--format", "json", str(har))
    assert result.returncode == 1, result.stderr
    good, bad = reports(result)
    assert good["valid"] is True and good["errors"] == [] and good["schema"] == "nemo_evaluator.EvaluationJobsPage"
    assert str(bad["source"]).endswith(" 422") and bad["schema"] == "nemo_evaluator.HTTPValidationError"
    request = [e for e in bad["errors"] if e["in"] == "request"]  # (the response's findings are the mock's)
    assert [(e["parameter"], e["kind"]) for e in request] == [("page", "invalid_parameter")]


def test_a_broken_create_body_of_the_projects_spec_is_reported_with_its_pointer(tmp_path: Path) -> None:
    """Issue 15's check on the project's own NeMo spec: a create request whose body lacks its target and sends a
    number as its description, beside one that is valid."""
    from evaljobs._mock import MockServer

    with MockServer() as mock, httpx.Client(base_url=mock.url, timeout=10) as http:
        answers = [
            http.post("/v1/evaluation/jobs", json={"config": "default/cfg", "target": "default/llama"}),
            http.post("/v1/evaluation/jobs", json={"config": "default/cfg", "description": 5}),
        ]
    har = capture(tmp_path, *(har_entry(answer) for answer in answers))
    result = evaljobs("validate", "--format", "json", str(har))
    assert result.returncode == 1, result.stderr
    good, bad = reports(result)
    assert [e for e in good["errors"] if e["in"] == "request"] == [], good
    request = [e for e in bad["errors"] if e["in"] == "request"]
    assert {(e["pointer"], e["kind"], e["severity"]) for e in request} == {
        ("/target", "invalid_request_body", "error"),
        ("/description", "invalid_request_body", "error"),
    }
    text = evaljobs("validate", str(har)).stdout
    assert "        request error /target: missing required field 'target'" in text

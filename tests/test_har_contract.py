"""The contract of a captured exchange beyond its bodies and parameters: credentials (``security_not_met``), request
headers (header parameters; ``undocumented_header``), media types (``unexpected_content_type``, request and
response) and which server an exchange went to (``--match path|basepath|host``, ``--server``;
``undocumented_server``).

A small API of the tests' own, served below a base path and asking for a bearer token or an API key, is generated
into a scratch package (as tests/test_har_requests.py does), and ``evaljobs validate`` runs from it in a
subprocess on HAR captures the tests write.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.generation import run_generator
from tests.test_har_requests import by_entry, capture, validate

SPEC = """\
openapi: 3.0.3
info: {title: Secured jobs, version: "1"}
servers:
  - url: "https://{host}/api/v3"
    variables:
      host: {default: api.jobs.test}
security:
  - bearer: []
  - key: []
paths:
  /jobs:
    get:
      operationId: listJobs
      parameters:
        - {name: X-Tenant, in: header, required: true, schema: {type: string}}
        - {name: X-Page-Size, in: header, schema: {type: integer}}
        - {name: Accept, in: header, schema: {type: string}}
      responses:
        "200":
          description: The jobs.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Jobs"}
    post:
      operationId: createJob
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Job"}
          application/*:
            schema: {type: string}
      responses:
        "201":
          description: The new job.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Job"}
        "204": {description: Nothing to say.}
  /health:
    get:
      operationId: health
      security: []
      responses:
        "200":
          description: Up.
          content:
            application/json:
              schema: {type: object}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
    key: {type: apiKey, in: header, name: X-API-Key}
  schemas:
    Job:
      type: object
      required: [name]
      properties:
        name: {type: string}
    Jobs:
      type: object
      required: [data]
      properties:
        data: {type: array, items: {$ref: "#/components/schemas/Job"}}
"""

BASE = "https://api.jobs.test/api/v3"
JOBS = '{"data": [{"name": "nightly"}]}'
JOB = '{"name": "nightly"}'
TENANT = ("X-Tenant", "t1")
TOKEN = ("Authorization", "Bearer abc")


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    schemas = tmp_path_factory.mktemp("secured-schemas")
    (schemas / "secured.openapi.yaml").write_text(SPEC)
    out = tmp_path_factory.mktemp("secured") / "out"
    result = run_generator("generate", schemas, out)
    assert result.returncode == 0, result.stderr
    return out


def entry(
    method: str,
    url: str,
    status: int,
    body: str | None = None,
    *,
    headers: tuple[tuple[str, str], ...] = (TOKEN, TENANT),
    sent: str | None = None,
    sent_type: str = "application/json",
    media: str = "application/json",
) -> dict[str, Any]:
    """One HAR entry with its request headers (by default a bearer token and the tenant)."""
    request: dict[str, Any] = {
        "method": method,
        "url": url,
        "headers": [{"name": name, "value": value} for name, value in headers],
        "queryString": [],
    }
    if sent is not None:
        request["postData"] = {"mimeType": sent_type, "text": sent}
    content: dict[str, Any] = {"mimeType": media if body is not None else "", "size": len(body or "")}
    if body is not None:
        content["text"] = body
    return {"request": request, "response": {"status": status, "headers": [], "content": content}}


def kinds(report: dict[str, Any]) -> list[tuple[str, str, str]]:
    """(side, kind, severity) of each of a report's findings, errors first."""
    return [(f["in"], f["kind"], f["severity"]) for f in [*report["errors"], *report["drift"]]]


def test_credentials_are_checked_against_every_security_alternative(package: Path, tmp_path: Path) -> None:
    har = capture(
        tmp_path,
        entry("GET", f"{BASE}/jobs", 200, JOBS),  # a bearer token
        entry("GET", f"{BASE}/jobs", 200, JOBS, headers=(("X-API-Key", "k"), TENANT)),  # the other alternative
        entry("GET", f"{BASE}/jobs", 200, JOBS, headers=(("User-Agent", "curl"), TENANT)),  # none
        entry("GET", f"{BASE}/jobs", 200, JOBS, headers=(("Authorization", "Basic dTpw"), TENANT)),  # another scheme
        entry("GET", f"{BASE}/jobs", 200, JOBS, headers=(("Authorization", "[redacted]"), TENANT)),  # recorded, hidden
        entry("GET", f"{BASE}/health", 200, "{}", headers=(("User-Agent", "curl"),)),  # security: [] asks none
    )
    result = validate(package, "--format", "json", str(har))
    assert result.returncode == 1, result.stderr
    found = by_entry(result)
    for shown in (1, 2, 5, 6):
        assert kinds(found[shown]) == [], found[shown]
    for missing in (3, 4):
        assert kinds(found[missing]) == [("request", "security_not_met", "error")], found[missing]
    message = found[3]["errors"][0]["message"]
    assert message == (
        "listJobs needs credentials (header authorization: Bearer ... or header x-api-key: ...); "
        "the request has none that fit"
    )
    # a browser's sanitized HAR leaves Authorization out: --ignore-header stops judging it
    ignored = validate(package, "--format", "json", "--ignore-header", "Authorization", str(har))
    assert [kinds(report) for report in by_entry(ignored).values()] == [[]] * 6, ignored.stdout


def test_a_capture_without_request_headers_is_not_blamed_for_credentials(package: Path, tmp_path: Path) -> None:
    har = capture(tmp_path, entry("POST", f"{BASE}/jobs", 201, JOB, headers=(), sent=JOB))  # no header recorded
    result = validate(package, "--format", "json", "--strict", str(har))
    assert result.returncode == 0, result.stdout + result.stderr
    assert kinds(by_entry(result)[1]) == []


def test_header_parameters_and_undocumented_headers(package: Path, tmp_path: Path) -> None:
    har = capture(
        tmp_path,
        entry("GET", f"{BASE}/jobs", 200, JOBS, headers=(TOKEN,)),  # the required tenant missing
        entry("GET", f"{BASE}/jobs", 200, JOBS, headers=(TOKEN, TENANT, ("X-Page-Size", "ten"))),
        entry(
            "GET",
            f"{BASE}/jobs",
            200,
            JOBS,
            headers=(
                TOKEN,
                TENANT,
                ("User-Agent", "sdk/1"),
                ("Sec-Fetch-Mode", "cors"),
                ("traceparent", "00-1-2-01"),
                ("X-Stainless-Lang", "python"),
                ("X-Debug", "1"),
            ),
        ),
    )
    result = validate(package, "--format", "json", str(har))
    assert result.returncode == 1, result.stderr
    found = by_entry(result)
    missing = found[1]["errors"]
    assert [(e["kind"], e["parameter"], e["location"]) for e in missing] == [
        ("missing_parameter", "x-tenant", "header")
    ]
    invalid = found[2]["errors"]
    assert [(e["kind"], e["parameter"], e["location"]) for e in invalid] == [
        ("invalid_parameter", "x-page-size", "header")
    ]
    assert invalid[0]["message"] == "expected an integer; found 'ten'"
    beyond = found[3]["drift"]  # HTTP's own, browsers' and tracing headers are nobody's drift
    assert [(d["kind"], d["severity"], d["parameter"]) for d in beyond] == [
        ("undocumented_header", "info", "x-stainless-lang"),
        ("undocumented_header", "info", "x-debug"),
    ]
    assert "documented headers: authorization, x-api-key, x-page-size, x-tenant" in beyond[0]["message"]
    assert validate(package, "--fail-on", "warning", str(har.parent / "session.har")).returncode == 1
    quiet = validate(package, "--format", "json", "--ignore-header", "x-stainless-*", "--fail-on", "drift", str(har))
    assert [d["parameter"] for d in by_entry(quiet)[3]["drift"]] == ["x-debug"]


def post(
    status: int, body: str, *, sent: str, sent_type: str = "application/json", media: str = "application/json"
) -> dict[str, Any]:
    """A createJob exchange, with its bearer token."""
    return entry("POST", f"{BASE}/jobs", status, body, headers=(TOKEN,), sent=sent, sent_type=sent_type, media=media)


def test_media_types_of_requests_and_responses(package: Path, tmp_path: Path) -> None:
    har = capture(
        tmp_path,
        post(201, JOB, sent="name: n", sent_type="application/vnd.jobs+yaml"),  # in application/*
        post(201, JOB, sent="name=n", sent_type="text/plain; charset=utf-8"),
        post(201, "<p>created</p>", sent=JOB, media="text/html"),
        post(204, JOB, sent=JOB),  # 204 documents no body
        post(201, JOB, sent=JOB, media="application/json; charset=utf-8"),
    )
    result = validate(package, "--format", "json", str(har))
    assert result.returncode == 0, result.stderr
    found = by_entry(result)
    assert kinds(found[1]) == [] and kinds(found[5]) == []
    assert kinds(found[2]) == [("request", "unexpected_content_type", "warning")]
    assert found[2]["drift"][0]["message"] == (
        "createJob takes application/json, application/*; the request body is text/plain; charset=utf-8"
    )
    assert kinds(found[3]) == [("response", "unexpected_content_type", "warning")]
    assert kinds(found[4]) == [("response", "unexpected_content_type", "warning")]
    assert (
        found[4]["drift"][0]["message"]
        == "createJob documents no body for status 204; the response is application/json"
    )
    assert validate(package, "--strict", str(har)).returncode == 1


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        # the default: the path, below a server's base path or not, on any host
        ((), {1: "Jobs", 2: "Jobs", 3: "Jobs", 4: "Jobs"}),
        (("--match", "basepath"), {1: "Jobs", 2: "undocumented_endpoint", 3: "Jobs", 4: "Jobs"}),
        (
            ("--match", "host"),
            {1: "Jobs", 2: "undocumented_endpoint", 3: "undocumented_server", 4: "undocumented_server"},
        ),
        (
            ("--match", "host", "--server", "http://localhost:8080"),
            {1: "undocumented_server", 2: "undocumented_server", 3: "undocumented_server", 4: "undocumented_endpoint"},
        ),
    ],
)
def test_exchanges_find_their_spec_by_path_base_path_or_host(
    package: Path, tmp_path: Path, options: tuple[str, ...], expected: dict[int, str]
) -> None:
    har = capture(
        tmp_path,
        entry("GET", f"{BASE}/jobs", 200, JOBS),
        entry("GET", "https://api.jobs.test/jobs", 200, JOBS),  # outside the base path
        entry("GET", "https://mirror.test/api/v3/jobs", 200, JOBS),  # another host
        entry("GET", "http://localhost:8080/api/v3/jobs", 200, JOBS),
    )
    result = validate(package, "--format", "json", *options, str(har))
    assert result.returncode == 0, result.stderr
    found = by_entry(result)
    seen = {
        index: (report["schema"] or "").rpartition(".")[2] or report["drift"][0]["kind"]
        for index, report in found.items()
    }
    assert seen == expected, json.dumps(found, indent=1)
    if "undocumented_server" in expected.values():
        message = next(d["message"] for r in found.values() for d in r["drift"] if d["kind"] == "undocumented_server")
        assert message.endswith(" is not a server of any spec (servers: " + (options[3:] or (BASE,))[0] + ")")


def test_the_text_report_names_headers_and_credentials(package: Path, tmp_path: Path) -> None:
    har = capture(tmp_path, entry("GET", f"{BASE}/jobs", 200, JOBS, headers=(("X-Debug", "1"),)))
    lines = validate(package, str(har)).stdout.splitlines()
    assert [line.split(":", 1)[0].strip() for line in lines[1:4]] == [
        "request error header parameter 'x-tenant'",
        "request error credentials",
        "request info header parameter 'x-debug'",
    ], lines

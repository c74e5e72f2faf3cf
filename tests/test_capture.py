"""The capture transports (evaljobs.capture) under the official SDKs and the generated clients, against the mock
over loopback HTTP: what they report live is what `evaljobs validate` reports on the capture they wrote, their
captures hold no secret, and a body past the limit streams through unrecorded."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradient import AsyncGradient, Gradient
from nemo_microservices import AsyncNeMoMicroservices, NeMoMicroservices

from evaljobs import nemo_evaluator
from evaljobs._capture_record import Body, redact_header, redact_url
from evaljobs._mock import MockServer
from evaljobs.capture import AsyncCaptureTransport, CaptureTransport
from tests.live_traffic import TOKEN, async_session, gradient_session, nemo_session, validated
from tests.loopback import NEMO_V1_JOB


@pytest.fixture
def mock() -> Iterator[MockServer]:
    """A mock of its own per test, checking the bearer token where the spec asks for one."""
    with MockServer(token=TOKEN) as server:
        yield server


def as_json(transport: CaptureTransport | AsyncCaptureTransport) -> list[dict[str, object]]:
    return [report.as_json() for report in transport.reports]


def test_the_sdks_reports_are_those_validate_reads_back(mock: MockServer, tmp_path: Path) -> None:
    capture = tmp_path / "sdk.har"
    transport = CaptureTransport(har=capture)
    with httpx.Client(transport=transport) as http:
        nemo_session(NeMoMicroservices(base_url=mock.url, max_retries=0, http_client=http))
        gradient_session(Gradient(access_token=TOKEN, base_url=mock.url, max_retries=0, http_client=http))
    live = as_json(transport)
    assert live == validated(capture)
    assert len(live) == 12 and not transport.skipped  # (an SDK's own headers are findings on every exchange)
    assert {report["schema"] for report in live if "download-results" in str(report["source"])} == {None}
    kinds = {(finding["in"], finding.get("kind")) for report in live for finding in report["errors"]}
    assert ("request", "invalid_parameter") in kinds  # page=abc
    drift = {(finding["kind"], finding.get("parameter")) for report in live for finding in report["drift"]}
    assert ("undocumented_parameter", "foo") in drift
    assert [report.source for report in transport.problems] == [
        report["source"] for report in live if not report["valid"]
    ]
    entries = json.loads(capture.read_text())["log"]["entries"]
    assert len(entries) == 12 and all(entry["startedDateTime"].endswith("Z") for entry in entries)


def test_the_async_transport_reports_what_validate_reads_back(mock: MockServer, tmp_path: Path) -> None:
    capture = tmp_path / "async.har"
    transport = AsyncCaptureTransport(har=capture)

    async def session() -> None:
        async with httpx.AsyncClient(transport=transport) as http:
            nemo = AsyncNeMoMicroservices(base_url=mock.url, max_retries=0, http_client=http)
            runs = AsyncGradient(access_token=TOKEN, base_url=mock.url, max_retries=0, http_client=http)
            await async_session(nemo, runs)

    asyncio.run(session())
    assert len(transport.reports) == 4 and not transport.problems
    assert as_json(transport) == validated(capture)


def test_the_generated_clients_through_the_transport(mock: MockServer, tmp_path: Path) -> None:
    capture = tmp_path / "ours.har"
    transport = CaptureTransport(har=capture, ignore_headers=("x-stainless-*",))
    with (
        httpx.Client(transport=transport) as http,
        nemo_evaluator.Client(base_url=mock.url, http_client=http) as client,
    ):
        job = client.get_evaluation_job(NEMO_V1_JOB)
    assert job.id == NEMO_V1_JOB
    (report,) = transport.reports
    assert report.schema == "nemo_evaluator.EvaluationJob" and report.valid and not report.drift
    assert as_json(transport) == validated(capture)


def test_secrets_never_reach_the_capture(mock: MockServer, tmp_path: Path) -> None:
    capture = tmp_path / "secrets.har"
    transport = CaptureTransport(har=capture)
    with httpx.Client(transport=transport) as http:
        sdk = Gradient(access_token=TOKEN, base_url=mock.url, max_retries=0, http_client=http)
        sdk.agents.evaluation_runs.retrieve("0a7c3f5e-4b2d-4f1a-9e8c-6d5b4a3f2e1d")
        http.get(
            f"{mock.url}/v1/evaluation/jobs",
            params={"page": "1", "access_token": "query-secret-1", "api_key": "query-secret-2"},
            headers={"X-Api-Key": "header-secret", "Cookie": "session=cookie-secret; theme=dark"},
        )
    text = capture.read_text()
    for secret in (TOKEN, "query-secret-1", "query-secret-2", "header-secret", "cookie-secret", "dark"):
        assert secret not in text
    entries = json.loads(text)["log"]["entries"]
    headers = {item["name"].lower(): item["value"] for item in entries[1]["request"]["headers"]}
    assert headers["x-api-key"] == "[redacted]"
    assert headers["cookie"] == "session=[redacted]; theme=[redacted]"
    assert {"name": "page", "value": "1"} in entries[1]["request"]["queryString"]
    assert {"name": "api_key", "value": "[redacted]"} in entries[1]["request"]["queryString"]
    gradient_headers = {item["name"].lower(): item["value"] for item in entries[0]["request"]["headers"]}
    assert gradient_headers["authorization"] == "Bearer [redacted]"
    assert transport.reports[0].valid  # a redacted bearer token still meets the operation's security


def test_set_cookie_is_redacted_keeping_its_attributes(tmp_path: Path) -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        headers = {"Set-Cookie": "sid=server-secret; Path=/; HttpOnly"}
        return httpx.Response(200, headers=headers, json={"ok": True})

    capture = tmp_path / "cookies.har"
    with httpx.Client(transport=CaptureTransport(httpx.MockTransport(answer), har=capture)) as http:
        http.get("https://user:password@api.example.com/anything?token=t0k3n&sig=abc&q=kept")
    text = capture.read_text()
    assert "server-secret" not in text and "t0k3n" not in text and "password" not in text
    (entry,) = json.loads(text)["log"]["entries"]
    cookie = next(item["value"] for item in entry["response"]["headers"] if item["name"].lower() == "set-cookie")
    assert cookie == "sid=[redacted]; Path=/; HttpOnly"
    assert entry["request"]["url"] == "https://redacted@api.example.com/anything?token=[redacted]&sig=[redacted]&q=kept"


def test_redaction_of_single_values() -> None:
    assert redact_header("Authorization", "Bearer abc.def") == "Bearer [redacted]"
    assert redact_header("authorization", "abc.def") == "[redacted]"
    assert redact_header("Proxy-Authorization", "Basic dXNlcjpwYXNz") == "Basic [redacted]"
    assert redact_header("X-Api-Key", "k") == "[redacted]"
    assert redact_header("Accept", "application/json") == "application/json"
    assert redact_url("http://h/p?page=2&Access_Token=x&password=y") == (
        "http://h/p?page=2&Access_Token=[redacted]&password=[redacted]"
    )


def test_a_body_past_the_limit_streams_through_unrecorded(tmp_path: Path) -> None:
    capture = tmp_path / "big.har"
    transport = CaptureTransport(har=capture, body_limit=64 * 1024)
    with MockServer(download_size=1024 * 1024) as mock, httpx.Client(transport=transport) as http:
        created = http.post(f"{mock.url}/v1/evaluation/jobs", json={"config": "c", "target": "t"},
                            headers={"X-Mock-Schedule": "succeeded=0"})  # fmt: skip
        archive = http.get(f"{mock.url}/v1/evaluation/jobs/{created.json()['id']}/download-results")
    assert len(archive.content) > 1024 * 1024 and archive.content[:2] == b"PK"
    entries = json.loads(capture.read_text())["log"]["entries"]
    content = entries[1]["response"]["content"]
    assert "text" not in content and content["size"] == len(archive.content)
    assert "beyond the body limit of 65,536 bytes" in content["comment"]
    assert as_json(transport) == validated(capture)


def test_ndjson_lines_hold_each_exchange(mock: MockServer, tmp_path: Path) -> None:
    capture = tmp_path / "traffic.ndjson"
    transport = CaptureTransport(ndjson=capture)
    with httpx.Client(transport=transport) as http:
        http.get(f"{mock.url}/v1/evaluation/jobs/{NEMO_V1_JOB}")
        http.get(f"{mock.url}/v1/evaluation/jobs", params={"page": "x"})
    lines = [json.loads(line) for line in capture.read_text().splitlines()]
    assert [sorted(line) for line in lines] == [["request", "response", "timestamp"]] * 2
    assert [line["response"]["status"] for line in lines] == [200, 422]
    assert [(report.source.split(" ", 1)[1]) for report in transport.reports] == [
        f"GET /v1/evaluation/jobs/{NEMO_V1_JOB} 200",
        "GET /v1/evaluation/jobs 422",
    ]
    assert as_json(transport) == validated(capture)  # the NDJSON capture read back, as the HAR one is
    assert [report.valid for report in transport.reports] == [True, False]


def test_gzip_bodies_are_recorded_decoded() -> None:
    import gzip

    body = Body(1024, "gzip")
    packed = gzip.compress(b'{"a": 1}' * 10)
    for index in range(0, len(packed), 7):
        body.feed(packed[index : index + 7])
    assert body.data() == b'{"a": 1}' * 10 and body.size == 80
    assert Body(1024, "br").data() is None

"""`evaljobs proxy` as a process in front of the mock, with the official SDKs and plain httpx as its clients:
it prints each exchange's findings as it happens, the same as `evaljobs validate` on its capture and as the
capture transport's; its exit status follows --fail-on; killed, it leaves a readable HAR; a bad --target is
refused with a clear message."""

from __future__ import annotations

import json
import signal
import socket
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from gradient import Gradient
from nemo_microservices import NeMoMicroservices

from evaljobs._mock import MockServer
from evaljobs.capture import CaptureTransport
from tests.live_traffic import TOKEN, evaljobs, gradient_session, nemo_session, normalized, proxy, validated
from tests.loopback import NEMO_V1_JOB, unused_port


@pytest.fixture
def mock() -> Iterator[MockServer]:
    with MockServer(token=TOKEN) as server:
        yield server


def test_the_sdks_through_the_proxy_report_as_validate_and_the_transport(mock: MockServer, tmp_path: Path) -> None:
    capture = tmp_path / "proxy.har"
    with proxy("--target", mock.url, "--har", str(capture), "--format", "json", "--coverage") as running:
        ids = nemo_session(NeMoMicroservices(base_url=running.url, max_retries=0))
        ids += gradient_session(Gradient(access_token=TOKEN, base_url=running.url, max_retries=0))
        status, out, err = running.stop()
    assert status == 1, err  # page=abc is an error of the request
    *lines, last = out.splitlines()
    live = [json.loads(line) for line in lines]
    assert live == validated(capture)
    assert json.loads(last)["coverage"]["operations"]["seen"] == 8
    assert TOKEN not in capture.read_text()

    direct = tmp_path / "transport.har"
    transport = CaptureTransport(har=direct)
    with MockServer(token=TOKEN) as again, httpx.Client(transport=transport) as http:
        made = nemo_session(NeMoMicroservices(base_url=again.url, max_retries=0, http_client=http))
        made += gradient_session(Gradient(access_token=TOKEN, base_url=again.url, max_retries=0, http_client=http))
    assert normalized(validated(direct), str(direct), made) == normalized(live, str(capture), ids)


def test_findings_print_as_they_happen_and_the_exit_status_follows_fail_on(mock: MockServer, tmp_path: Path) -> None:
    with proxy("--target", mock.url, "--format", "json") as running, httpx.Client(base_url=running.url) as http:
        assert http.get(f"/v1/evaluation/jobs/{NEMO_V1_JOB}").json()["id"] == NEMO_V1_JOB
        assert running.process.stdout is not None
        report = json.loads(running.process.stdout.readline())  # before the proxy stops
        assert report["source"] == f"live:1 GET /v1/evaluation/jobs/{NEMO_V1_JOB} 200" and report["valid"]
        http.get("/v1/evaluation/jobs", params={"foo": "1"})  # an undocumented parameter: info
        status, _, err = running.stop()
    assert status == 0, err

    with proxy("--target", mock.url, "--fail-on", "drift") as running, httpx.Client(base_url=running.url) as http:
        http.get("/v1/evaluation/jobs", params={"foo": "1"})
        status, out, _ = running.stop()
    assert status == 1
    assert "request info query parameter 'foo'" in out
    assert "1 payload(s): 1 valid (0 with drift), 0 invalid; --fail-on drift: drift and info fail" in out


def test_a_killed_proxy_leaves_a_readable_har(mock: MockServer, tmp_path: Path) -> None:
    capture = tmp_path / "killed.har"
    with proxy("--target", mock.url, "--har", str(capture)) as running, httpx.Client(base_url=running.url) as http:
        for _ in range(3):
            http.get(f"/v1/evaluation/jobs/{NEMO_V1_JOB}")
        assert running.process.stdout is not None
        for _ in range(3):  # each exchange's report: it has been recorded
            running.process.stdout.readline()
        status, _, _ = running.stop(signal.SIGKILL)
    assert status == -signal.SIGKILL
    assert len(json.loads(capture.read_text())["log"]["entries"]) == 3
    assert [report["valid"] for report in validated(capture)] == [True, True, True]


def test_a_large_download_streams_through_and_ndjson_records_it(tmp_path: Path) -> None:
    capture = tmp_path / "traffic.ndjson"
    size = 4 * 1024 * 1024
    with (
        MockServer(download_size=size) as mock,
        proxy("--target", mock.url, "--ndjson", str(capture), "--body-limit", "65536") as running,
        httpx.Client(base_url=running.url) as http,
    ):
        job = http.post(
            "/v1/evaluation/jobs", json={"config": "c", "target": "t"}, headers={"X-Mock-Schedule": "succeeded=0"}
        ).json()
        with http.stream("GET", f"/v1/evaluation/jobs/{job['id']}/download-results") as download:
            received = sum(len(piece) for piece in download.iter_bytes())
        status, _, err = running.stop()
    assert status == 0, err
    first, second = (json.loads(line) for line in capture.read_text().splitlines())
    assert first["request"]["postData"]["text"] == '{"config":"c","target":"t"}'
    assert received > size and second["response"]["content"]["size"] == received
    assert "text" not in second["response"]["content"] and second["timestamp"].endswith("Z")


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("ftp://example.com", "is not an http:// or https:// URL with a host"),
        ("not a url", "is not an http:// or https:// URL with a host"),
        ("http://127.0.0.1:99999", "is not a URL"),
        ("http://127.0.0.1:{port}", "nothing answers at 127.0.0.1:{port}"),
    ],
)
def test_a_bad_target_is_refused_with_a_clear_message(target: str, message: str) -> None:
    port = str(unused_port())
    result = evaljobs("proxy", "--target", target.format(port=port))
    assert result.returncode == 2
    assert result.stderr.startswith("evaljobs proxy: --target ") and message.format(port=port) in result.stderr
    assert "Traceback" not in result.stderr and not result.stdout


def test_a_capture_file_that_cannot_be_written_is_refused(mock: MockServer, tmp_path: Path) -> None:
    result = evaljobs("proxy", "--target", mock.url, "--har", str(tmp_path / "missing" / "out.har"))
    assert result.returncode == 2
    assert result.stderr.startswith("evaljobs proxy: cannot write ") and "Traceback" not in result.stderr


def test_the_proxy_forwards_the_clients_headers_and_adds_none(mock: MockServer, tmp_path: Path) -> None:
    capture = tmp_path / "raw.har"
    with proxy("--target", mock.url + "/", "--har", str(capture)) as running:
        host, port = running.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as connection:
            connection.sendall(
                f"GET /v1/evaluation/jobs/{NEMO_V1_JOB} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n".encode()
            )
            answer = b"".join(iter(lambda: connection.recv(65536), b""))
        status, _, err = running.stop()
    assert answer.startswith(b"HTTP/1.1 200 ") and NEMO_V1_JOB.encode() in answer, answer[:200]
    assert status == 0, err
    (received,) = [each for each in mock.requests if each.path.endswith(NEMO_V1_JOB)]
    names = {name.lower() for name in received.headers}
    assert "accept-encoding" not in names and "user-agent" not in names
    (entry,) = json.loads(capture.read_text())["log"]["entries"]
    assert entry["request"]["url"] == f"{mock.url}/v1/evaluation/jobs/{NEMO_V1_JOB}"
    assert {item["name"].lower() for item in entry["request"]["headers"]} == {"host", "connection"}


def test_a_malformed_request_costs_its_connection_and_no_traceback(mock: MockServer) -> None:
    with proxy("--target", mock.url) as running:
        host, port = running.url.removeprefix("http://").split(":")
        with socket.create_connection((host, int(port))) as connection:
            head = "POST /v1/evaluation/jobs HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n"
            connection.sendall(head.encode() + b"zz-not-a-size\r\n")
            connection.settimeout(30)
            assert b"".join(iter(lambda: connection.recv(65536), b"")) == b""  # closed without an answer
        with httpx.Client(base_url=running.url) as http:  # the proxy serves on
            assert http.get(f"/v1/evaluation/jobs/{NEMO_V1_JOB}").status_code == 200
        status, _, err = running.stop()
    assert status == 0
    assert "evaljobs proxy: a connection from 127.0.0.1 failed: " in err and "Traceback" not in err


def test_ignored_headers_are_no_findings(mock: MockServer) -> None:
    args = ("--target", mock.url, "--format", "json", "--ignore-header", "x-stainless-*", "--ignore-header", "X-Trace")
    with proxy(*args) as running:
        NeMoMicroservices(base_url=running.url, max_retries=0).evaluation.jobs.retrieve(
            NEMO_V1_JOB, extra_headers={"X-Trace": "1"}
        )
        status, out, err = running.stop()
    assert status == 0, err
    (report,) = (json.loads(line) for line in out.splitlines())
    assert report["valid"] and report["drift"] == []

"""The stateful mock over real HTTP: jobs created, listed in pages, moving through their states on the mock's
clock, cancelled, failed on a schedule, with results and downloads once succeeded, and deleted; the checks of a
request (bearer token, query, body, method); and the generator's refusals of a bad ``x-evaljobs-job``.

The project's specs do not mark their operations with ``x-evaljobs-job`` yet, so these tests generate a small
job API of their own (tests/mock_fixture/mockjobs.openapi.yaml) into a scratch package and run ``evaljobs mock``
from it in a subprocess.
"""

from __future__ import annotations

import gzip
import os
import re
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import ROOT
from tests.generation import run_generator

FIXTURE = ROOT / "tests" / "mock_fixture"
TOKEN = {"Authorization": "Bearer test-token"}
SEED = "job-seed-1"
LISTED = "job-seed-2"  # the list's example shows another job than the get operation's
DOWNLOAD_SIZE = 300_000


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("mockjobs") / "out"
    result = run_generator("generate", FIXTURE, out)
    assert result.returncode == 0, result.stderr
    return out


class Mock:
    """``evaljobs mock`` of the fixture package, in a subprocess: its URL and an httpx client with the token."""

    def __init__(self, package: Path, *options: str) -> None:
        code = f"import sys; sys.path.insert(0, {str(package)!r}); from evaljobs.cli import main; sys.exit(main())"
        self.process = subprocess.Popen(
            [sys.executable, "-B", "-c", code, "mock", "--port", "0", *options],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "PYTHONPATH": ""},
        )
        assert self.process.stdout is not None
        first = self.process.stdout.readline().strip()
        assert first.startswith("listening on http://127.0.0.1:"), first + self.process.stderr.read()
        self.url = first.removeprefix("listening on ")
        self.http = httpx.Client(base_url=self.url, headers=TOKEN, timeout=10)

    def close(self) -> None:
        self.http.close()
        self.process.terminate()
        self.process.wait(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def create(self, name: str = "nightly", **headers: str) -> dict[str, Any]:
        response = self.http.post("/v1/jobs", json={"name": name, "model": "llama"}, headers=headers)
        assert response.status_code == 201, response.text
        body: dict[str, Any] = response.json()
        return body

    def advance(self, seconds: float) -> None:
        assert self.http.post("/_mock/clock", json={"advance": seconds}).status_code == 200

    def job(self, job_id: str) -> dict[str, Any]:
        response = self.http.get(f"/v1/jobs/{job_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body


@pytest.fixture(scope="module")
def served(package: Path) -> Iterator[Mock]:
    """The mock at its usual speed; tests move its clock on with ``POST /_mock/clock``."""
    mock = Mock(package, "--download-size", str(DOWNLOAD_SIZE))
    try:
        yield mock
    finally:
        mock.close()


@pytest.fixture
def mock(served: Mock) -> Mock:
    """The mock with no created jobs."""
    assert served.http.delete("/_mock/jobs").status_code == 204
    return served


def test_a_job_is_created_runs_succeeds_has_results_and_downloads_and_is_deleted(mock: Mock) -> None:
    created = mock.create("nightly")
    job_id = created["id"]
    assert job_id != SEED and re.fullmatch(r"job-seed-[0-9][a-z0-9]{12}", job_id), job_id
    assert created["name"] == "nightly" and created["status"] == "created"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", created["created_at"]), "the example's format"

    queued = mock.job(job_id)
    assert (queued["status"], queued["status_details"]["progress"]) == ("created", 0)
    not_yet = mock.http.get(f"/v1/jobs/{job_id}/results")
    assert not_yet.status_code == 409 and "queued" in not_yet.json()["detail"], "the spec's 409, in its shape"
    early = mock.http.get(f"/v1/jobs/{job_id}/download")
    assert early.status_code == 409 and early.headers["content-type"] == "application/json"

    mock.advance(2.0)
    running = mock.job(job_id)
    assert running["status"] == "running" and 0 < running["status_details"]["progress"] < 100
    assert running["status_details"]["message"] == "running (evaljobs mock)"
    assert running["created_at"] == created["created_at"] < running["updated_at"], "updated when it started running"

    mock.advance(1.5)
    done = mock.job(job_id)
    assert (done["status"], done["status_details"]["progress"]) == ("completed", 100)
    results = mock.http.get(f"/v1/jobs/{job_id}/results")
    assert results.status_code == 200 and results.json() == {"job_id": job_id, "scores": {"accuracy": 0.91}}

    with mock.http.stream("GET", f"/v1/jobs/{job_id}/download") as download:
        assert download.status_code == 200 and download.headers["content-type"] == "application/gzip"
        assert job_id in download.headers["content-disposition"]
        archive = download.read()
    content = gzip.decompress(archive)
    assert len(content) == DOWNLOAD_SIZE and job_id.encode() in content[:200]

    listed = mock.http.get("/v1/jobs").json()
    assert listed["data"][0]["name"] == "nightly", "the example item, with the job's id and name"
    assert [item["id"] for item in listed["data"]] == [job_id, LISTED]
    assert listed["data"][0]["status"] == "completed" and listed["pagination"]["total_results"] == 2

    deleted = mock.http.delete(f"/v1/jobs/{job_id}")
    assert deleted.status_code == 204 and deleted.content == b""
    gone = mock.http.get(f"/v1/jobs/{job_id}")
    assert (gone.status_code, gone.json()) == (404, {"detail": "Job not found"})
    assert mock.http.delete(f"/v1/jobs/{job_id}").status_code == 404
    assert [item["id"] for item in mock.http.get("/v1/jobs").json()["data"]] == [LISTED]


def test_the_seed_example_stays_a_fixed_job_and_other_ids_are_unknown(mock: Mock) -> None:
    seed = mock.http.get(f"/v1/jobs/{SEED}")
    assert seed.status_code == 200 and seed.json()["status"] == "completed"
    assert mock.http.get(f"/v1/jobs/{SEED}/results").json()["job_id"] == SEED
    assert mock.http.get("/v1/jobs/job-nobody").status_code == 404
    assert mock.http.get("/v1/jobs/job-nobody/results").status_code == 404


def test_cancel_stops_a_running_job_and_a_finished_one_is_a_conflict(mock: Mock) -> None:
    job_id = mock.create()["id"]
    mock.advance(1.5)
    cancelled = mock.http.post(f"/v1/jobs/{job_id}/cancel")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    mock.advance(5)
    later = mock.job(job_id)
    assert later["status"] == "cancelled" and 0 < later["status_details"]["progress"] < 100, "stopped where it was"
    again = mock.http.post(f"/v1/jobs/{job_id}/cancel")
    assert again.status_code == 409 and "already cancelled" in again.json()["detail"], "no 409 documented: JSON"
    assert mock.http.get(f"/v1/jobs/{job_id}/results").status_code == 409


def test_a_schedule_header_makes_a_job_fail(mock: Mock) -> None:
    job_id = mock.create(**{"X-Mock-Schedule": "running=0.5,failed=2"})["id"]
    mock.advance(0.7)
    assert mock.job(job_id)["status"] == "running"
    mock.advance(1.5)
    assert mock.job(job_id)["status"] == "failed"
    assert mock.http.get(f"/v1/jobs/{job_id}/download").status_code == 409
    bad = mock.http.post(
        "/v1/jobs", json={"name": "x", "model": "m"}, headers={"X-Mock-Schedule": "running=2,exploded=3"}
    )
    assert bad.status_code == 400 and "X-Mock-Schedule" in bad.json()["detail"]


def test_control_endpoints_list_jobs_and_set_their_state(mock: Mock) -> None:
    job_id = mock.create()["id"]
    listed = mock.http.get("/_mock/jobs").json()
    assert [(job["id"], job["state"]) for job in listed] == [(job_id, "queued")]
    failed = mock.http.post(f"/_mock/jobs/{job_id}", json={"state": "failed"})
    assert failed.status_code == 200 and failed.json()["state"] == "failed"
    assert mock.job(job_id)["status"] == "failed"
    rescheduled = mock.http.post(f"/_mock/jobs/{job_id}", json={"schedule": "succeeded=0"})
    assert rescheduled.json()["state"] == "succeeded" and mock.job(job_id)["status"] == "completed"
    assert mock.http.post("/_mock/jobs/job-nobody", json={"state": "failed"}).status_code == 404
    assert mock.http.post(f"/_mock/jobs/{job_id}", json={"state": "exploded"}).status_code == 400
    assert mock.http.post("/_mock/clock", json={"advance": -1}).status_code == 400


def test_a_create_with_a_list_of_ids_makes_one_job_per_element(mock: Mock) -> None:
    jobs = [{"name": "a", "model": "m"}, {"name": "b", "model": "m"}, {"name": "c", "model": "m"}]
    batch = mock.http.post("/v1/batches", json={"jobs": jobs})
    assert batch.status_code == 200
    ids = batch.json()["job_ids"]
    assert len(set(ids)) == 3 and SEED not in ids
    assert all(mock.job(job_id)["status"] == "created" for job_id in ids)


def test_lists_have_pages_with_their_totals(mock: Mock) -> None:
    ids = [mock.create(f"job {n}")["id"] for n in range(5)]
    expected = [*reversed(ids), LISTED]  # newest first, then the example's
    pages = [mock.http.get("/v1/jobs", params={"page": n, "page_size": 2}).json() for n in (1, 2, 3, 4)]
    assert [[item["id"] for item in page["data"]] for page in pages] == [expected[0:2], expected[2:4], expected[4:], []]
    assert pages[1]["pagination"] == {"page": 2, "page_size": 2, "total_pages": 3, "total_results": 6}
    whole = mock.http.get("/v1/jobs").json()
    assert len(whole["data"]) == 6 and whole["pagination"]["page_size"] == 10, "the parameter's default size"


def test_requests_are_checked_as_the_spec_says(mock: Mock) -> None:
    anonymous = httpx.get(f"{mock.url}/v1/jobs")
    assert anonymous.status_code == 401 and anonymous.headers["www-authenticate"] == "Bearer"
    assert "bearer token" in anonymous.json()["detail"]

    wrong_method = mock.http.put("/v1/jobs/job-seed-1")
    assert wrong_method.status_code == 405 and wrong_method.headers["allow"] == "DELETE, GET"
    assert wrong_method.headers["content-type"] == "application/json"
    assert mock.http.patch("/v1/nothing").status_code == 404

    broken = mock.http.post("/v1/jobs", json={"name": "", "tasks": [1]})
    assert broken.status_code == 422, "the spec documents a 422"
    detail = broken.json()["detail"]
    assert {tuple(entry["loc"]) for entry in detail} == {("body", "name"), ("body", "model"), ("body", "tasks", 0)}
    assert all(set(entry) == {"loc", "msg", "type"} for entry in detail), "the shape of the spec's example"
    not_json = mock.http.post("/v1/jobs", content=b"{", headers={"Content-Type": "application/json"})
    assert not_json.status_code == 422 and "not JSON" in not_json.json()["detail"][0]["msg"]
    assert mock.http.post("/v1/jobs").status_code == 422, "a required body"
    assert mock.http.get("/_mock/jobs").json() == [], "nothing refused was created"

    query = mock.http.get("/v1/jobs", params={"page": "two", "sort": "name"})
    assert query.status_code == 400, "no 422 or 400 documented for the list: 400"
    detail = query.json()["detail"]
    assert "query parameter 'page': expected an integer; found 'two'" in detail
    assert "query parameter 'sort': expected one of 'created_at', '-created_at'" in detail


def test_faults_still_come_first(mock: Mock) -> None:
    fault = {"path": "/v1/jobs", "method": "POST", "status": 503}
    assert mock.http.post("/_mock/faults", json=fault).status_code == 201
    assert mock.http.post("/v1/jobs", json={"name": "x", "model": "m"}).status_code == 503
    assert mock.http.get("/_mock/jobs").json() == []
    assert mock.http.post("/v1/jobs", json={"name": "x", "model": "m"}).status_code == 201


def test_speed_scales_the_clock_and_no_auth_lets_anyone_in(package: Path) -> None:
    fast = Mock(package, "--speed", "20", "--no-auth")
    try:
        created = httpx.post(f"{fast.url}/v1/jobs", json={"name": "quick", "model": "m"})
        assert created.status_code == 201
        started = time.monotonic()
        status = created.json()["status"]
        while status != "completed" and time.monotonic() - started < 5:
            time.sleep(0.02)
            status = httpx.get(f"{fast.url}/v1/jobs/{created.json()['id']}").json()["status"]
        assert status == "completed" and time.monotonic() - started < 1.0, "3 mock seconds at 20x: 0.15 s"
        assert httpx.get(f"{fast.url}/_mock/clock").json()["speed"] == 20.0
    finally:
        fast.close()


CLIENT_LIFECYCLE = """
import asyncio, sys
from evaljobs.mockjobs import AsyncClient, Client

url = sys.argv[1]
with Client(base_url=url, token="t", max_retries=0) as client:
    job = client.create_job({"name": "sync", "model": "llama"})
    final = client.wait(job.id, poll_interval=0.02, timeout=10)
    assert (final.state.value, final.status, final.progress) == ("succeeded", "completed", 100.0), final
    assert [j.id for j in client.iter_list_jobs(page_size=1)][:1] == [job.id]
    assert client.get_job_results(job.id).job_id == job.id
    client.delete_job(job.id)

async def main():
    async with AsyncClient(base_url=url, token="t", max_retries=0) as client:
        job = await client.create_job({"name": "async", "model": "llama"})
        seen = []
        final = await client.wait(job.id, poll_interval=0.02, timeout=10, on_progress=lambda p: seen.append(p.state))
        assert final.state.value == "succeeded" and seen[0].value == "queued", seen

asyncio.run(main())
print("ok")
"""


def test_the_generated_clients_create_wait_for_and_delete_a_job(package: Path) -> None:
    fast = Mock(package, "--speed", "20")
    try:
        code = f"import sys; sys.path.insert(0, {str(package)!r})\n" + CLIENT_LIFECYCLE
        result = subprocess.run(
            [sys.executable, "-B", "-c", code, fast.url], capture_output=True, text=True, timeout=120, check=False
        )
        assert result.returncode == 0 and result.stdout.strip() == "ok", result.stderr[-3000:]
    finally:
        fast.close()


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="reads the server's memory from /proc")
def test_a_100_mb_download_is_streamed_not_held(package: Path) -> None:
    big = Mock(package, "--no-auth", "--download-size", str(100_000_000))
    try:
        job_id = httpx.post(f"{big.url}/v1/jobs", json={"name": "big", "model": "m"}).json()["id"]
        assert big.http.post(f"/_mock/jobs/{job_id}", json={"state": "succeeded"}).status_code == 200
        before = _memory_kb(big.process.pid, "VmRSS")
        inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
        size = 0
        with big.http.stream("GET", f"/v1/jobs/{job_id}/download") as download:
            for piece in download.iter_raw():
                size += len(inflate.decompress(piece))
        assert size == 100_000_000
        grown = _memory_kb(big.process.pid, "VmHWM") - before
        assert grown < 20_000, f"the server grew {grown} kB while it sent 100 MB"
    finally:
        big.close()


def _memory_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise AssertionError(f"no {field} in /proc/{pid}/status")


def test_the_mock_listens_on_loopback_only(package: Path) -> None:
    code = f"import sys; sys.path.insert(0, {str(package)!r}); from evaljobs.cli import main; sys.exit(main())"
    result = subprocess.run(
        [sys.executable, "-B", "-c", code, "mock", "--host", "0.0.0.0"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2 and "loopback" in result.stderr and "Traceback" not in result.stderr


def test_bad_job_roles_are_refused_with_their_place(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    text = (FIXTURE / "mockjobs.openapi.yaml").read_text()
    broken = (
        text.replace("{role: create, id: id}", "{role: create, id: nope}")
        .replace("{role: cancel, id: job_id}", "{role: stop, id: job_id}")
        .replace("{role: results, id: job_id}", "{role: results, id: jobid}")
        .replace("{role: download, id: job_id}", "{role: download}")
        .replace("{role: list}", "{role: list, id: x}")
        .replace("{role: delete, id: job_id}", "{role: delete, id: job_id, when: now}")
    )
    (schemas / "mockjobs.openapi.yaml").write_text(broken)
    result = run_generator("generate", schemas, tmp_path / "out")
    assert result.returncode == 1
    for expected in (
        "#/paths/~1v1~1jobs/post/x-evaljobs-job/id: Job has no field 'nope'",
        "#/paths/~1v1~1jobs~1{job_id}~1cancel/post/x-evaljobs-job/role: unknown role 'stop'",
        "#/paths/~1v1~1jobs~1{job_id}~1results/get/x-evaljobs-job/id: 'jobid' is not a path parameter of this "
        "operation (it has 'job_id')",
        "#/paths/~1v1~1jobs~1{job_id}~1download/get/x-evaljobs-job/id: a download operation needs an id",
        "#/paths/~1v1~1jobs/get/x-evaljobs-job/id: a list operation takes no id",
        "#/paths/~1v1~1jobs~1{job_id}/delete/x-evaljobs-job: unknown keys 'when'",
    ):
        assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr

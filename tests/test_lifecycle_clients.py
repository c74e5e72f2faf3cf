"""The whole job lifecycle through the generated clients, sync and async, against the stateful mock over loopback
HTTP: create, ``wait()``, results, downloads to a path, cancel and delete (NeMo v1 and v2); run a Gradient test
case, wait for each run and read its results. The same scenario drives both clients: the async one through an
event loop that stays open for the whole scenario."""

from __future__ import annotations

import asyncio
import gzip
import inspect
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from evaljobs import gradient, nemo_evaluator
from evaljobs._mock import MockServer
from tests.loopback import FAST, FLAVORS

SPEED = 40.0
"""Mock seconds per real second: a created job succeeds 3 mock seconds after its creation, 75 ms here."""
POLL = 0.005
GRADIENT_TEST_CASE = "7d9e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a"
TOKEN = "dop_v1_test"

Call = Callable[..., Any]
"""``call("method_name", *args, **kwargs)``: the client's method, its result (awaited for the async client)."""


@pytest.fixture
def mock() -> Iterator[MockServer]:
    """A mock of its own per test (no job of another test in its lists), with bearer auth checked."""
    with MockServer(speed=SPEED, auth=True) as server:
        yield server


@contextmanager
def opened(package: Any, flavor: str, url: str, **options: Any) -> Iterator[Call]:
    settings = {"base_url": url, "backoff": FAST, **options}
    if flavor == "sync":
        with package.Client(**settings) as client:
            yield lambda name, *args, **kwargs: getattr(client, name)(*args, **kwargs)
        return
    with asyncio.Runner() as runner:
        client = runner.run(package.AsyncClient(**settings).__aenter__())

        def call(name: str, *args: Any, **kwargs: Any) -> Any:
            result = getattr(client, name)(*args, **kwargs)
            return runner.run(result) if inspect.isawaitable(result) else result

        try:
            yield call
        finally:
            runner.run(client.__aexit__(None, None, None))


def progress_log() -> tuple[list[Any], Callable[[Any], None]]:
    seen: list[Any] = []
    return seen, seen.append


def assert_states_in_order(updates: list[Any]) -> None:
    order = [nemo_evaluator.JobState.QUEUED, nemo_evaluator.JobState.RUNNING, nemo_evaluator.JobState.SUCCEEDED]
    states = [update.state for update in updates]
    assert states and states[-1] == nemo_evaluator.JobState.SUCCEEDED, states
    assert states == sorted(states, key=order.index), states


@pytest.mark.parametrize("flavor", FLAVORS)
def test_nemo_v1_create_wait_results_download_delete(mock: MockServer, flavor: str, tmp_path: Path) -> None:
    models = nemo_evaluator.models
    with opened(nemo_evaluator, flavor, mock.url) as call:
        job = call("create_evaluation_job", models.CreateEvaluationJobRequest(config="ns/gsm8k", target="ns/llama"))
        assert isinstance(job, models.EvaluationJob) and job.status == "created"
        assert job.id in {listed.id for listed in call("list_evaluation_jobs").data}
        with pytest.raises(nemo_evaluator.ConflictError):
            call("get_evaluation_job_results", job.id)

        updates, on_progress = progress_log()
        final = call("wait", job.id, poll_interval=POLL, timeout=60, on_progress=on_progress)
        assert final.state == nemo_evaluator.JobState.SUCCEEDED and final.job.id == job.id
        assert_states_in_order(updates)
        assert final.progress == 100

        results = call("get_evaluation_job_results", job.id)
        assert isinstance(results, models.EvaluationResult) and results.job == job.id and results.tasks
        chunks: list[tuple[int, int | None]] = []
        target = tmp_path / "results.zip"
        download = call("download_evaluation_job_results", job.id, target, on_progress=lambda *p: chunks.append(p))
        assert download.path == target and download.bytes_written == target.stat().st_size > 0
        assert download.content_type == "application/zip" and chunks[-1][0] == download.bytes_written
        with zipfile.ZipFile(target) as archive:
            assert archive.testzip() is None and job.id in archive.read(archive.namelist()[0]).decode()

        call("delete_evaluation_job", job.id)
        with pytest.raises(nemo_evaluator.NotFoundError):
            call("get_evaluation_job", job.id)
        with pytest.raises(nemo_evaluator.NotFoundError):
            call("download_evaluation_job_results", job.id, tmp_path / "gone.zip")
        assert not (tmp_path / "gone.zip").exists()


@pytest.mark.parametrize("flavor", FLAVORS)
def test_nemo_v2_create_wait_results_downloads_delete(mock: MockServer, flavor: str, tmp_path: Path) -> None:
    models = nemo_evaluator.models
    body = {"name": "gsm8k-llama", "spec": {"config": "ns/gsm8k", "target": {"type": "model", "model": "meta/llama"}}}
    with opened(nemo_evaluator, flavor, mock.url) as call:
        job = call("create_evaluation_job_v2", body)
        assert isinstance(job, models.EvaluatorV2Job) and job.name == "gsm8k-llama"
        assert job.id in {listed.id for listed in call("list_evaluation_jobs_v2").data}

        updates, on_progress = progress_log()
        final = call(
            "wait", job.id, operation="get_evaluation_job_status_v2", poll_interval=POLL, on_progress=on_progress
        )
        assert final.state == nemo_evaluator.JobState.SUCCEEDED and final.job.job_id == job.id
        assert_states_in_order(updates)
        assert call("wait", job.id, operation="get_evaluation_job_v2", poll_interval=POLL).status == "completed"

        listing = call("list_evaluation_job_results_v2", job.id)
        assert listing.data and {result.job_id for result in listing.data} == {job.id}
        name = listing.data[0].result_name
        assert call("get_evaluation_job_result_v2", job.id, name).result_name == name
        scores = call("download_evaluation_job_evaluation_results_v2", job.id)
        assert isinstance(scores, models.EvaluationResultV2) and scores.tasks
        artifacts = call("download_evaluation_job_artifacts_v2", job.id, tmp_path / "artifacts.tar.gz")
        assert artifacts.bytes_written > 0 and job.id in gzip.decompress(artifacts.path.read_bytes()).decode()
        result = call("download_evaluation_job_result_v2", job.id, name, tmp_path / "result.bin")
        assert result.path.stat().st_size == result.bytes_written > 0

        call("delete_evaluation_job_v2", job.id)
        with pytest.raises(nemo_evaluator.NotFoundError):
            call("get_evaluation_job_v2", job.id)
        assert job.id not in {listed.id for listed in call("list_evaluation_jobs_v2").data}


@pytest.mark.parametrize("flavor", FLAVORS)
def test_nemo_cancel_ends_the_wait_as_cancelled(flavor: str) -> None:
    # a clock that stands all but still: only advance() moves the job on
    with MockServer(speed=1e-6) as mock, opened(nemo_evaluator, flavor, mock.url) as call:
        job = call("create_evaluation_job_v2", {"spec": {"config": "ns/gsm8k", "target": "ns/llama"}})
        assert call("get_evaluation_job_v2", job.id).status == "created"
        mock.advance(1.5)  # running now (it would succeed at 3)
        assert call("get_evaluation_job_v2", job.id).status == "active"
        cancelled = call("cancel_evaluation_job_v2", job.id)
        assert cancelled.status == "cancelled"
        final = call("wait", job.id, operation="get_evaluation_job_v2", poll_interval=POLL)
        assert final.state == nemo_evaluator.JobState.CANCELLED
        with pytest.raises(nemo_evaluator.ConflictError):
            call("cancel_evaluation_job_v2", job.id)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_gradient_run_a_test_case_wait_for_each_run_read_its_results(mock: MockServer, flavor: str) -> None:
    models = gradient.models
    with opened(gradient, flavor, mock.url, token=TOKEN) as call:
        created = call(
            "create_evaluation_run",
            models.CreateEvaluationRunRequest(test_case_uuid=GRADIENT_TEST_CASE, agent_uuids=["a", "b"], run_name="n"),
        )
        run_ids = created.evaluation_run_uuids
        assert len(set(run_ids)) == 2
        listed = call("list_evaluation_runs_by_test_case", GRADIENT_TEST_CASE).evaluation_runs
        assert set(run_ids) <= {run.evaluation_run_uuid for run in listed}
        for run_id in run_ids:
            updates, on_progress = progress_log()
            final = call("wait", run_id, poll_interval=POLL, on_progress=on_progress)
            assert final.state == gradient.JobState.SUCCEEDED
            assert final.job.evaluation_run.evaluation_run_uuid == run_id
            assert_states_in_order(updates)
            results = call("list_evaluation_run_results", run_id)
            assert results.evaluation_run.evaluation_run_uuid == run_id and results.prompts
            prompt_id = results.prompts[0].prompt_id
            assert call("get_evaluation_run_prompt_results", run_id, prompt_id).prompt.prompt_id == prompt_id
        with pytest.raises(gradient.NotFoundError):
            call("get_evaluation_run", "00000000-0000-4000-8000-000000000000")


@pytest.mark.parametrize("flavor", FLAVORS)
def test_gradient_without_a_token_is_refused_and_creates_nothing(
    mock: MockServer, flavor: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("DIGITALOCEAN_ACCESS_TOKEN", raising=False)
    with opened(gradient, flavor, mock.url, token="") as call, pytest.raises(gradient.AuthenticationError):
        call("create_evaluation_run", {"test_case_uuid": GRADIENT_TEST_CASE, "agent_uuids": ["a"]})
    assert mock.jobs.jobs == {}

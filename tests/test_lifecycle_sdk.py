"""The whole job lifecycle through the official SDKs (nemo-microservices 1.5.0, gradient 3.12.2, strict response
validation on) against the stateful mock over loopback HTTP: create a job, poll it to a terminal state, read its
results and downloads, delete it (NeMo v1 and v2); for Gradient, run a test case, poll each run and read its
results. Every body the mock sends must parse as the SDK's own types."""

from __future__ import annotations

import gzip
import io
import time
import zipfile
from collections.abc import Callable, Iterator

import gradient
import nemo_microservices
import pytest
from gradient import Gradient
from gradient.types.agents import (
    EvaluationRunListResultsResponse,
    EvaluationRunRetrieveResponse,
    EvaluationRunRetrieveResultsResponse,
)
from nemo_microservices import NeMoMicroservices
from nemo_microservices.types.evaluation.evaluation_job import EvaluationJob
from nemo_microservices.types.evaluation_result import EvaluationResult
from nemo_microservices.types.jobs.platform_job_list_result_response import PlatformJobListResultResponse
from nemo_microservices.types.jobs.platform_job_result import PlatformJobResult
from nemo_microservices.types.v2.evaluation.evaluator_v2_job import EvaluatorV2Job
from nemo_microservices.types.v2.evaluation.jobs.results.evaluation_result_v2 import EvaluationResultV2

from evaljobs._mock import MockServer

SPEED = 40.0
"""Mock seconds per real second: a created job succeeds 3 mock seconds after its creation, 75 ms here."""
POLLS = 2_000
"""A bound on the polls of one job, so that a job that never ends fails the test instead of hanging it."""
GRADIENT_TEST_CASE = "7d9e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a"
TOKEN = "dop_v1_test"

# The wire values of each normalized state (the specs' x-evaljobs-job-states), in the order a job passes them.
NEMO_V1_ORDER = ("created", "pending", "running", "completed")
NEMO_V2_ORDER = ("created", "pending", "active", "completed")
GRADIENT_ORDER = (
    "EVALUATION_RUN_QUEUED",
    "EVALUATION_RUN_RUNNING_DATASET",
    "EVALUATION_RUN_EVALUATING_RESULTS",
    "EVALUATION_RUN_SUCCESSFUL",
)


@pytest.fixture
def mock() -> Iterator[MockServer]:
    """A mock of its own per test (no job of another test in its lists), with bearer auth checked."""
    with MockServer(speed=SPEED, auth=True) as server:
        yield server


def nemo(mock: MockServer) -> NeMoMicroservices:
    return NeMoMicroservices(base_url=mock.url, max_retries=0, _strict_response_validation=True)


def poll(read: Callable[[], str], order: tuple[str, ...]) -> list[str]:
    """The distinct states ``read`` reports until the last of ``order``; they must come in that order."""
    seen: list[str] = []
    for _ in range(POLLS):
        state = read()
        assert state in order, state
        if not seen or seen[-1] != state:
            seen.append(state)
        if state == order[-1]:
            break
        time.sleep(0.005)
    assert seen[-1] == order[-1], seen
    assert seen == sorted(seen, key=order.index), seen
    return seen


def test_nemo_v1_create_poll_results_download_delete(mock: MockServer) -> None:
    with nemo(mock) as sdk:
        job = sdk.evaluation.jobs.create(config="my-organization/gsm8k-cot", target="my-organization/llama")
        assert isinstance(job, EvaluationJob) and job.id and job.status == "created"
        assert job.id in {listed.id for listed in sdk.evaluation.jobs.list()}
        with pytest.raises(nemo_microservices.ConflictError):  # no results before it succeeds
            sdk.evaluation.jobs.results(job.id)

        seen = poll(lambda: str(sdk.evaluation.jobs.retrieve(job.id).status), NEMO_V1_ORDER)
        assert seen[0] in ("created", "running")
        finished = sdk.evaluation.jobs.retrieve(job.id)
        assert finished.id == job.id and finished.status_details is not None
        assert finished.status_details.progress == 100
        assert isinstance(sdk.evaluation.jobs.status(job.id).progress, float)

        results = sdk.evaluation.jobs.results(job.id)
        assert isinstance(results, EvaluationResult) and results.job == job.id
        assert results.tasks and all(task.metrics for task in results.tasks.values())
        archive = sdk.evaluation.jobs.download_results(job.id).read()
        assert zipfile.ZipFile(io.BytesIO(archive)).testzip() is None

        sdk.evaluation.jobs.delete(job.id)
        with pytest.raises(nemo_microservices.NotFoundError):
            sdk.evaluation.jobs.retrieve(job.id)
        with pytest.raises(nemo_microservices.NotFoundError):
            sdk.evaluation.jobs.results(job.id)
        assert job.id not in {listed.id for listed in sdk.evaluation.jobs.list()}


def test_nemo_v1_cancel_stops_a_running_job(mock: MockServer) -> None:
    with nemo(mock) as sdk:
        job = sdk.evaluation.jobs.create(
            config="my-organization/gsm8k-cot",
            target="my-organization/llama",
            extra_headers={"X-Mock-Schedule": "running=0,succeeded=1000000"},
        )
        assert sdk.evaluation.jobs.retrieve(job.id).status == "running"
        sdk.evaluation.jobs.cancel(job.id)
        assert sdk.evaluation.jobs.retrieve(job.id).status == "cancelled"
        with pytest.raises(nemo_microservices.ConflictError):  # already cancelled
            sdk.evaluation.jobs.cancel(job.id)


def test_nemo_v2_create_poll_results_downloads_delete(mock: MockServer) -> None:
    with nemo(mock) as sdk:
        jobs = sdk.v2.evaluation.jobs
        job = jobs.create(
            name="gsm8k-llama",
            spec={"config": "my-organization/gsm8k-cot", "target": {"type": "model", "model": "meta/llama"}},
        )
        assert isinstance(job, EvaluatorV2Job) and job.name == "gsm8k-llama" and job.status == "created"
        assert job.id in {listed.id for listed in jobs.list()}
        status = jobs.status.retrieve(job.id)
        assert status.job_id == job.id and status.status in NEMO_V2_ORDER

        poll(lambda: str(jobs.retrieve(job.id).status), NEMO_V2_ORDER)
        assert jobs.status.retrieve(job.id).status == "completed"
        logs = jobs.logs.list(job.id)
        assert logs.data and {line.job_id for line in logs.data} == {job.id}

        listing = jobs.results.list(job.id)
        assert isinstance(listing, PlatformJobListResultResponse) and listing.data
        assert {result.job_id for result in listing.data} == {job.id}
        name = listing.data[0].result_name
        one = jobs.results.retrieve(name, job_id=job.id)
        assert isinstance(one, PlatformJobResult) and one.job_id == job.id and one.result_name == name
        scores = jobs.results.evaluation_results.retrieve(job.id)
        assert isinstance(scores, EvaluationResultV2) and scores.tasks
        artifacts = jobs.results.artifacts.retrieve(job.id).read()
        assert gzip.decompress(artifacts) is not None
        assert jobs.results.download(name, job_id=job.id).read()

        jobs.delete(job.id)
        with pytest.raises(nemo_microservices.NotFoundError):
            jobs.retrieve(job.id)
        with pytest.raises(nemo_microservices.NotFoundError):
            jobs.status.retrieve(job.id)
        assert job.id not in {listed.id for listed in jobs.list()}


def test_nemo_v2_cancel_stops_a_queued_job(mock: MockServer) -> None:
    with nemo(mock) as sdk:
        jobs = sdk.v2.evaluation.jobs
        job = jobs.create(
            spec={"config": "my-organization/gsm8k-cot", "target": "my-organization/llama"},
            extra_headers={"X-Mock-Schedule": "running=1000000"},
        )
        cancelled = jobs.cancel(job.id)
        assert cancelled.id == job.id and cancelled.status == "cancelled"
        assert jobs.retrieve(job.id).status == "cancelled"
        with pytest.raises(nemo_microservices.ConflictError):
            jobs.results.evaluation_results.retrieve(job.id)


def test_gradient_run_a_test_case_poll_each_run_read_its_results(mock: MockServer) -> None:
    with Gradient(access_token=TOKEN, base_url=mock.url, max_retries=0, _strict_response_validation=True) as sdk:
        runs = sdk.agents.evaluation_runs
        created = runs.create(
            test_case_uuid=GRADIENT_TEST_CASE,
            agent_uuids=["3f1c9a2e-7b4d-4e8a-9c61-2d5f8e0b7a14", "1b418231-b7d6-11ef-bf8f-4e013e2ddde4"],
            run_name="nightly",
        )
        assert created.evaluation_run_uuids and len(set(created.evaluation_run_uuids)) == 2
        listed = sdk.agents.evaluation_test_cases.list_evaluation_runs(GRADIENT_TEST_CASE)
        assert set(created.evaluation_run_uuids) <= {run.evaluation_run_uuid for run in listed.evaluation_runs or []}

        for run_id in created.evaluation_run_uuids:
            first = runs.retrieve(run_id)
            assert isinstance(first, EvaluationRunRetrieveResponse) and first.evaluation_run is not None
            assert first.evaluation_run.evaluation_run_uuid == run_id
            assert first.evaluation_run.run_name == "nightly"

            def state(run_id: str = run_id) -> str:
                run = runs.retrieve(run_id).evaluation_run
                assert run is not None
                return str(run.status)

            poll(state, GRADIENT_ORDER)

            results = runs.list_results(run_id)
            assert isinstance(results, EvaluationRunListResultsResponse)
            assert results.evaluation_run is not None and results.evaluation_run.evaluation_run_uuid == run_id
            assert results.prompts and all(prompt.prompt_id is not None for prompt in results.prompts)
            prompt_id = results.prompts[0].prompt_id
            assert prompt_id is not None
            prompt = runs.retrieve_results(prompt_id, evaluation_run_uuid=run_id)
            assert isinstance(prompt, EvaluationRunRetrieveResultsResponse) and prompt.prompt is not None

        with pytest.raises(gradient.NotFoundError):
            runs.retrieve("00000000-0000-4000-8000-000000000000")


def test_gradient_refuses_a_request_without_the_bearer_token(mock: MockServer) -> None:
    with Gradient(access_token=TOKEN, base_url=mock.url, max_retries=0) as sdk:
        with pytest.raises(gradient.AuthenticationError):
            sdk.agents.evaluation_runs.create(
                test_case_uuid=GRADIENT_TEST_CASE, agent_uuids=["a"], extra_headers={"Authorization": gradient.omit}
            )
        assert mock.jobs.jobs == {}  # nothing was created

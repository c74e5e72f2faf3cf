"""The official SDKs (nemo-microservices 1.5.0, gradient 3.12.2) in strict mode and our clients, pointed at the
same mock server: every operation parses to the same values in both, and errors and retries agree."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from gradient import Gradient
from nemo_microservices import NeMoMicroservices

from evaljobs import gradient, nemo_evaluator
from evaljobs._mock import Fault, MockServer
from tests.loopback import FAST, GRADIENT_RUN, NEMO_V1_JOB, NEMO_V2_JOB
from tests.test_differential_sdk import assert_same

GRADIENT_TEST_CASE = "7d9e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a"
pytestmark = pytest.mark.usefixtures("fresh_mock")  # the mock server of tests/loopback.py, reset per test


def sdks(url: str) -> tuple[NeMoMicroservices, Gradient]:
    """The official clients in strict mode: a body their models reject raises instead of being returned."""
    return (
        NeMoMicroservices(base_url=url, _strict_response_validation=True),
        Gradient(access_token="dop_v1_test", base_url=url, _strict_response_validation=True),
    )


# operationId -> (our call, the SDK's call, what to compare: the whole body or the items of a page)
Call = Callable[[Any], Any]
CASES: dict[str, tuple[str, Call, Call, bool]] = {
    "listEvaluationJobs": (
        "nemo",
        lambda c: c.list_evaluation_jobs(),
        lambda s: s.evaluation.jobs.list(),
        True,
    ),
    "getEvaluationJob": (
        "nemo",
        lambda c: c.get_evaluation_job(NEMO_V1_JOB),
        lambda s: s.evaluation.jobs.retrieve(NEMO_V1_JOB),
        False,
    ),
    "getEvaluationJobStatus": (
        "nemo",
        lambda c: c.get_evaluation_job_status(NEMO_V1_JOB),
        lambda s: s.evaluation.jobs.status(NEMO_V1_JOB),
        False,
    ),
    "listEvaluationJobsV2": (
        "nemo",
        lambda c: c.list_evaluation_jobs_v2(),
        lambda s: s.v2.evaluation.jobs.list(),
        True,
    ),
    "getEvaluationJobV2": (
        "nemo",
        lambda c: c.get_evaluation_job_v2(NEMO_V2_JOB),
        lambda s: s.v2.evaluation.jobs.retrieve(NEMO_V2_JOB),
        False,
    ),
    "getEvaluationJobStatusV2": (
        "nemo",
        lambda c: c.get_evaluation_job_status_v2(NEMO_V2_JOB),
        lambda s: s.v2.evaluation.jobs.status.retrieve(NEMO_V2_JOB),
        False,
    ),
    "listEvaluationJobLogsV2": (
        "nemo",
        lambda c: c.list_evaluation_job_logs_v2(NEMO_V2_JOB),
        lambda s: s.v2.evaluation.jobs.logs.list(NEMO_V2_JOB),
        True,
    ),
    "getEvaluationRun": (
        "gradient",
        lambda c: c.get_evaluation_run(GRADIENT_RUN),
        lambda s: s.agents.evaluation_runs.retrieve(GRADIENT_RUN),
        False,
    ),
    "listEvaluationRunResults": (
        "gradient",
        lambda c: c.list_evaluation_run_results(GRADIENT_RUN),
        lambda s: s.agents.evaluation_runs.list_results(GRADIENT_RUN),
        False,
    ),
    "getEvaluationRunPromptResults": (
        "gradient",
        lambda c: c.get_evaluation_run_prompt_results(GRADIENT_RUN, 1),
        lambda s: s.agents.evaluation_runs.retrieve_results(1, evaluation_run_uuid=GRADIENT_RUN),
        False,
    ),
    "getEvaluationJobResults": (
        "nemo",
        lambda c: c.get_evaluation_job_results(NEMO_V1_JOB),
        lambda s: s.evaluation.jobs.results(NEMO_V1_JOB),
        False,
    ),
    "listEvaluationJobResultsV2": (
        "nemo",
        lambda c: c.list_evaluation_job_results_v2(NEMO_V2_JOB),
        lambda s: s.v2.evaluation.jobs.results.list(NEMO_V2_JOB),
        False,
    ),
    "getEvaluationJobResultV2": (
        "nemo",
        lambda c: c.get_evaluation_job_result_v2(NEMO_V2_JOB, "evaluation-results"),
        lambda s: s.v2.evaluation.jobs.results.retrieve("evaluation-results", job_id=NEMO_V2_JOB),
        False,
    ),
    "downloadEvaluationJobEvaluationResultsV2": (
        "nemo",
        lambda c: c.download_evaluation_job_evaluation_results_v2(NEMO_V2_JOB),
        lambda s: s.v2.evaluation.jobs.results.evaluation_results.retrieve(NEMO_V2_JOB),
        False,
    ),
    "listEvaluationRunsByTestCase": (
        "gradient",
        lambda c: c.list_evaluation_runs_by_test_case(GRADIENT_TEST_CASE),
        lambda s: s.agents.evaluation_test_cases.list_evaluation_runs(GRADIENT_TEST_CASE),
        False,
    ),
}
READS = {
    op.operation_id
    for api in (nemo_evaluator, gradient)
    for op in api.OPERATIONS
    if op.method == "GET" and op.success_model is not None
}
"""The JSON reads; creating, cancelling, deleting and downloading are compared in test_differential_create.py."""


def test_every_operation_of_both_specs_is_compared() -> None:
    assert set(CASES) == READS


@pytest.mark.parametrize("operation_id", sorted(CASES))
def test_the_official_sdks_and_our_clients_parse_the_mock_to_the_same_values(
    mock: MockServer, operation_id: str
) -> None:
    which, ours_call, theirs_call, is_page = CASES[operation_id]
    nemo_sdk, gradient_sdk = sdks(mock.url)
    ours_client = (nemo_evaluator if which == "nemo" else gradient).Client(base_url=mock.url, token="dop_v1_test")
    with ours_client, nemo_sdk, gradient_sdk:
        theirs = theirs_call(nemo_sdk if which == "nemo" else gradient_sdk)
        ours = ours_call(ours_client)
    if is_page:  # the SDK's pager object holds the page's items and paging fields
        assert_same(ours.data, theirs.data, operation_id)
        for name in ("object", "next_page", "pagination", "sort"):
            if name in ours.model_fields_set and hasattr(theirs, name):
                assert_same(getattr(ours, name), getattr(theirs, name), f"{operation_id}/{name}")
    else:
        assert_same(ours, theirs, operation_id)
    assert len(mock.requests) == 2


def test_both_raise_not_found_with_the_same_body_for_an_unknown_id(mock: MockServer) -> None:
    import gradient as gradient_sdk_module
    import nemo_microservices

    nemo_sdk, gradient_sdk = sdks(mock.url)
    with nemo_sdk, gradient_sdk:
        with pytest.raises(nemo_microservices.NotFoundError) as theirs_nemo:
            nemo_sdk.v2.evaluation.jobs.retrieve("job-unknown")
        with pytest.raises(gradient_sdk_module.NotFoundError) as theirs_gradient:
            gradient_sdk.agents.evaluation_runs.retrieve("run-unknown")
    with nemo_evaluator.Client(base_url=mock.url) as ours, pytest.raises(nemo_evaluator.NotFoundError) as ours_nemo:
        ours.get_evaluation_job_v2("job-unknown")
    with gradient.Client(base_url=mock.url) as ours, pytest.raises(gradient.NotFoundError) as ours_gradient:
        ours.get_evaluation_run("run-unknown")
    assert ours_nemo.value.status_code == theirs_nemo.value.status_code == 404
    assert ours_nemo.value.body.model_dump() == theirs_nemo.value.body
    assert ours_gradient.value.body.model_dump(exclude_unset=True) == theirs_gradient.value.body
    assert ours_gradient.value.request_id is not None and ours_gradient.value.request_id.startswith("mock-")
    assert theirs_gradient.value.response.headers["x-request-id"].startswith("mock-")


def test_both_retry_a_503_and_honour_retry_after_ms(mock: MockServer) -> None:
    nemo_sdk, _ = sdks(mock.url)
    retry_soon = {"retry-after-ms": "20"}
    mock.inject(Fault(path="/v1/evaluation/jobs/{job_id}", status=503, headers=retry_soon))
    with nemo_sdk:
        theirs = nemo_sdk.evaluation.jobs.retrieve(NEMO_V1_JOB)
    sdk_attempts = len(mock.requests)
    mock.clear()
    mock.inject(Fault(path="/v1/evaluation/jobs/{job_id}", status=503, headers=retry_soon))
    with nemo_evaluator.Client(base_url=mock.url, backoff=FAST) as client:
        ours = client.get_evaluation_job(NEMO_V1_JOB)
    assert sdk_attempts == len(mock.requests) == 2
    assert_same(ours, theirs)

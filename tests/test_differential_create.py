"""The same lifecycle call through the official SDKs (nemo-microservices 1.5.0, gradient 3.12.2) and through our
clients, both to a recording loopback server: the method, path, query and JSON body on the wire are the same.

Creates go through each body shape the specs document (config and target by `namespace/name` reference and
inline), given to our client as a plain dict and as the request model; cancel, delete and the downloads are
compared by method, path and query."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from gradient import Gradient
from nemo_microservices import NeMoMicroservices

from evaljobs import gradient, nemo_evaluator
from tests.conftest import spec
from tests.recording import Answer, Recorded, Recorder

V1_JOB = "eval-UVW123XYZ456"
V2_JOB = "job-dq1pjj6vj5p64xaeqgvuk4"


def request_examples(api: str, operation_id: str) -> dict[str, Any]:
    """The request body examples the spec documents for ``operation_id``, by name."""
    for item in spec(api)["paths"].values():
        for operation in item.values():
            if operation["operationId"] == operation_id:
                examples = operation["requestBody"]["content"]["application/json"]["examples"]
                return {name: example["value"] for name, example in examples.items()}
    raise LookupError(operation_id)


def response_example(api: str, operation_id: str) -> Any:
    for item in spec(api)["paths"].values():
        for operation in item.values():
            if operation["operationId"] == operation_id:
                for status, response in operation["responses"].items():
                    if status.startswith("2") and "application/json" in response.get("content", {}):
                        return next(iter(response["content"]["application/json"]["examples"].values()))["value"]
    return None


EXTRA_V1 = {  # every other field of the SDK's JobCreateParams, beside the documented shapes
    "config": {"type": "custom", "tasks": {"qa": {"type": "completion", "metrics": {"bleu": {"type": "bleu"}}}}},
    "target": {"type": "cached_outputs", "cached_outputs": {"files_url": "hf://datasets/ns/outputs"}},
    "description": "every optional field",
    "namespace": "team-a",
    "project": "urn:project:eval",
    "output_files_url": "hf://datasets/ns/results",
    "ownership": {"created_by": "user-1", "access_policies": {"team-b": "read"}},
    "custom_fields": {"ticket": 4711, "nightly": True},
}
EXTRA_V2 = {
    "spec": {"config": "ns/gsm8k", "target": {"type": "model", "model": "meta/llama-3.1-8b-instruct"}},
    "project": "urn:project:eval",
    "ownership": {"created_by": "user-1"},
}


def create_cases() -> list[tuple[str, str, dict[str, Any]]]:
    cases = [
        ("nemo_v1", name, body) for name, body in request_examples("nemo_evaluator", "createEvaluationJob").items()
    ]
    cases.append(("nemo_v1", "all-fields", EXTRA_V1))
    cases += [
        ("nemo_v2", name, body) for name, body in request_examples("nemo_evaluator", "createEvaluationJobV2").items()
    ]
    cases.append(("nemo_v2", "all-fields", EXTRA_V2))
    cases += [("gradient", name, body) for name, body in request_examples("gradient", "createEvaluationRun").items()]
    return cases


CREATES = create_cases()
PATHS = {"nemo_v1": "/v1/evaluation/jobs", "nemo_v2": "/v2/evaluation/jobs", "gradient": "/v2/gen-ai/evaluation_runs"}
ANSWERS = {
    "nemo_v1": ("nemo_evaluator", "createEvaluationJob"),
    "nemo_v2": ("nemo_evaluator", "createEvaluationJobV2"),
    "gradient": ("gradient", "createEvaluationRun"),
}


def theirs_create(which: str, url: str, body: dict[str, Any]) -> None:
    if which == "gradient":
        with Gradient(access_token="dop_v1_test", base_url=url, max_retries=0) as client:
            client.agents.evaluation_runs.create(**body)
        return
    with NeMoMicroservices(base_url=url, max_retries=0) as client:
        jobs = client.evaluation.jobs if which == "nemo_v1" else client.v2.evaluation.jobs
        jobs.create(**body)


def ours_create(which: str, url: str, body: Any) -> None:
    if which == "gradient":
        with gradient.Client(base_url=url, token="dop_v1_test", max_retries=0) as client:
            client.create_evaluation_run(body)
        return
    with nemo_evaluator.Client(base_url=url, max_retries=0) as client:
        (client.create_evaluation_job if which == "nemo_v1" else client.create_evaluation_job_v2)(body)


def wire(request: Recorded) -> tuple[str, str, list[tuple[str, str]], Any]:
    return request.method, request.path, sorted(request.query), request.json()


@pytest.mark.parametrize("as_model", [False, True], ids=["dict", "model"])
@pytest.mark.parametrize(("which", "shape", "body"), CREATES, ids=[f"{c[0]}-{c[1]}" for c in CREATES])
def test_a_create_sends_what_the_official_sdk_sends(
    which: str, shape: str, body: dict[str, Any], as_model: bool
) -> None:
    api, operation_id = ANSWERS[which]
    with Recorder() as server:
        server.answer("POST", PATHS[which], Answer.of_json(response_example(api, operation_id)))
        theirs_create(which, server.url, body)
        request_model = {
            "nemo_v1": nemo_evaluator.models.CreateEvaluationJobRequest,
            "nemo_v2": nemo_evaluator.models.CreateEvaluationJobV2Request,
            "gradient": gradient.models.CreateEvaluationRunRequest,
        }[which]
        ours_create(which, server.url, request_model.model_validate(body) if as_model else body)
    theirs, ours = server.requests
    assert wire(ours) == wire(theirs)
    assert wire(ours)[3] == body
    assert ours.headers["content-type"] == theirs.headers["content-type"] == "application/json"
    if which == "gradient":
        assert ours.headers["authorization"] == theirs.headers["authorization"] == "Bearer dop_v1_test"


# name -> (the SDK's call, our call, the path both request)
Call = Callable[[Any], Any]
LIFECYCLE: dict[str, tuple[Call, Call, str]] = {
    "cancel-v1": (
        lambda s: s.evaluation.jobs.cancel(V1_JOB),
        lambda c: c.cancel_evaluation_job(V1_JOB),
        f"/v1/evaluation/jobs/{V1_JOB}/cancel",
    ),
    "delete-v1": (
        lambda s: s.evaluation.jobs.delete(V1_JOB),
        lambda c: c.delete_evaluation_job(V1_JOB),
        f"/v1/evaluation/jobs/{V1_JOB}",
    ),
    "results-v1": (
        lambda s: s.evaluation.jobs.results(V1_JOB),
        lambda c: c.get_evaluation_job_results(V1_JOB),
        f"/v1/evaluation/jobs/{V1_JOB}/results",
    ),
    "cancel-v2": (
        lambda s: s.v2.evaluation.jobs.cancel(V2_JOB),
        lambda c: c.cancel_evaluation_job_v2(V2_JOB),
        f"/v2/evaluation/jobs/{V2_JOB}/cancel",
    ),
    "delete-v2": (
        lambda s: s.v2.evaluation.jobs.delete(V2_JOB),
        lambda c: c.delete_evaluation_job_v2(V2_JOB),
        f"/v2/evaluation/jobs/{V2_JOB}",
    ),
    "download-results-v1": (
        lambda s: s.evaluation.jobs.download_results(V1_JOB).read(),
        lambda c: c.download_evaluation_job_results(V1_JOB, _Discard()),
        f"/v1/evaluation/jobs/{V1_JOB}/download-results",
    ),
    "download-artifacts-v2": (
        lambda s: s.v2.evaluation.jobs.results.artifacts.retrieve(V2_JOB).read(),
        lambda c: c.download_evaluation_job_artifacts_v2(V2_JOB, _Discard()),
        f"/v2/evaluation/jobs/{V2_JOB}/results/artifacts/download",
    ),
    "download-result-v2": (
        lambda s: s.v2.evaluation.jobs.results.download("evaluation-results", job_id=V2_JOB).read(),
        lambda c: c.download_evaluation_job_result_v2(V2_JOB, "evaluation-results", _Discard()),
        f"/v2/evaluation/jobs/{V2_JOB}/results/evaluation-results/download",
    ),
}


class _Discard:
    """A binary sink that keeps only the count (a file object for the download calls)."""

    def __init__(self) -> None:
        self.count = 0

    def write(self, data: bytes) -> int:
        self.count += len(data)
        return len(data)

    def flush(self) -> None:
        pass

    def seekable(self) -> bool:
        return False


@pytest.mark.parametrize("name", sorted(LIFECYCLE))
def test_cancel_delete_results_and_downloads_request_what_the_official_sdk_requests(name: str) -> None:
    theirs_call, ours_call, path = LIFECYCLE[name]
    method = "DELETE" if name.startswith("delete") else "POST" if name.startswith("cancel") else "GET"
    if name.startswith("download"):
        answer = Answer(body=b"PK\x03\x04 archive bytes", headers={"Content-Type": "application/octet-stream"})
    elif name == "delete-v1":
        answer = Answer(status=204, body=b"", headers={})
    elif name == "results-v1":
        answer = Answer.of_json(response_example("nemo_evaluator", "getEvaluationJobResults"))
    elif name.endswith("v2") and name.startswith("cancel"):
        answer = Answer.of_json(response_example("nemo_evaluator", "cancelEvaluationJobV2"))
    else:
        answer = Answer.of_json({"id": V1_JOB if name.endswith("v1") else V2_JOB})
    with Recorder() as server:
        server.answer(method, path, answer)
        with NeMoMicroservices(base_url=server.url, max_retries=0) as sdk:
            theirs_call(sdk)
        with nemo_evaluator.Client(base_url=server.url, max_retries=0) as client:
            ours_call(client)
    theirs, ours = server.requests
    assert (ours.method, ours.path, ours.query, ours.body) == (theirs.method, theirs.path, theirs.query, theirs.body)
    assert (ours.method, ours.path) == (method, path)


def test_the_gradient_create_answer_lists_the_new_run_ids() -> None:
    with Recorder() as server:
        server.answer(
            "POST", "/v2/gen-ai/evaluation_runs", Answer.of_json(response_example("gradient", "createEvaluationRun"))
        )
        with gradient.Client(base_url=server.url, token="dop_v1_test") as client:
            created = client.create_evaluation_run({"test_case_uuid": "t", "agent_uuids": ["a", "b"]})
    assert created.evaluation_run_uuids == response_example("gradient", "createEvaluationRun")["evaluation_run_uuids"]
    assert json.loads(server.requests[0].body) == {"test_case_uuid": "t", "agent_uuids": ["a", "b"]}


def test_listing_a_test_cases_runs_sends_the_query_the_official_sdk_sends() -> None:
    case = "7d9e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a"
    path = f"/v2/gen-ai/evaluation_test_cases/{case}/evaluation_runs"
    with Recorder() as server:
        server.answer("GET", path, Answer.of_json(response_example("gradient", "listEvaluationRunsByTestCase")))
        with Gradient(access_token="dop_v1_test", base_url=server.url, max_retries=0) as sdk:
            theirs_runs = sdk.agents.evaluation_test_cases.list_evaluation_runs(case, evaluation_test_case_version=4)
        with gradient.Client(base_url=server.url, token="dop_v1_test", max_retries=0) as client:
            ours_runs = client.list_evaluation_runs_by_test_case(case, evaluation_test_case_version=4)
    theirs, ours = server.requests
    assert wire(ours) == wire(theirs) == ("GET", path, [("evaluation_test_case_version", "4")], None)
    assert [run.evaluation_run_uuid for run in ours_runs.evaluation_runs] == [
        run.evaluation_run_uuid for run in theirs_runs.evaluation_runs or []
    ]

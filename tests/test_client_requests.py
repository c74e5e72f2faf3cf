"""Request bodies: a model or a plain mapping, checked against the operation's request schema before anything is
sent (``InvalidRequestError`` naming each problem's JSON pointer), unless the call says ``validate_request=False``."""

from __future__ import annotations

import asyncio
import inspect
from typing import Any

import pytest

from evaljobs import gradient, nemo_evaluator
from evaljobs.nemo_evaluator import InvalidParameterError, InvalidRequestError
from tests.recording import Answer, Recorder

CREATED_V1 = {"id": "eval-1", "config": {"type": "gsm8k"}, "target": {"type": "model"}, "status": "created"}
CREATED_V2 = {"id": "job-1", "spec": {"config": "ns/c", "target": "ns/t"}, "status": "created"}


def pointers(error: InvalidRequestError) -> list[str]:
    return [problem.pointer for problem in error.problems]


def test_a_body_that_breaks_the_schema_is_refused_before_sending_with_every_pointer() -> None:
    broken = {"config": 3, "target": {"model": "m"}, "namespace": None, "custom_fields": {"ok": 1}}
    with (
        Recorder() as server,
        nemo_evaluator.Client(base_url=server.url) as client,
        pytest.raises(InvalidRequestError) as raised,
    ):
        client.create_evaluation_job(broken)
    assert server.requests == []
    error = raised.value
    assert isinstance(error, InvalidParameterError) and isinstance(error, ValueError)
    assert error.schema == "nemo_evaluator.CreateEvaluationJobRequest"
    assert pointers(error) == ["/config", "/target", "/target/type", "/namespace"]
    assert "/target/type: missing required field 'type'" in str(error)
    assert all(problem.message for problem in error.problems)


def test_missing_required_fields_and_nested_errors_are_named() -> None:
    with (
        Recorder() as server,
        nemo_evaluator.Client(base_url=server.url) as client,
        pytest.raises(InvalidRequestError) as raised,
    ):
        client.create_evaluation_job_v2({"spec": {"config": {"params": {"limit_samples": "ten"}}}})
    assert pointers(raised.value) == [
        "/spec/config",  # neither a reference (a string) ...
        "/spec/config/type",  # ... nor an inline config: the closer member's errors follow
        "/spec/config/params/limit_samples",
        "/spec/target",
    ]


def test_validate_request_false_sends_the_body_as_given() -> None:
    with Recorder() as server:
        server.answer("POST", "/v1/evaluation/jobs", Answer.of_json(CREATED_V1))
        with nemo_evaluator.Client(base_url=server.url) as client:
            job = client.create_evaluation_job({"config": 3}, validate_request=False)
    assert job.id == "eval-1"
    assert server.requests[0].json() == {"config": 3}


def test_fields_the_spec_does_not_list_are_sent_not_refused() -> None:
    body = {"config": "ns/c", "target": "ns/t", "x_future_field": {"a": 1}}
    with Recorder() as server:
        server.answer("POST", "/v1/evaluation/jobs", Answer.of_json(CREATED_V1))
        with nemo_evaluator.Client(base_url=server.url) as client:
            client.create_evaluation_job(body)
    assert server.requests[0].json() == body


def test_a_model_and_the_same_mapping_send_the_same_json() -> None:
    body: dict[str, Any] = {
        "name": "gsm8k",
        "spec": {"config": {"type": "gsm8k", "params": {"temperature": 0.5}}, "target": "ns/llama"},
    }
    with Recorder() as server:
        server.answer("POST", "/v2/evaluation/jobs", Answer.of_json(CREATED_V2))
        with nemo_evaluator.Client(base_url=server.url) as client:
            client.create_evaluation_job_v2(body)
            client.create_evaluation_job_v2(nemo_evaluator.models.CreateEvaluationJobV2Request.model_validate(body))
    first, second = server.requests
    assert first.json() == second.json() == body  # a model's dump has its fields' order


def test_a_model_built_without_validation_is_still_checked() -> None:
    model = nemo_evaluator.models.CreateEvaluationJobRequest
    unchecked = model.model_construct(config=model.model_validate({"config": "ns/c", "target": "ns/t"}).config)
    with (
        Recorder() as server,
        nemo_evaluator.Client(base_url=server.url) as client,
        pytest.raises(InvalidRequestError) as raised,
    ):
        client.create_evaluation_job(unchecked)
    assert pointers(raised.value) == ["/target"]
    assert "target" in raised.value.problems[0].message


def test_the_async_client_checks_and_opts_out_the_same_way() -> None:
    async def run(url: str) -> None:
        async with gradient.AsyncClient(base_url=url, token="dop_v1_test") as client:
            with pytest.raises(gradient.InvalidRequestError) as raised:
                await client.create_evaluation_run({"agent_uuids": "not-a-list", "run_name": 7})
            assert sorted(pointers(raised.value)) == ["/agent_uuids", "/run_name"]
            await client.create_evaluation_run({"agent_uuids": "not-a-list"}, validate_request=False)

    with Recorder() as server:
        server.answer("POST", "/v2/gen-ai/evaluation_runs", Answer.of_json({"evaluation_run_uuids": ["r-1"]}))
        asyncio.run(run(server.url))
    assert [r.json() for r in server.requests] == [{"agent_uuids": "not-a-list"}]


def test_raw_responses_check_the_body_too() -> None:
    with (
        Recorder() as server,
        nemo_evaluator.Client(base_url=server.url) as client,
        pytest.raises(InvalidRequestError),
    ):
        client.with_raw_response.create_evaluation_job({"config": "ns/c"})
    assert server.requests == []


@pytest.mark.parametrize("api", [nemo_evaluator, gradient])
def test_every_operation_with_a_body_takes_validate_request(api: Any) -> None:
    for name, member in vars(api.Client).items():
        if name.startswith("create_"):
            parameters = inspect.signature(member).parameters
            assert parameters["validate_request"].default is True
            assert parameters["validate_request"].kind is inspect.Parameter.KEYWORD_ONLY

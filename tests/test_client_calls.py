"""The generated clients over real loopback HTTP (the mock server): every operation sync and async, the same
method set and signatures in both, configuration, raw responses, path and query encoding, pagination."""

from __future__ import annotations

import inspect
import io
import json
from typing import Any

import httpx
import pytest

from evaljobs._mock import Fault, MockServer
from tests.conftest import APIS
from tests.loopback import FLAVORS, GRADIENT_RUN, NEMO_V1_JOB, NEMO_V2_JOB, cached_spec, call, module, package

pytestmark = pytest.mark.usefixtures("fresh_mock")  # the mock server of tests/loopback.py, reset per test


def served_example(api: str, operation_id: str) -> tuple[dict[str, Any], Any]:
    """The operation's spec entry and the 2xx example the mock is meant to serve (``complete`` first)."""
    for item in cached_spec(api)["paths"].values():
        for operation in item.values():
            if operation["operationId"] == operation_id:
                examples = operation["responses"]["200"]["content"]["application/json"]["examples"]
                chosen = examples.get("complete") or next(iter(examples.values()))
                return operation, chosen["value"]
    raise LookupError(operation_id)


def documented_arguments(operation: dict[str, Any]) -> list[Any]:
    """A documented value of each path parameter, in path order."""
    values = []
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            examples = parameter.get("examples")
            values.append(next(iter(examples.values()))["value"] if examples else parameter["example"])
    return values


OPERATIONS = [
    (api, op.operation_id)
    for api in APIS
    for op in package(api).OPERATIONS
    if op.method == "GET" and op.success_model is not None
]
"""The JSON reads (the lifecycle's writes and downloads have tests of their own)."""


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize(("api", "operation_id"), OPERATIONS, ids=[f"{a}.{o}" for a, o in OPERATIONS])
def test_every_operation_returns_the_model_of_its_example(
    mock: MockServer, api: str, operation_id: str, flavor: str
) -> None:
    operation, expected = served_example(api, operation_id)
    method = next(op for op in module(api, "_client").Client.__dict__ if _camel(op) == operation_id.lower())
    result = call(api, flavor, mock.url, method, *documented_arguments(operation))
    success = next(op for op in package(api).OPERATIONS if op.operation_id == operation_id).success_model
    assert type(result) is success
    assert result.model_dump(mode="json", by_alias=True, exclude_unset=True) == expected
    assert [r.method for r in mock.requests] == ["GET"]


def _camel(name: str) -> str:
    return name.replace("_", "").lower()


@pytest.mark.parametrize("api", APIS)
def test_sync_and_async_clients_have_the_same_methods_and_signatures(api: str) -> None:
    clients = module(api, "_client")
    pairs = [(clients.Client, clients.AsyncClient), (clients.ClientWithRawResponse, clients.AsyncClientWithRawResponse)]
    for sync, asynchronous in pairs:
        names = {n for n in vars(sync) if not n.startswith("_")}
        assert names == {n for n in vars(asynchronous) if not n.startswith("_")}
        for name in names:
            member = vars(sync)[name]
            if isinstance(member, property):
                continue
            twin = vars(asynchronous)[name]
            assert inspect.signature(member).parameters == inspect.signature(twin).parameters, name
            returns_pager = name.startswith("iter_")
            assert inspect.iscoroutinefunction(twin) is not returns_pager, name
            assert not inspect.iscoroutinefunction(member), name
    operations = {op.operation_id.lower() for op in package(api).OPERATIONS}
    methods = {_camel(n) for n in vars(clients.Client) if not n.startswith(("_", "iter_", "wait", "with_"))}
    assert methods == operations
    downloads = {  # a download streams to a file: it has no raw view
        n for n, m in vars(clients.Client).items() if callable(m) and "destination" in inspect.signature(m).parameters
    }
    assert {n for n in vars(clients.ClientWithRawResponse) if not n.startswith("_")} == {
        n for n in vars(clients.Client) if not n.startswith(("_", "iter_", "wait", "with_"))
    } - downloads


def test_path_parameters_are_positional_and_query_parameters_keyword_only() -> None:
    from evaljobs.nemo_evaluator import Client

    parameters = inspect.signature(Client.list_evaluation_job_logs_v2).parameters
    kinds = {name: p.kind for name, p in parameters.items()}
    assert kinds["job_id"] is inspect.Parameter.POSITIONAL_OR_KEYWORD
    for name in ("limit", "page_cursor", "timeout", "max_retries"):
        assert kinds[name] is inspect.Parameter.KEYWORD_ONLY
    assert list(parameters)[:2] == ["self", "job_id"]


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize(
    ("value", "sent"),
    [
        ("../x", "..%2Fx"),
        ("a/b", "a%2Fb"),
        ("a?b", "a%3Fb"),
        ("x#f", "x%23f"),
        ("%2e%2e", "%252e%252e"),
        ("é ü", "%C3%A9%20%C3%BC"),
        ("job-dq1pjj6vj5p64xaeqgvuk4", "job-dq1pjj6vj5p64xaeqgvuk4"),
    ],
)
def test_path_parameters_are_percent_encoded_as_one_segment(
    mock: MockServer, flavor: str, value: str, sent: str
) -> None:
    mock.inject(Fault(path="/v2/evaluation/jobs/{job_id}/status", status=200))
    call("nemo_evaluator", flavor, mock.url, "with_raw_response.get_evaluation_job_status_v2", value)
    assert [r.path for r in mock.requests] == [f"/v2/evaluation/jobs/{sent}/status"]


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("value", ["", ".", ".."])
def test_empty_and_dot_segment_path_parameters_are_refused_before_any_request(
    mock: MockServer, flavor: str, value: str
) -> None:
    from evaljobs.nemo_evaluator import EvaljobsError, InvalidParameterError

    with pytest.raises(InvalidParameterError, match="job_id") as caught:
        call("nemo_evaluator", flavor, mock.url, "get_evaluation_job", value)
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, EvaljobsError)
    assert mock.requests == []


@pytest.mark.parametrize("flavor", FLAVORS)
def test_query_parameters_are_sent_typed_and_none_is_left_out(mock: MockServer, flavor: str) -> None:
    from evaljobs.nemo_evaluator.models import EvaluatorV2JobsSortField

    call(
        "nemo_evaluator",
        flavor,
        mock.url,
        "list_evaluation_jobs_v2",
        page_size=5,
        sort=EvaluatorV2JobsSortField("-updated_at"),
    )
    call("nemo_evaluator", flavor, mock.url, "list_evaluation_jobs", page=2, sort="created_at")
    call("nemo_evaluator", flavor, mock.url, "list_evaluation_jobs")
    assert [r.query for r in mock.requests] == ["page_size=5&sort=-updated_at", "page=2&sort=created_at", ""]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_raw_response_gives_status_headers_bytes_and_the_model(mock: MockServer, flavor: str) -> None:
    raw = call("gradient", flavor, mock.url, "with_raw_response.get_evaluation_run", GRADIENT_RUN)
    assert raw.status_code == 200 and raw.headers["content-type"] == "application/json"
    assert raw.request_id is not None and raw.request_id.startswith("mock-")
    assert raw.retries_taken == 0 and raw.method == "GET" and raw.url.endswith(GRADIENT_RUN)
    assert json.loads(raw.content) == raw.json()
    run = raw.parse()
    assert run is raw.parse(), "parsed once"
    assert run.model_dump(mode="json", by_alias=True, exclude_unset=True) == raw.json()


@pytest.mark.parametrize("flavor", FLAVORS)
def test_cursor_pagination_follows_next_page_until_it_is_empty(mock: MockServer, flavor: str) -> None:
    def page(messages: list[str], cursor: str | None) -> Fault:
        data = [
            {"job_id": NEMO_V2_JOB, "job_step": "s", "job_task": "t", "message": m, "timestamp": "2025-01-01T00:00:00"}
            for m in messages
        ]
        return Fault(
            path="/v2/evaluation/jobs/{job_id}/logs", body={"object": "list", "data": data, "next_page": cursor}
        )

    mock.inject(page(["a", "b"], "c1"), page(["c"], "c2"), page([], "c3"), page(["d"], None))
    pager_items = _collect(flavor, mock.url, "nemo_evaluator", "iter_list_evaluation_job_logs_v2", NEMO_V2_JOB, limit=2)
    assert [item.message for item in pager_items] == ["a", "b", "c", "d"]
    queries = [r.query for r in mock.requests]
    assert queries == ["limit=2", "limit=2&page_cursor=c1", "limit=2&page_cursor=c2", "limit=2&page_cursor=c3"]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_cursor_pagination_stops_when_a_cursor_repeats(mock: MockServer, flavor: str) -> None:
    body = {"data": [], "next_page": "same"}
    mock.inject(Fault(path="/v2/evaluation/jobs/{job_id}/logs", body=body, times=None))
    assert _collect(flavor, mock.url, "nemo_evaluator", "iter_list_evaluation_job_logs_v2", NEMO_V2_JOB) == []
    assert len(mock.requests) == 2


@pytest.mark.parametrize("flavor", FLAVORS)
def test_page_pagination_stops_after_the_last_page_the_body_announces(mock: MockServer, flavor: str) -> None:
    # The mock pages its example's two prompts: one a page, two pages ("meta.pages": 2), two requests.
    prompts = _collect(flavor, mock.url, "gradient", "iter_list_evaluation_run_results", GRADIENT_RUN, per_page=1)
    assert [p.prompt_id for p in prompts] == [1, 2]
    assert [r.query for r in mock.requests] == ["per_page=1", "per_page=1&page=2"]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_page_pagination_stops_on_an_empty_page(mock: MockServer, flavor: str) -> None:
    _, example = served_example("nemo_evaluator", "listEvaluationJobs")
    mock.inject(
        Fault(path="/v1/evaluation/jobs", body={**example, "pagination": None}),
        Fault(path="/v1/evaluation/jobs", body={**example, "data": [], "pagination": None}),
    )
    jobs = _collect(flavor, mock.url, "nemo_evaluator", "iter_list_evaluation_jobs", page=4)
    assert [job.id for job in jobs] == [job["id"] for job in example["data"]]
    assert [r.query for r in mock.requests] == ["page=4", "page=5"]


def _collect(flavor: str, base_url: str, api: str, method: str, *args: Any, **kwargs: Any) -> list[Any]:
    import asyncio

    if flavor == "sync":
        with package(api).Client(base_url=base_url) as client:
            return list(getattr(client, method)(*args, **kwargs))

    async def run() -> list[Any]:
        async with package(api).AsyncClient(base_url=base_url) as client:
            return [item async for item in getattr(client, method)(*args, **kwargs)]

    return asyncio.run(run())


def test_pages_yields_the_page_models(mock: MockServer) -> None:
    from evaljobs.gradient import Client
    from evaljobs.gradient.models import EvaluationRunListResultsResponse

    with Client(base_url=mock.url) as client:
        pages = list(client.iter_list_evaluation_run_results(GRADIENT_RUN, per_page=1).pages())
    assert len(pages) == 2 and all(type(p) is EvaluationRunListResultsResponse for p in pages)


def test_base_url_and_token_come_from_arguments_then_environment_then_spec(
    mock: MockServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from evaljobs import gradient, nemo_evaluator

    for name in ("EVALUATOR_BASE_URL", "NEMO_MICROSERVICES_BASE_URL", "GRADIENT_BASE_URL", "DIGITALOCEAN_ACCESS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert nemo_evaluator.Client().base_url == "http://nemo.test"
    assert gradient.Client().base_url == "https://api.digitalocean.com"
    monkeypatch.setenv("NEMO_MICROSERVICES_BASE_URL", "http://second.test/")
    assert nemo_evaluator.Client().base_url == "http://second.test"
    monkeypatch.setenv("EVALUATOR_BASE_URL", mock.url)
    assert nemo_evaluator.Client().base_url == mock.url, "the first variable the spec lists wins"
    assert nemo_evaluator.Client(base_url="http://explicit.test").base_url == "http://explicit.test"
    with nemo_evaluator.Client() as client:
        client.get_evaluation_job(NEMO_V1_JOB)
    assert "Authorization" not in mock.requests[-1].headers, "NeMo declares no token"

    monkeypatch.setenv("GRADIENT_BASE_URL", mock.url)
    monkeypatch.setenv("DIGITALOCEAN_ACCESS_TOKEN", "dop_v1_from_env")
    with gradient.Client() as client:
        client.get_evaluation_run(GRADIENT_RUN)
    with gradient.Client(token="dop_v1_explicit") as client:
        client.get_evaluation_run(GRADIENT_RUN)
    sent = [r.headers.get("Authorization") for r in mock.requests[-2:]]
    assert sent == ["Bearer dop_v1_from_env", "Bearer dop_v1_explicit"]


def test_a_base_url_without_a_scheme_is_refused() -> None:
    from evaljobs.nemo_evaluator import Client, InvalidParameterError

    with pytest.raises(InvalidParameterError, match="http"):
        Client(base_url="nemo.test")


def test_an_injected_http_client_is_used_and_not_closed(mock: MockServer) -> None:
    from evaljobs.gradient import Client

    with httpx.Client() as http, Client(base_url=mock.url, token="dop_v1_t", http_client=http) as client:
        client.get_evaluation_run(GRADIENT_RUN)
        client.close()
        assert not http.is_closed
    assert mock.requests[-1].headers["Authorization"] == "Bearer dop_v1_t"


def test_importing_an_api_package_does_not_import_httpx_or_the_models() -> None:
    import subprocess
    import sys

    code = (
        "import sys, evaljobs.nemo_evaluator as n; "
        "print(sorted(m for m in ('httpx', 'evaljobs.nemo_evaluator.models') if m in sys.modules)); "
        "n.Client; print('httpx' in sys.modules)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert result.stdout.split("\n")[:2] == ["[]", "True"]


EVERY = [(api, op.operation_id) for api in APIS for op in package(api).OPERATIONS]
"""Every operation of both specs: reads, creates, cancels, deletes and downloads."""


def _operation(api: str, operation_id: str) -> dict[str, Any]:
    for item in cached_spec(api)["paths"].values():
        for operation in item.values():
            if operation["operationId"] == operation_id:
                return dict(operation)
    raise LookupError(operation_id)


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize(("api", "operation_id"), EVERY, ids=[f"{a}.{o}" for a, o in EVERY])
def test_every_operation_is_served_to_the_client_as_its_declared_result(
    mock: MockServer, api: str, operation_id: str, flavor: str
) -> None:
    operation = _operation(api, operation_id)
    spec_entry = next(op for op in package(api).OPERATIONS if op.operation_id == operation_id)
    method = next(name for name in module(api, "_client").Client.__dict__ if _camel(name) == operation_id.lower())
    arguments = documented_arguments(operation)
    body = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if body is not None:
        arguments.append(next(iter(body["examples"].values()))["value"])
    sink = io.BytesIO()
    if spec_entry.success_model is None and spec_entry.success_media_type:  # a download
        arguments.append(sink)
    result = call(api, flavor, mock.url, method, *arguments)
    if spec_entry.success_model is not None:
        assert type(result) is spec_entry.success_model
    elif spec_entry.success_media_type:
        assert isinstance(result, package(api).Download) and result.path is None
        assert result.bytes_written == len(sink.getvalue()) > 0
        assert result.content_type == spec_entry.success_media_type
    else:
        assert result is None
    assert [(r.method, r.path.split("?")[0]) for r in mock.requests] == [
        (spec_entry.method, _concrete(spec_entry.path, arguments))
    ]


def _concrete(template: str, arguments: list[Any]) -> str:
    for value in arguments:
        if "{" not in template or not isinstance(value, str | int):
            break
        start = template.index("{")
        template = template[:start] + str(value) + template[template.index("}", start) + 1 :]
    return template

"""HTTP faults over real loopback HTTP (the mock server's injected faults, and a port nothing listens on):
retries and backoff, Retry-After, what is never retried, timeouts, broken bodies, typed errors, redaction."""

from __future__ import annotations

import logging
import time

import pytest

from evaljobs._clients import retry as _retry
from evaljobs._mock import Fault, MockServer
from tests.loopback import FAST, FLAVORS, GRADIENT_RUN, NEMO_V1_JOB, call, unused_port

GET_JOB = "/v1/evaluation/jobs/{job_id}"
GET_RUN = "/v2/gen-ai/evaluation_runs/{evaluation_run_uuid}"


pytestmark = pytest.mark.usefixtures("fresh_mock")  # the mock server of tests/loopback.py, reset per test


def get_job(mock: MockServer, flavor: str, **options: object) -> object:
    return call(
        "nemo_evaluator", flavor, mock.url, "with_raw_response.get_evaluation_job", NEMO_V1_JOB, options=options
    )


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("failures", [0, 1, 2])
def test_503_then_200_succeeds_within_the_default_two_retries(mock: MockServer, flavor: str, failures: int) -> None:
    mock.inject(*[Fault(path=GET_JOB, status=503)] * failures)
    raw = get_job(mock, flavor)
    assert raw.status_code == 200 and raw.retries_taken == failures  # type: ignore[attr-defined]
    counts = [r.headers.get("x-evaljobs-retry-count") for r in mock.requests]
    assert counts == [None] + [str(n) for n in range(1, failures + 1)]


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_persistent_500_is_tried_three_times_then_raises_server_error(mock: MockServer, flavor: str) -> None:
    from evaljobs.nemo_evaluator import APIStatusError, ServerError

    mock.inject(Fault(path=GET_JOB, status=500, times=None))
    with pytest.raises(ServerError) as caught:
        get_job(mock, flavor)
    assert isinstance(caught.value, APIStatusError) and caught.value.status_code == 500
    assert len(mock.requests) == 3


@pytest.mark.parametrize("flavor", FLAVORS)
def test_max_retries_per_client_and_per_call(mock: MockServer, flavor: str) -> None:
    from evaljobs.nemo_evaluator import ServerError

    mock.inject(Fault(path=GET_JOB, status=502, times=None))
    with pytest.raises(ServerError):
        get_job(mock, flavor, max_retries=0)
    assert len(mock.requests) == 1
    mock.clear()
    mock.inject(Fault(path=GET_JOB, status=502, times=None))
    with pytest.raises(ServerError):
        call("nemo_evaluator", flavor, mock.url, "get_evaluation_job", NEMO_V1_JOB, max_retries=4)
    assert len(mock.requests) == 5


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize(
    ("status", "error"), [(408, "APIStatusError"), (409, "ConflictError"), (429, "RateLimitError")]
)
def test_408_409_429_are_retried(mock: MockServer, flavor: str, status: int, error: str) -> None:
    import evaljobs.nemo_evaluator as api

    mock.inject(Fault(path=GET_JOB, status=status, times=None))
    with pytest.raises(getattr(api, error)) as caught:
        get_job(mock, flavor)
    assert caught.value.status_code == status and len(mock.requests) == 3


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize(
    ("status", "error"),
    [
        (400, "BadRequestError"),
        (401, "AuthenticationError"),
        (403, "PermissionDeniedError"),
        (404, "NotFoundError"),
        (422, "UnprocessableEntityError"),
        (418, "APIStatusError"),
    ],
)
def test_other_4xx_are_never_retried(mock: MockServer, flavor: str, status: int, error: str) -> None:
    import evaljobs.gradient as api

    mock.inject(Fault(path=GET_RUN, status=status, times=None))
    with pytest.raises(getattr(api, error)) as caught:
        call("gradient", flavor, mock.url, "get_evaluation_run", GRADIENT_RUN)
    assert type(caught.value) is getattr(api, error) and caught.value.status_code == status
    assert len(mock.requests) == 1
    if status in (401, 403):
        assert isinstance(caught.value, api.AuthError)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_x_should_retry_overrides_the_status(mock: MockServer, flavor: str) -> None:
    from evaljobs.nemo_evaluator import BadRequestError, ServerError

    mock.inject(Fault(path=GET_JOB, status=503, headers={"x-should-retry": "false"}))
    with pytest.raises(ServerError):
        get_job(mock, flavor)
    assert len(mock.requests) == 1
    mock.clear()
    mock.inject(Fault(path=GET_JOB, status=400, headers={"x-should-retry": "true"}, times=None))
    with pytest.raises(BadRequestError):
        get_job(mock, flavor)
    assert len(mock.requests) == 3


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize(
    ("headers", "expected"), [({"Retry-After": "0.3"}, 0.3), ({"retry-after-ms": "250", "Retry-After": "0.9"}, 0.25)]
)
def test_retry_after_is_honoured(mock: MockServer, flavor: str, headers: dict[str, str], expected: float) -> None:
    mock.inject(Fault(path=GET_JOB, status=429, headers=headers))
    started = time.monotonic()
    raw = get_job(mock, flavor)
    elapsed = time.monotonic() - started
    assert raw.retries_taken == 1  # type: ignore[attr-defined]
    assert expected <= elapsed < expected + 0.5


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_retry_after_beyond_the_cap_fails_fast_with_the_status_error(mock: MockServer, flavor: str) -> None:
    from evaljobs.nemo_evaluator import RateLimitError

    mock.inject(Fault(path=GET_JOB, status=429, headers={"Retry-After": "3600"}))
    started = time.monotonic()
    with pytest.raises(RateLimitError) as caught:
        get_job(mock, flavor)
    assert time.monotonic() - started < 0.5 and len(mock.requests) == 1
    assert caught.value.retry_after == 3600


@pytest.mark.parametrize(
    "value",
    ["0", "-10", "", "nan", "inf", "1e309", "soon", "Fri, 29 Sep 100000 00:00:00 GMT", "Wed, 21 Oct 2015 07:28:00 GMT"],
)
def test_unusable_retry_after_values_fall_back_to_backoff(mock: MockServer, value: str) -> None:
    mock.inject(Fault(path=GET_JOB, status=503, headers={"Retry-After": value}))
    started = time.monotonic()
    raw = get_job(mock, "sync")
    assert raw.retries_taken == 1 and time.monotonic() - started < 0.5  # type: ignore[attr-defined]


def test_backoff_doubles_up_to_the_cap_and_jitter_only_shortens_it() -> None:
    backoff = _retry.Backoff()
    for retries, base in [(0, 0.5), (1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (9, 8.0), (500, 8.0)]:
        delays = [backoff.delay(retries) for _ in range(200)]
        assert all(0.75 * base <= d <= base for d in delays), (retries, min(delays), max(delays))


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_read_timeout_is_retried_then_raises_a_timeout_error(mock: MockServer, flavor: str) -> None:
    from evaljobs.nemo_evaluator import APIConnectionError, APITimeoutError

    mock.inject(Fault(path=GET_JOB, delay=0.4, times=None))
    started = time.monotonic()
    with pytest.raises(APITimeoutError) as caught:
        get_job(mock, flavor, timeout=0.1, max_retries=1)
    assert isinstance(caught.value, APIConnectionError)
    assert len(mock.requests) == 2 and time.monotonic() - started < 1.0
    assert "timed out after 1 retries" in str(caught.value)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_per_call_timeout_overrides_the_clients(mock: MockServer, flavor: str) -> None:
    from evaljobs.nemo_evaluator import APITimeoutError

    mock.inject(Fault(path=GET_JOB, delay=0.3, times=None))
    with pytest.raises(APITimeoutError):
        call("nemo_evaluator", flavor, mock.url, "get_evaluation_job", NEMO_V1_JOB, timeout=0.05, max_retries=0)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_connection_refused_is_retried_then_raises_a_connection_error(flavor: str) -> None:
    from evaljobs.nemo_evaluator import APIConnectionError, APITimeoutError

    with pytest.raises(APIConnectionError) as caught:
        call("nemo_evaluator", flavor, f"http://127.0.0.1:{unused_port()}", "get_evaluation_job", NEMO_V1_JOB)
    assert not isinstance(caught.value, APITimeoutError)
    assert "after 2 retries" in str(caught.value)


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_truncated_2xx_body_is_retried_then_a_response_validation_error(mock: MockServer, flavor: str) -> None:
    """The README's promise: a 2xx body cut short (fewer bytes than its Content-Length, then the connection
    closed) is a ResponseValidationError, after the retries of an idempotent call, carrying what arrived."""
    from evaljobs.nemo_evaluator import APIConnectionError, ResponseValidationError

    mock.inject(Fault(path=GET_JOB, truncate=31))
    raw = get_job(mock, flavor)
    assert raw.retries_taken == 1  # type: ignore[attr-defined]
    mock.clear()
    mock.inject(Fault(path=GET_JOB, truncate=31, times=None))
    with pytest.raises(ResponseValidationError) as caught:
        call("nemo_evaluator", flavor, mock.url, "get_evaluation_job", NEMO_V1_JOB)
    error = caught.value
    assert not isinstance(error, APIConnectionError) and error.status_code == 200
    assert len(error.response.content) == 31 and "cut short after 2 retries: 31 bytes received" in str(error)
    assert len(mock.requests) == 3
    mock.clear()
    mock.inject(Fault(path=GET_JOB, truncate=0, times=None))
    with pytest.raises(ResponseValidationError, match="0 bytes received"):
        get_job(mock, flavor, max_retries=0)
    assert len(mock.requests) == 1


@pytest.mark.parametrize("flavor", FLAVORS)
def test_a_dropped_connection_is_a_connection_error(mock: MockServer, flavor: str) -> None:
    from evaljobs.nemo_evaluator import APIConnectionError

    mock.inject(Fault(path=GET_JOB, drop=True, times=None))
    with pytest.raises(APIConnectionError):
        get_job(mock, flavor, max_retries=1)
    assert len(mock.requests) == 2


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize(
    ("fault", "match"),
    [
        (Fault(path=GET_JOB, raw=b"<html>ok</html>", content_type="text/html"), "expected a JSON body"),
        (
            Fault(path=GET_JOB, raw=b'{"id": "eval-1", "config": {"ty', content_type="application/json"),
            "json_invalid|EOF",
        ),
        (Fault(path=GET_JOB, raw=b"", content_type="application/json"), "json_invalid|EOF"),
        (Fault(path=GET_JOB, body={"id": "eval-1"}), "config"),
        (Fault(path=GET_JOB, body=[1, 2]), "EvaluationJob"),
    ],
    ids=["html", "cut-json", "empty", "missing-required", "wrong-type"],
)
def test_a_2xx_body_that_is_not_the_model_raises_response_validation_error(
    mock: MockServer, flavor: str, fault: Fault, match: str
) -> None:
    import json

    from evaljobs.nemo_evaluator import EvaljobsError, ResponseValidationError

    mock.inject(fault)
    with pytest.raises(ResponseValidationError, match=match) as caught:
        call("nemo_evaluator", flavor, mock.url, "get_evaluation_job", NEMO_V1_JOB)
    assert isinstance(caught.value, EvaljobsError) and not isinstance(caught.value, json.JSONDecodeError)
    assert caught.value.response.status_code == 200
    assert len(mock.requests) == 1, "a body that is there but wrong is not retried"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_error_bodies_are_parsed_into_the_declared_model_or_kept_as_json_or_text(mock: MockServer, flavor: str) -> None:
    from evaljobs.gradient import NotFoundError, ServerError
    from evaljobs.gradient.models import Error

    mock.inject(Fault(path=GET_RUN, status=404, headers={"x-request-id": "req-42"}))
    with pytest.raises(NotFoundError) as found:
        call("gradient", flavor, mock.url, "get_evaluation_run", GRADIENT_RUN)
    assert isinstance(found.value.body, Error) and found.value.body.id == "not_found"
    assert found.value.request_id == "req-42" and found.value.response.status_code == 404
    assert "The resource you requested could not be found." in str(found.value)

    mock.inject(
        Fault(path=GET_RUN, status=502, raw=b"<html><body>Bad gateway</body></html>", content_type="text/html", times=3)
    )
    with pytest.raises(ServerError) as html:
        call("gradient", flavor, mock.url, "get_evaluation_run", GRADIENT_RUN)
    assert html.value.body == "<html><body>Bad gateway</body></html>" and html.value.status_code == 502

    mock.inject(Fault(path=GET_RUN, status=500, body={"unexpected": True}, times=3))
    with pytest.raises(ServerError) as other:
        call("gradient", flavor, mock.url, "get_evaluation_run", GRADIENT_RUN)
    assert other.value.body == {"unexpected": True}

    mock.inject(Fault(path=GET_RUN, status=500, raw=b"", times=3))
    with pytest.raises(ServerError) as empty:
        call("gradient", flavor, mock.url, "get_evaluation_run", GRADIENT_RUN)
    assert empty.value.body is None

    mock.inject(Fault(path=GET_RUN, status=500, raw=b'{"id": "server_err', content_type="application/json", times=3))
    with pytest.raises(ServerError) as cut:
        call("gradient", flavor, mock.url, "get_evaluation_run", GRADIENT_RUN)
    assert cut.value.body == '{"id": "server_err'


def test_unknown_ids_get_the_declared_error_model(mock: MockServer) -> None:
    from evaljobs.nemo_evaluator import NotFoundError
    from evaljobs.nemo_evaluator.models import ErrorResponse

    with pytest.raises(NotFoundError) as caught:
        call("nemo_evaluator", "sync", mock.url, "get_evaluation_job_v2", "job-unknown")
    assert caught.value.body == ErrorResponse(detail="Job not found")
    assert caught.value.request_id is None, "NeMo declares no request id header"


SECRET = "dop_v1_0123456789abcdefSECRET"


@pytest.mark.parametrize("flavor", FLAVORS)
def test_the_token_never_appears_in_repr_errors_or_logs(
    mock: MockServer, flavor: str, caplog: pytest.LogCaptureFixture
) -> None:
    from evaljobs.gradient import AuthenticationError, Client

    for name in (None, "evaljobs", "httpx", "httpcore"):
        caplog.set_level(logging.DEBUG, logger=name)
    client = Client(base_url=mock.url, token=SECRET)
    assert SECRET not in repr(client) and "token=set" in repr(client)
    client.close()
    mock.inject(Fault(path=GET_RUN, status=503), Fault(path=GET_RUN, status=401, headers={"x-request-id": "r1"}))
    with pytest.raises(AuthenticationError) as caught:
        call("gradient", flavor, mock.url, "get_evaluation_run", GRADIENT_RUN, options={"token": SECRET})
    error = caught.value
    texts = [str(error), repr(error), repr(error.response), str(vars(error)), repr(error.__cause__), caplog.text]
    texts += [repr(vars(error.response)) if hasattr(error.response, "__dict__") else ""]
    texts += [str(getattr(error.response, slot, "")) for slot in type(error.response).__slots__]
    assert mock.requests[-1].headers["Authorization"] == f"Bearer {SECRET}", "it was sent"
    assert "retrying GET" in caplog.text, "the logs were on"
    for text in texts:
        assert SECRET not in text


def test_with_options_makes_a_copy_that_shares_the_connections(mock: MockServer) -> None:
    from evaljobs.nemo_evaluator import Client, ServerError

    mock.inject(Fault(path=GET_JOB, status=500, times=None))
    with Client(base_url=mock.url, backoff=FAST) as client:
        impatient = client.with_options(max_retries=0, timeout=5)
        with pytest.raises(ServerError):
            impatient.get_evaluation_job(NEMO_V1_JOB)
        assert len(mock.requests) == 1
        with pytest.raises(ServerError):
            client.get_evaluation_job(NEMO_V1_JOB)
        assert len(mock.requests) == 4, "the original keeps its two retries"
        impatient.close()
        mock.clear()
        assert client.get_evaluation_job(NEMO_V1_JOB).id == NEMO_V1_JOB, "closing the copy left the pool open"


def test_a_token_that_cannot_be_a_header_is_refused_without_repeating_it(mock: MockServer) -> None:
    from evaljobs.gradient import APIConnectionError, Client, InvalidParameterError

    for bad in (f"{SECRET}\nx-injected: 1", f"{SECRET} ", f"{SECRET}é"):
        with pytest.raises(InvalidParameterError) as caught:
            Client(base_url=mock.url, token=bad)
        assert SECRET not in str(caught.value)
    with (
        Client(base_url=mock.url, headers={"X-Key": f"{SECRET}\n"}) as client,
        pytest.raises(APIConnectionError) as sent,
    ):
        client.get_evaluation_run(GRADIENT_RUN)
    assert SECRET not in str(sent.value) and "a header value is not allowed" in str(sent.value)

"""The machinery under every generated ``Client`` and ``AsyncClient``: configuration, requests, retries, errors.

A generated client is a subclass of ``SyncBaseClient`` or ``AsyncBaseClient`` with one short method per
operation that hands an ``Endpoint`` (path, method, models) and the call's arguments to ``_call``. Everything
else is here, written once: the two classes differ only in the lines that do I/O (send, sleep, close).

Configuration, first found wins: the constructor's arguments; the environment variables the spec names
(``x-evaljobs-base-url-env``, ``x-evaljobs-token-env``); the spec's first server. The token is sent as
``Authorization: Bearer <token>`` and is kept only in the private request headers: ``repr()``, errors and
log records never contain it.
"""

from __future__ import annotations

import copy
import functools
import json
import logging
import os
import re
import ssl
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import TracebackType
from typing import TYPE_CHECKING, Any, ClassVar, Generic, Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import ValidationError

from evaljobs._clients.download import CHUNK_SIZE, Destination, Download, ProgressCallback, Sink
from evaljobs._clients.response import RawResponse
from evaljobs._clients.retry import (
    DEFAULT_MAX_RETRIES,
    Backoff,
    check_max_retries,
    delay_after_error,
    delay_after_response,
)
from evaljobs._exceptions import (
    APIConnectionError,
    APITimeoutError,
    InvalidParameterError,
    InvalidRequestError,
    ResponseValidationError,
    status_error,
)

if TYPE_CHECKING:
    from collections.abc import Callable

    from pydantic import BaseModel

    from evaljobs._api import Operation
    from evaljobs._clients.jobs import JobProgress, JobStatusSpec

__all__ = [
    "DEFAULT_TIMEOUT",
    "ApiConfig",
    "AsyncBaseClient",
    "Endpoint",
    "SyncBaseClient",
    "TimeoutTypes",
]

T = TypeVar("T")
TimeoutTypes = float | httpx.Timeout
DEFAULT_TIMEOUT = httpx.Timeout(60.0, connect=5.0)
"""Connect 5 s; read, write and pool 60 s (the official SDKs' defaults)."""
RETRY_COUNT_HEADER = "x-evaljobs-retry-count"
_TOKEN = re.compile(r"[\x21-\x7e]+")
_log = logging.getLogger("evaljobs")


@dataclass(frozen=True)
class ApiConfig:
    """What the spec says about reaching its API (rendered into each generated client module)."""

    name: str
    base_url: str | None = None
    base_url_env: tuple[str, ...] = ()
    token_env: str | None = None
    request_id_header: str | None = None
    job_status: Mapping[str, JobStatusSpec] = field(default_factory=dict)
    """Method name -> how that operation reports a job's state; the first is ``wait()``'s default."""


class Endpoint(Generic[T]):
    """One operation as the client calls it: method, path template, the model of the 2xx body (``T``) and of
    each error body."""

    __slots__ = (
        "_literals",
        "accept",
        "errors",
        "method",
        "model",
        "operation_id",
        "parameters",
        "path",
        "request_schema",
    )

    def __init__(
        self,
        operation: Operation,
        model: type[T] | None,
        *,
        request_schema: str | None = None,
        accept: str | None = None,
    ) -> None:
        """``request_schema``: the request body's schema (``api.Name``), which bodies are checked against before
        they are sent; ``accept``: the media types of a download (its Accept header)."""
        self.operation_id = operation.operation_id
        self.method = operation.method
        self.path = operation.path
        self.model = model
        self.request_schema = request_schema
        self.accept = accept
        self.errors: Mapping[str, type[BaseModel] | None] = {
            status: body for status, body in operation.responses.items() if not status.startswith("2")
        }
        pieces = self.path.replace("}", "{").split("{")
        self._literals: tuple[str, ...] = tuple(pieces[0::2])
        self.parameters: tuple[str, ...] = tuple(pieces[1::2])

    @classmethod
    def of(
        cls,
        operations: Sequence[Operation],
        operation_id: str,
        model: type[T] | None,
        *,
        request_schema: str | None = None,
        accept: str | None = None,
    ) -> Endpoint[T]:
        """The endpoint of ``operation_id`` in an API's ``OPERATIONS`` table."""
        operation = next(op for op in operations if op.operation_id == operation_id)
        return cls(operation, model, request_schema=request_schema, accept=accept)

    def url_path(self, arguments: Sequence[object]) -> str:
        """The path with each parameter percent-encoded as one segment; refuses empty and dot-segment values."""
        literals = self._literals
        if len(literals) == 1:
            return literals[0]
        parts = [literals[0]]
        for name, value, literal in zip(self.parameters, arguments, literals[1:], strict=True):
            parts.append(_segment(name, value))
            parts.append(literal)
        return "".join(parts)

    def error_model(self, status: int) -> type[BaseModel] | None:
        """The model the spec declares for an error status: exact, then ``4XX``/``5XX``, then ``default``."""
        errors = self.errors
        text = str(status)
        for key in (text, f"{text[0]}XX", f"{text[0]}xx", "default"):
            if key in errors:
                return errors[key]
        return None


def _segment(name: str, value: object) -> str:
    if isinstance(value, Enum):
        value = value.value
    text = ("true" if value else "false") if isinstance(value, bool) else str(value)
    if text in ("", ".", ".."):
        raise InvalidParameterError(f"path parameter {name!r} must not be {text!r}")
    return quote(text, safe="")


def _query_value(value: object) -> str | list[str]:
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return ",".join(str(_query_value(item)) for item in value)
    return str(value)


def _timeout(value: TimeoutTypes) -> httpx.Timeout:
    return value if isinstance(value, httpx.Timeout) else httpx.Timeout(value, connect=min(5.0, value))


class _BaseClient:
    """Configuration and response handling shared by the sync and async clients."""

    _config: ClassVar[ApiConfig]

    def __init__(
        self,
        *,
        base_url: str | None,
        token: str | None,
        timeout: TimeoutTypes | None,
        max_retries: int,
        backoff: Backoff | None,
        headers: Mapping[str, str] | None,
    ) -> None:
        config = self._config
        resolved = base_url or _first_env(config.base_url_env) or config.base_url
        if not resolved:
            names = " or ".join(config.base_url_env)
            raise InvalidParameterError(
                f"no base URL for {config.name}: pass base_url=" + (f" or set {names}" if names else "")
            )
        if not resolved.startswith(("http://", "https://")):
            raise InvalidParameterError(f"the base URL must start with http:// or https://, found {resolved[:80]!r}")
        self._base_url = resolved.rstrip("/")
        secret = token if token is not None else (os.environ.get(config.token_env) if config.token_env else None)
        self._has_token = bool(secret)
        self._headers: dict[str, str] = {
            "Accept": "application/json",
            "User-Agent": f"evaljobs/{config.name}",
            **(headers or {}),
        }
        if secret:
            if not _TOKEN.fullmatch(secret):  # say why without the value: an error must not carry the token
                raise InvalidParameterError("the token must be printable ASCII without spaces or line breaks")
            self._headers["Authorization"] = f"Bearer {secret}"
        self._timeout = DEFAULT_TIMEOUT if timeout is None else _timeout(timeout)
        self._max_retries = check_max_retries(max_retries)
        self._backoff = backoff or Backoff()

    @property
    def base_url(self) -> str:
        return self._base_url

    def __repr__(self) -> str:
        token = "set" if self._has_token else "none"
        return f"<{type(self).__name__} {self._config.name} base_url={self._base_url!r} token={token}>"

    def _finish(
        self, response: httpx.Response, endpoint: Endpoint[T], retries_taken: int, body: bytes
    ) -> RawResponse[T]:
        raw = self._raw(response, endpoint, retries_taken, body)
        if _log.isEnabledFor(logging.DEBUG):
            _log.debug("%s %s -> %d (%.1f ms)", raw.method, raw.url, raw.status_code, raw.elapsed * 1000)
        if not 200 <= raw.status_code < 300:
            raise status_error(raw, _error_body(raw, endpoint))
        return raw

    def _raw(self, response: httpx.Response, endpoint: Endpoint[T], retries_taken: int, body: bytes) -> RawResponse[T]:
        return RawResponse(
            response,
            endpoint.model,
            request_id_header=self._config.request_id_header,
            retries_taken=retries_taken,
            content=body,
        )

    def _broken_body(
        self, response: httpx.Response, body: bytes, error: httpx.HTTPError, endpoint: Endpoint[T], retries_taken: int
    ) -> Exception:
        """The error for a response whose body broke off (the status line and headers had arrived), once no
        retry is left: a 2xx body cut short is a ``ResponseValidationError`` carrying the bytes received; a
        timeout, or an error status, is the transport error it was."""
        method, url = response.request.method, str(response.request.url)
        if isinstance(error, httpx.TimeoutException) or not 200 <= response.status_code < 300:
            return _connection_error(error, method, url, retries_taken)
        announced = response.headers.get("content-length")
        of = f" of the {announced} announced" if announced and announced.isdigit() else ""
        after = f" after {retries_taken} retries" if retries_taken else ""
        return ResponseValidationError(
            f"{method} {url}: the body was cut short{after}: {len(body)} bytes received{of}"
            f" ({type(error).__name__}: {error})",
            response=self._raw(response, endpoint, retries_taken, body),
        )

    def _attempt_options(self, timeout: TimeoutTypes | None, max_retries: int | None) -> tuple[httpx.Timeout, int]:
        return (
            self._timeout if timeout is None else _timeout(timeout),
            self._max_retries if max_retries is None else check_max_retries(max_retries),
        )

    def _content(
        self, body: object, endpoint: Endpoint[Any], validate_request: bool
    ) -> tuple[bytes | None, dict[str, str] | None]:
        """The JSON bytes of a request body (a model is dumped as the API spells it) and the request headers;
        with ``validate_request``, the bytes are first checked against the operation's request schema."""
        if body is None:
            return None, self._request_headers
        dump = getattr(body, "model_dump", None)
        value = dump(mode="json", by_alias=True, exclude_unset=True) if callable(dump) else body
        try:
            content = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()
        except (TypeError, ValueError) as error:
            raise InvalidParameterError(f"the request body is not JSON: {error}") from None
        if validate_request and endpoint.request_schema:
            _check_request_body(endpoint.request_schema, content)
        return content, {**(self._request_headers or {}), "Content-Type": "application/json"}

    def _download_headers(self, endpoint: Endpoint[Any]) -> dict[str, str] | None:
        if not endpoint.accept:
            return self._request_headers
        return {**(self._request_headers or {}), "Accept": endpoint.accept}

    def _error_retry(
        self, response: httpx.Response, endpoint: Endpoint[Any], retries_taken: int, retries: int, body: bytes
    ) -> float:
        """The wait before retrying a 4xx/5xx answer to a download; its error when no retry is left."""
        delay = delay_after_response(response, endpoint.method, retries_taken, retries, self._backoff)
        if delay is None:
            raw = self._raw(response, endpoint, retries_taken, body)
            raise status_error(raw, _error_body(raw, endpoint))
        return delay

    def _downloaded(self, response: httpx.Response, sink: Sink) -> Download:
        header = self._config.request_id_header
        return Download(
            path=sink.commit(),
            bytes_written=sink.written,
            content_type=response.headers.get("content-type"),
            status_code=response.status_code,
            request_id=response.headers.get(header) if header else None,
        )

    def _status_spec(self, operation: str | None) -> JobStatusSpec:
        specs = self._config.job_status
        if not specs:
            raise InvalidParameterError(f"{self._config.name} declares no job status operation")
        if operation is None:
            return next(iter(specs.values()))
        if operation not in specs:
            raise InvalidParameterError(f"{operation!r} is not a job status operation; known: {', '.join(specs)}")
        return specs[operation]

    def _copy(self, timeout: TimeoutTypes | None, max_retries: int | None, backoff: Backoff | None) -> Self:
        clone = copy.copy(self)
        clone._owns_http = False  # the original closes the shared connection pool
        clone._timeout, clone._max_retries = self._attempt_options(timeout, max_retries)
        clone._backoff = backoff or self._backoff
        return clone

    _owns_http: bool
    _request_headers: dict[str, str] | None
    """Headers to send with each request: None when they are the defaults of our own httpx client."""


@functools.cache
def _tls() -> ssl.SSLContext:
    """The default TLS context (certifi's roots, or ``SSL_CERT_FILE``/``SSL_CERT_DIR``), built once per process
    and shared by every client: building one costs tens of milliseconds."""
    return httpx.create_ssl_context()


def _check_request_body(schema: str, content: bytes) -> None:
    """Refuse a request body that breaks ``schema`` (``api.Name``): every error, with its JSON pointer. Drift
    (a field or enum value the spec does not list) is sent: the server may know more than the spec."""
    from evaljobs._validation.validator import validate  # noqa: PLC0415 - only calls with a body need the validator

    report = validate(content, schema=schema, source="request body")
    if report.valid:
        return
    shown = "; ".join(f"{error.pointer or '/'}: {error.message}" for error in report.errors[:5])
    more = f" (and {len(report.errors) - 5} more)" if len(report.errors) > 5 else ""
    raise InvalidRequestError(
        f"the request body does not match {schema}: {shown}{more}", schema=schema, problems=list(report.errors)
    )


def _first_env(names: Sequence[str]) -> str | None:
    return next((os.environ[name] for name in names if os.environ.get(name)), None)


def _error_body(raw: RawResponse[Any], endpoint: Endpoint[Any]) -> object:
    """The error body: the declared model when it matches, else the JSON value, else the text; never raises."""
    if not raw.content:
        return None
    try:
        value = json.loads(raw.content)
    except (ValueError, RecursionError):
        return raw.text
    model = endpoint.error_model(raw.status_code)
    if model is None:
        return value
    try:
        return model.model_validate(value)
    except (ValidationError, RecursionError):
        return value


def _query(query: Mapping[str, object]) -> dict[str, str | list[str]] | None:
    params = {key: _query_value(value) for key, value in query.items() if value is not None}
    return params or None


def _connection_error(error: httpx.HTTPError, method: str, url: str, retries_taken: int) -> APIConnectionError:
    cls = APITimeoutError if isinstance(error, httpx.TimeoutException) else APIConnectionError
    what = "timed out" if cls is APITimeoutError else "failed"
    after = f" after {retries_taken} retries" if retries_taken else ""
    # A request httpx refuses to send names the offending header value: never repeat it.
    detail = "a header value is not allowed" if isinstance(error, httpx.LocalProtocolError) else str(error)
    return cls(f"{method} {url} {what}{after}: {type(error).__name__}: {detail}")


def _log_retry(method: str, url: str, delay: float, retry: int, reason: str) -> None:
    if _log.isEnabledFor(logging.INFO):
        _log.info("retrying %s %s in %.2f s (retry %d): %s", method, url, delay, retry, reason)


class SyncBaseClient(_BaseClient):
    """The base of every generated ``Client`` (blocking, over ``httpx.Client``)."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        token: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: Backoff | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.Client | None = None,
    ) -> None:
        """Args:
        base_url: the API's root URL; default: the environment variables the spec names, then its server.
        token: the bearer token; default: the environment variable the spec names (if any).
        timeout: seconds, or an ``httpx.Timeout``; default connect 5 s, everything else 60 s.
        max_retries: retries after the first attempt (connection errors, 408, 409, 429, 5xx); default 2.
        backoff: the waits between attempts; default 0.5 s doubling up to 8 s, jittered.
        headers: extra headers sent with every request.
        http_client: an ``httpx.Client`` to send through (not closed by ``close()``).
        """
        super().__init__(
            base_url=base_url, token=token, timeout=timeout, max_retries=max_retries, backoff=backoff, headers=headers
        )
        self._owns_http = http_client is None
        if http_client is None:
            self._http = httpx.Client(
                headers=self._headers, timeout=self._timeout, follow_redirects=True, verify=_tls()
            )
            self._request_headers = None
        else:
            self._http = http_client
            self._request_headers = self._headers

    def close(self) -> None:
        """Close the connection pool (unless it was passed in as ``http_client``)."""
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()

    def with_options(
        self, *, timeout: TimeoutTypes | None = None, max_retries: int | None = None, backoff: Backoff | None = None
    ) -> Self:
        """A copy with other defaults that shares this client's connection pool."""
        return self._copy(timeout, max_retries, backoff)

    def _call(
        self,
        endpoint: Endpoint[T],
        arguments: Sequence[object],
        query: Mapping[str, object],
        timeout: TimeoutTypes | None,
        max_retries: int | None,
        *,
        body: object = None,
        validate_request: bool = True,
    ) -> T:
        return self._call_raw(
            endpoint, arguments, query, timeout, max_retries, body=body, validate_request=validate_request
        ).parse()

    def _call_raw(
        self,
        endpoint: Endpoint[T],
        arguments: Sequence[object],
        query: Mapping[str, object],
        timeout: TimeoutTypes | None,
        max_retries: int | None,
        *,
        body: object = None,
        validate_request: bool = True,
    ) -> RawResponse[T]:
        url = self._base_url + endpoint.url_path(arguments)
        params = _query(query) if query else None
        method = endpoint.method
        attempt_timeout, retries = self._attempt_options(timeout, max_retries)
        content, headers = self._content(body, endpoint, validate_request)
        taken = 0
        while True:
            request = self._http.build_request(
                method, url, params=params, content=content, headers=headers, timeout=attempt_timeout
            )
            try:
                response = self._http.send(request, stream=True)  # the status line and headers
            except httpx.HTTPError as error:
                delay = delay_after_error(error, method, taken, retries, self._backoff)
                if delay is None:
                    raise _connection_error(error, method, url, taken) from error
                reason = type(error).__name__
            else:
                chunks: list[bytes] = []
                try:
                    for chunk in response.iter_bytes():
                        chunks.append(chunk)
                except httpx.HTTPError as error:
                    broken: httpx.HTTPError | None = error
                else:
                    broken = None
                finally:
                    response.close()
                body = b"".join(chunks)
                if broken is None:
                    delay = delay_after_response(response, method, taken, retries, self._backoff)
                    if delay is None:
                        return self._finish(response, endpoint, taken, body)
                    reason = str(response.status_code)
                else:
                    delay = delay_after_error(broken, method, taken, retries, self._backoff)
                    if delay is None:
                        raise self._broken_body(response, body, broken, endpoint, taken) from broken
                    reason = type(broken).__name__
            taken += 1
            _log_retry(method, url, delay, taken, reason)
            time.sleep(delay)
            headers = {**(headers or {}), RETRY_COUNT_HEADER: str(taken)}

    def _download(
        self,
        endpoint: Endpoint[Any],
        arguments: Sequence[object],
        query: Mapping[str, object],
        destination: Destination,
        *,
        on_progress: ProgressCallback | None,
        timeout: TimeoutTypes | None,
        max_retries: int | None,
    ) -> Download:
        """Stream a binary body to ``destination`` (see evaljobs._clients.download), with the retries of any call; a
        body broken off midway is fetched again from its start when the destination allows it."""
        url = self._base_url + endpoint.url_path(arguments)
        params = _query(query) if query else None
        method = endpoint.method
        attempt_timeout, retries = self._attempt_options(timeout, max_retries)
        headers = self._download_headers(endpoint)
        sink = Sink(destination, on_progress)
        taken = 0
        try:
            while True:
                request = self._http.build_request(method, url, params=params, headers=headers, timeout=attempt_timeout)
                try:
                    response = self._http.send(request, stream=True)
                except httpx.HTTPError as error:
                    delay = delay_after_error(error, method, taken, retries, self._backoff)
                    if delay is None:
                        raise _connection_error(error, method, url, taken) from error
                    reason = type(error).__name__
                else:
                    try:
                        if 200 <= response.status_code < 300:
                            sink.begin(response)
                            try:
                                for chunk in response.iter_bytes(CHUNK_SIZE):
                                    sink.write(chunk)
                            except httpx.HTTPError as error:
                                delay = delay_after_error(error, method, taken, retries, self._backoff)
                                if delay is None or not sink.can_restart:
                                    raise _connection_error(error, method, url, taken) from error
                                reason = type(error).__name__
                            else:
                                return self._downloaded(response, sink)
                        else:
                            try:
                                body = response.read()  # an error body
                            except httpx.HTTPError as error:
                                raise _connection_error(error, method, url, taken) from error
                            delay = self._error_retry(response, endpoint, taken, retries, body)
                            reason = str(response.status_code)
                    finally:
                        response.close()
                taken += 1
                _log_retry(method, url, delay, taken, reason)
                time.sleep(delay)
                headers = {**(headers or {}), RETRY_COUNT_HEADER: str(taken)}
        except BaseException:
            sink.abort()
            raise

    def _wait(
        self,
        job_id: str,
        *,
        timeout: float | None,
        poll_interval: float,
        on_progress: Callable[[JobProgress[Any]], object] | None,
        operation: str | None,
    ) -> JobProgress[Any]:
        from evaljobs._clients.jobs import Poller  # noqa: PLC0415 - only clients that wait need it

        spec = self._status_spec(operation)
        poller = Poller(spec, job_id, timeout=timeout, poll_interval=poll_interval)
        while True:
            progress = poller.observe(self._call_raw(spec.endpoint, (job_id,), {}, None, None))
            if on_progress is not None:
                on_progress(progress)
            delay = poller.next_delay(progress)
            if delay is None:
                return progress
            time.sleep(delay)


class AsyncBaseClient(_BaseClient):
    """The base of every generated ``AsyncClient`` (asyncio, over ``httpx.AsyncClient``)."""

    def __init__(
        self,
        *,
        base_url: str | None = None,
        token: str | None = None,
        timeout: TimeoutTypes | None = None,
        max_retries: int = DEFAULT_MAX_RETRIES,
        backoff: Backoff | None = None,
        headers: Mapping[str, str] | None = None,
        http_client: httpx.AsyncClient | None = None,
    ) -> None:
        """The same arguments as the sync ``Client``; ``http_client`` is an ``httpx.AsyncClient``."""
        super().__init__(
            base_url=base_url, token=token, timeout=timeout, max_retries=max_retries, backoff=backoff, headers=headers
        )
        self._owns_http = http_client is None
        if http_client is None:
            self._http = httpx.AsyncClient(
                headers=self._headers, timeout=self._timeout, follow_redirects=True, verify=_tls()
            )
            self._request_headers = None
        else:
            self._http = http_client
            self._request_headers = self._headers

    async def aclose(self) -> None:
        """Close the connection pool (unless it was passed in as ``http_client``)."""
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        await self.aclose()

    def with_options(
        self, *, timeout: TimeoutTypes | None = None, max_retries: int | None = None, backoff: Backoff | None = None
    ) -> Self:
        """A copy with other defaults that shares this client's connection pool."""
        return self._copy(timeout, max_retries, backoff)

    async def _call(
        self,
        endpoint: Endpoint[T],
        arguments: Sequence[object],
        query: Mapping[str, object],
        timeout: TimeoutTypes | None,
        max_retries: int | None,
        *,
        body: object = None,
        validate_request: bool = True,
    ) -> T:
        raw = await self._call_raw(
            endpoint, arguments, query, timeout, max_retries, body=body, validate_request=validate_request
        )
        return raw.parse()

    async def _call_raw(
        self,
        endpoint: Endpoint[T],
        arguments: Sequence[object],
        query: Mapping[str, object],
        timeout: TimeoutTypes | None,
        max_retries: int | None,
        *,
        body: object = None,
        validate_request: bool = True,
    ) -> RawResponse[T]:
        import asyncio  # noqa: PLC0415 - imported by then (httpx.AsyncClient needs it); keeps sync imports light

        url = self._base_url + endpoint.url_path(arguments)
        params = _query(query) if query else None
        method = endpoint.method
        attempt_timeout, retries = self._attempt_options(timeout, max_retries)
        content, headers = self._content(body, endpoint, validate_request)
        taken = 0
        while True:
            request = self._http.build_request(
                method, url, params=params, content=content, headers=headers, timeout=attempt_timeout
            )
            try:
                response = await self._http.send(request, stream=True)  # the status line and headers
            except httpx.HTTPError as error:
                delay = delay_after_error(error, method, taken, retries, self._backoff)
                if delay is None:
                    raise _connection_error(error, method, url, taken) from error
                reason = type(error).__name__
            else:
                chunks: list[bytes] = []
                try:
                    async for chunk in response.aiter_bytes():
                        chunks.append(chunk)
                except httpx.HTTPError as error:
                    broken: httpx.HTTPError | None = error
                else:
                    broken = None
                finally:
                    await response.aclose()
                body = b"".join(chunks)
                if broken is None:
                    delay = delay_after_response(response, method, taken, retries, self._backoff)
                    if delay is None:
                        return self._finish(response, endpoint, taken, body)
                    reason = str(response.status_code)
                else:
                    delay = delay_after_error(broken, method, taken, retries, self._backoff)
                    if delay is None:
                        raise self._broken_body(response, body, broken, endpoint, taken) from broken
                    reason = type(broken).__name__
            taken += 1
            _log_retry(method, url, delay, taken, reason)
            await asyncio.sleep(delay)
            headers = {**(headers or {}), RETRY_COUNT_HEADER: str(taken)}

    async def _download(
        self,
        endpoint: Endpoint[Any],
        arguments: Sequence[object],
        query: Mapping[str, object],
        destination: Destination,
        *,
        on_progress: ProgressCallback | None,
        timeout: TimeoutTypes | None,
        max_retries: int | None,
    ) -> Download:
        """Stream a binary body to ``destination`` (see evaljobs._clients.download), with the retries of any call; a
        body broken off midway is fetched again from its start when the destination allows it."""
        import asyncio  # noqa: PLC0415 - see _call_raw

        url = self._base_url + endpoint.url_path(arguments)
        params = _query(query) if query else None
        method = endpoint.method
        attempt_timeout, retries = self._attempt_options(timeout, max_retries)
        headers = self._download_headers(endpoint)
        sink = Sink(destination, on_progress)
        taken = 0
        try:
            while True:
                request = self._http.build_request(method, url, params=params, headers=headers, timeout=attempt_timeout)
                try:
                    response = await self._http.send(request, stream=True)
                except httpx.HTTPError as error:
                    delay = delay_after_error(error, method, taken, retries, self._backoff)
                    if delay is None:
                        raise _connection_error(error, method, url, taken) from error
                    reason = type(error).__name__
                else:
                    try:
                        if 200 <= response.status_code < 300:
                            sink.begin(response)
                            try:
                                async for chunk in response.aiter_bytes(CHUNK_SIZE):
                                    sink.write(chunk)
                            except httpx.HTTPError as error:
                                delay = delay_after_error(error, method, taken, retries, self._backoff)
                                if delay is None or not sink.can_restart:
                                    raise _connection_error(error, method, url, taken) from error
                                reason = type(error).__name__
                            else:
                                return self._downloaded(response, sink)
                        else:
                            try:
                                body = await response.aread()  # an error body
                            except httpx.HTTPError as error:
                                raise _connection_error(error, method, url, taken) from error
                            delay = self._error_retry(response, endpoint, taken, retries, body)
                            reason = str(response.status_code)
                    finally:
                        await response.aclose()
                taken += 1
                _log_retry(method, url, delay, taken, reason)
                await asyncio.sleep(delay)
                headers = {**(headers or {}), RETRY_COUNT_HEADER: str(taken)}
        except BaseException:
            sink.abort()
            raise

    async def _wait(
        self,
        job_id: str,
        *,
        timeout: float | None,
        poll_interval: float,
        on_progress: Callable[[JobProgress[Any]], object] | None,
        operation: str | None,
    ) -> JobProgress[Any]:
        import asyncio  # noqa: PLC0415 - see _call_raw

        from evaljobs._clients.jobs import Poller  # noqa: PLC0415 - only clients that wait need it

        spec = self._status_spec(operation)
        poller = Poller(spec, job_id, timeout=timeout, poll_interval=poll_interval)
        while True:
            raw = await self._call_raw(spec.endpoint, (job_id,), {}, None, None)
            progress = poller.observe(raw)
            if on_progress is not None:
                on_progress(progress)
            delay = poller.next_delay(progress)
            if delay is None:
                return progress
            await asyncio.sleep(delay)

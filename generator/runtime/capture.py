"""Record and check an HTTP client's traffic in-process: httpx transports for any client built on httpx.

    import httpx
    from evaljobs.capture import CaptureTransport
    from nemo_microservices import NeMoMicroservices

    capture = CaptureTransport(har="session.har")
    sdk = NeMoMicroservices(base_url=..., http_client=httpx.Client(transport=capture))
    ...
    assert not capture.problems, capture.problems

``CaptureTransport`` wraps another transport (by default ``httpx.HTTPTransport()``; pass your own for
proxies, certificates or retries) and ``AsyncCaptureTransport`` an async one. Each exchange is recorded, when
its response body has been read or the response closed (a download streams through: its bytes are kept only up
to ``body_limit``), into ``har=`` (HAR 1.2, a whole document after each exchange) or ``ndjson=`` (a line per
exchange), secrets redacted (see ``evaljobs._capture_record``), and checked as ``evaljobs validate`` checks a
capture: ``.reports`` holds each checked exchange's ``Report`` (its errors and drift, request and response),
``.problems`` those that fail at ``fail_on`` ("error" by default, "warning" to fail on drift too), ``.skipped``
the exchanges with nothing to check. The reports are the ones ``evaljobs validate`` gives on the capture file.
"""

from __future__ import annotations

import os
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any, TypedDict, Unpack

import httpx

from evaljobs._capture_log import CaptureKind, Recorder
from evaljobs._capture_record import DEFAULT_BODY_LIMIT, Body, entry, now
from evaljobs._output import Outcome
from evaljobs._report import FailOn, Report
from evaljobs._validation.request_checks import Matching, MatchMode

__all__ = ["AsyncCaptureTransport", "CaptureOptions", "CaptureTransport"]


class _Exchange:
    """An exchange under way: its request's body kept as it goes out, its response's as the client reads it;
    ``finish`` records it once the response is closed."""

    def __init__(self, recorder: Recorder, request: httpx.Request, limit: int) -> None:
        self.recorder, self.request, self.limit = recorder, request, limit
        self.started, self.clock = now(), time.perf_counter()
        self.sent = Body(limit)
        self.received = Body(limit)
        try:
            self.sent.feed(request.content)
            self.streamed = False
        except httpx.RequestNotRead:  # a streamed body: kept as it goes out
            self.streamed = True

    def read_already(self, response: httpx.Response) -> bool:
        """Whether ``response`` came whole (as ``httpx.MockTransport`` gives it): then it is recorded now."""
        try:
            content = response.content  # (decoded: whatever its Content-Encoding said)
        except httpx.ResponseNotRead:
            return False
        self.received.feed(content)
        self.finish(response)
        return True

    def receiving(self, response: httpx.Response) -> Body:
        self.received = Body(self.limit, response.headers.get("content-encoding", ""))
        return self.received

    def finish(self, response: httpx.Response) -> None:
        """Record the exchange; should that fail (a capture file that cannot be written), the client's call
        still succeeds, and the failure is one of ``unchecked``."""
        try:
            self.recorder.record(self.entry(response))
        except Exception as error:  # the client's exchange went well: what failed is the capture's
            where = f"{self.request.method} {self.request.url}"
            self.recorder.unchecked.append((where, f"not recorded: {type(error).__name__}: {error}"))

    def entry(self, response: httpx.Response) -> dict[str, Any]:
        return entry(
            started=self.started,
            elapsed=time.perf_counter() - self.clock,
            method=self.request.method,
            url=str(self.request.url),
            request_headers=_named(self.request.headers),
            request_body=self.sent,
            status=response.status_code,
            reason=response.reason_phrase,
            response_headers=_named(response.headers),
            response_body=self.received,
            http_version=response.http_version,
        )


class CaptureOptions(TypedDict, total=False):
    """The keywords of both transports (see ``CaptureTransport``)."""

    har: str | os.PathLike[str] | None
    ndjson: str | os.PathLike[str] | None
    check: bool
    body_limit: int
    fail_on: FailOn
    match: MatchMode
    servers: tuple[str, ...]
    ignore_headers: tuple[str, ...]
    on_outcome: Callable[[Outcome], None] | None


class _Captures:
    """What both transports share: the recorder and its keywords."""

    def __init__(
        self,
        *,
        har: str | os.PathLike[str] | None = None,
        ndjson: str | os.PathLike[str] | None = None,
        check: bool = True,
        body_limit: int = DEFAULT_BODY_LIMIT,
        fail_on: FailOn = "error",
        match: MatchMode = "path",
        servers: tuple[str, ...] = (),
        ignore_headers: tuple[str, ...] = (),
        on_outcome: Callable[[Outcome], None] | None = None,
    ) -> None:
        if har is not None and ndjson is not None:
            raise ValueError("record into har= or ndjson=, not both")
        kind: CaptureKind | None = "har" if har is not None else "ndjson" if ndjson is not None else None
        matching = Matching(match, servers, tuple(name.lower() for name in ignore_headers))
        self.body_limit = body_limit
        self.recorder = Recorder(
            har if har is not None else ndjson,
            kind,
            check=check,
            matching=matching,
            fail_on=fail_on,
            on_outcome=on_outcome,
        )

    @property
    def reports(self) -> list[Report]:
        """The report on each checked exchange, in the order they ended."""
        return self.recorder.reports

    @property
    def problems(self) -> list[Report]:
        """The reports that fail at ``fail_on``."""
        return self.recorder.problems

    @property
    def skipped(self) -> list[tuple[str, str]]:
        """(source, reason) of each exchange with nothing to check (no JSON body, no operation)."""
        return self.recorder.skipped

    @property
    def unchecked(self) -> list[tuple[str, str]]:
        """(source, reason) of each exchange that could not be recorded or checked."""
        return self.recorder.unchecked


class CaptureTransport(_Captures, httpx.BaseTransport):
    """An httpx transport that records and checks every exchange it carries (see the module's docstring).

    ``transport``: the transport to send through (default ``httpx.HTTPTransport()``); the keywords:
    ``har``/``ndjson``: the file to record into (neither: check only); ``check=False``: record only;
    ``body_limit``: bytes of a body kept; ``fail_on``: what ``.problems`` holds; ``match``, ``servers`` and
    ``ignore_headers``: as ``evaljobs validate --match/--server/--ignore-header`` (``ignore_headers=
    ("x-stainless-*",)`` for the official SDKs' own headers); ``on_outcome``: called with each exchange's
    outcome as it ends."""

    def __init__(self, transport: httpx.BaseTransport | None = None, **keywords: Unpack[CaptureOptions]) -> None:
        super().__init__(**keywords)
        self.transport = transport if transport is not None else httpx.HTTPTransport()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        exchange = _Exchange(self.recorder, request, self.body_limit)
        if exchange.streamed:
            request.stream = _SentStream(request.stream, exchange.sent)
        response = self.transport.handle_request(request)
        if not exchange.read_already(response):
            response.stream = _ReceivedStream(response, exchange)
        return response

    def close(self) -> None:
        try:
            self.transport.close()
        finally:
            self.recorder.close()


class AsyncCaptureTransport(_Captures, httpx.AsyncBaseTransport):
    """``CaptureTransport`` for ``httpx.AsyncClient``: wraps an async transport (default
    ``httpx.AsyncHTTPTransport()``), with the same keywords."""

    def __init__(self, transport: httpx.AsyncBaseTransport | None = None, **keywords: Unpack[CaptureOptions]) -> None:
        super().__init__(**keywords)
        self.transport = transport if transport is not None else httpx.AsyncHTTPTransport()

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        exchange = _Exchange(self.recorder, request, self.body_limit)
        if exchange.streamed:
            request.stream = _AsyncSentStream(request.stream, exchange.sent)
        response = await self.transport.handle_async_request(request)
        if not exchange.read_already(response):
            response.stream = _AsyncReceivedStream(response, exchange)
        return response

    async def aclose(self) -> None:
        try:
            await self.transport.aclose()
        finally:
            self.recorder.close()


def _named(headers: httpx.Headers) -> list[tuple[str, str]]:
    """Headers with their names as they were sent (httpx's ``items()`` lower-cases them)."""
    return [(name.decode("latin-1"), value.decode("latin-1")) for name, value in headers.raw]


class _SentStream(httpx.SyncByteStream):
    def __init__(self, stream: Any, body: Body) -> None:
        self.stream, self.body = stream, body

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.stream:
            self.body.feed(chunk)
            yield chunk


class _AsyncSentStream(httpx.AsyncByteStream):
    def __init__(self, stream: Any, body: Body) -> None:
        self.stream, self.body = stream, body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.stream:
            self.body.feed(chunk)
            yield chunk


class _ReceivedStream(httpx.SyncByteStream):
    """A response's body as the client reads it, kept in the exchange, which is recorded once it is closed."""

    def __init__(self, response: httpx.Response, exchange: _Exchange) -> None:
        self.stream: Any = response.stream
        self.response, self.exchange = response, exchange
        self.body = exchange.receiving(response)
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self.stream:
            self.body.feed(chunk)
            yield chunk

    def close(self) -> None:
        try:
            self.stream.close()
        finally:
            if not self.closed:
                self.closed = True
                self.exchange.finish(self.response)


class _AsyncReceivedStream(httpx.AsyncByteStream):
    def __init__(self, response: httpx.Response, exchange: _Exchange) -> None:
        self.stream: Any = response.stream
        self.response, self.exchange = response, exchange
        self.body = exchange.receiving(response)
        self.closed = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self.stream:
            self.body.feed(chunk)
            yield chunk

    async def aclose(self) -> None:
        try:
            await self.stream.aclose()
        finally:
            if not self.closed:
                self.closed = True
                self.exchange.finish(self.response)

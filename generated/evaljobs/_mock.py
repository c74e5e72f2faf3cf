"""A mock server of every OpenAPI spec: real HTTP on loopback, answers from the specs' examples.

- Every operation answers its 2xx example (the ``complete`` one when the spec has it: valid for the
  official SDKs' strict mode as well as for our models).
- Where the spec says so (``x-evaljobs-mock-unknown-id``), a path parameter value that none of the
  parameter's examples documents gets that error response instead (a 404 with its example body).
- Faults, injected from Python (``MockServer.inject``) or over HTTP (``POST /_mock/faults`` with a JSON
  object of ``Fault``'s fields), answer the next matching requests instead: another status or body, extra
  headers, a delay, a body cut short, or a connection closed without an answer. A list of them is a script
  (``times=1`` each: the first matching request gets the first fault, and so on).

Built on the standard library's ``ThreadingHTTPServer`` (HTTP/1.1 keep-alive, TCP_NODELAY): it adds no
dependency to the package, and it writes bytes exactly as told, which the faults need (a body shorter
than its Content-Length, a connection dropped before the status line), where an ASGI server would
refuse or repair them.
"""

from __future__ import annotations

import importlib
import json
import sys
import threading
import time
from collections import deque
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Self
from urllib.parse import unquote, urlsplit

import evaljobs
from evaljobs._api import Operation

__all__ = ["Fault", "MockServer", "RecordedRequest"]

CONTROL = "/_mock/"
_UNSET: Any = object()


@dataclass
class Fault:
    """What to answer instead, for the next ``times`` requests that match ``method`` and ``path``.

    ``path`` is ``*``, a path template of the spec (``/v1/evaluation/jobs/{job_id}``) or a concrete path.
    Without ``status`` the operation's usual status is kept; without ``body``/``raw`` the example of the
    status is served (nothing when the spec has none). ``truncate``: send only that many bytes of the body
    (Content-Length still announces all of it) and close. ``drop``: close without answering.
    """

    method: str = "*"
    path: str = "*"
    status: int | None = None
    body: Any = _UNSET
    raw: bytes | None = None
    content_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0
    truncate: int | None = None
    drop: bool = False
    times: int | None = 1

    @classmethod
    def from_json(cls, data: Any) -> Fault:
        """A fault from the JSON object of ``POST /_mock/faults`` (``raw`` as text); ValueError if malformed."""
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object with the fields of a fault")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown fault fields: {', '.join(unknown)}")
        values = dict(data)
        if isinstance(values.get("raw"), str):
            values["raw"] = values["raw"].encode()
        fault = cls(**values)
        if not isinstance(fault.method, str) or not isinstance(fault.path, str):
            raise ValueError("method and path are strings")
        if fault.status is not None and not (isinstance(fault.status, int) and 100 <= fault.status <= 599):
            raise ValueError("status is an HTTP status code")
        if not isinstance(fault.delay, int | float) or fault.delay < 0:
            raise ValueError("delay is a number of seconds >= 0")
        if not (isinstance(fault.headers, dict) and all(isinstance(v, str) for v in fault.headers.values())):
            raise ValueError("headers is an object of strings")
        for name in ("times", "truncate"):
            value = getattr(fault, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"{name} is a whole number or null")
        return fault

    def matches(self, method: str, path: str, template: str | None) -> bool:
        return self.method in ("*", method) and self.path in ("*", path, template)


@dataclass(frozen=True)
class RecordedRequest:
    """A request the mock received (for tests: how many attempts, which headers, which query)."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass(frozen=True)
class _Route:
    api: str
    operation: Operation
    responses: Mapping[str, Any]
    known_ids: Mapping[str, tuple[str, ...]]
    unknown_id_status: str | None
    request_id_header: str | None

    @property
    def success_status(self) -> str:
        """The first 2xx status with an example, else the spec's first 2xx (``2XX`` included), else 200."""
        return next((s for s in [*self.responses, *self.operation.responses] if s.startswith("2")), "200")


def routes(apis: tuple[str, ...] | None = None) -> list[_Route]:
    """The routes of every OpenAPI package of ``evaljobs`` (or of ``apis``), in order."""
    found = []
    for api in apis or evaljobs.APIS:
        try:
            examples = importlib.import_module(f"evaljobs.{api}._examples")
            operations = importlib.import_module(f"evaljobs.{api}._operations").OPERATIONS
        except ModuleNotFoundError:  # a JSON Schema package: models only
            continue
        for operation in operations:
            operation_id = operation.operation_id
            found.append(
                _Route(
                    api=api,
                    operation=operation,
                    responses=examples.RESPONSES.get(operation_id, {}),
                    known_ids=examples.KNOWN_IDS.get(operation_id, {}),
                    unknown_id_status=examples.UNKNOWN_ID_STATUS.get(operation_id),
                    request_id_header=examples.REQUEST_ID_HEADER,
                )
            )
    return found


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], mock: MockServer) -> None:
        self.mock = mock
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hung up (timed out, or a fault closed the connection) is routine, not an error."""
        if isinstance(sys.exc_info()[1], ConnectionError) and not self.mock.log:
            return
        super().handle_error(request, client_address)


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.mock.log:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self.server.mock._answer(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_GET

    def send(self, status: int, body: bytes, content_type: str | None, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        if content_type:
            self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, 1 << 20)) if length > 0 else b""


class MockServer:
    """The mock server: ``with MockServer() as mock: ... mock.url ...`` serves in a background thread;
    ``serve_forever()`` in the calling thread (the command line)."""

    def __init__(
        self, host: str = "127.0.0.1", port: int = 0, *, apis: tuple[str, ...] | None = None, log: bool = False
    ) -> None:
        self.routes = routes(apis)
        self.log = log
        self._faults: list[Fault] = []
        self._requests: deque[RecordedRequest] = deque(maxlen=10_000)
        self._lock = threading.Lock()
        self._counter = 0
        self._thread: threading.Thread | None = None
        self._server = _Server((host, port), self)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        host = str(host)
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"

    def start(self) -> Self:
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, name="evaljobs-mock", daemon=True
        )
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join(timeout=5)
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.stop()

    def inject(self, *faults: Fault) -> None:
        """Answer the next matching requests with these faults, in order (copies: a fault is used up here)."""
        with self._lock:
            self._faults.extend(replace(fault) for fault in faults)

    def clear(self) -> None:
        """Forget the pending faults and the recorded requests."""
        with self._lock:
            self._faults.clear()
            self._requests.clear()

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    def _take_fault(self, method: str, path: str, template: str | None) -> Fault | None:
        with self._lock:
            for index, fault in enumerate(self._faults):
                if fault.matches(method, path, template):
                    if fault.times is not None:
                        fault.times -= 1
                        if fault.times <= 0:
                            del self._faults[index]
                    return fault
        return None

    def _answer(self, handler: _Handler) -> None:
        parts = urlsplit(handler.path)
        method, path = handler.command, parts.path
        body = handler.read_body()
        if path.startswith(CONTROL):
            self._control(handler, method, path, body)
            return
        with self._lock:
            self._requests.append(RecordedRequest(method, path, parts.query, dict(handler.headers.items()), body))
            self._counter += 1
            number = self._counter
        route, parameters = self._route(method, path)
        fault = self._take_fault(method, path, route.operation.path if route else None)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.drop:
            handler.close_connection = True
            return
        status, payload, content_type, headers = self._response(route, parameters, fault, method, path)
        if route is not None and route.request_id_header:
            headers = {route.request_id_header: f"mock-{number}", **headers}
        if fault is not None and fault.truncate is not None:
            _send_truncated(handler, status, payload, content_type, headers, keep=fault.truncate)
            return
        handler.send(status, payload, content_type, headers)

    def _route(self, method: str, path: str) -> tuple[_Route | None, dict[str, str]]:
        for route in self.routes:
            found = route.operation.match(method, path)
            if found is not None:
                return route, {key: unquote(value) for key, value in found.items()}
        return None, {}

    def _response(
        self, route: _Route | None, parameters: Mapping[str, str], fault: Fault | None, method: str, path: str
    ) -> tuple[int, bytes, str | None, dict[str, str]]:
        headers = dict(fault.headers) if fault is not None else {}
        if route is None and (fault is None or fault.status is None):
            message = {"detail": f"mock: no operation of any spec matches {method} {path}"}
            return 404, _json(message), "application/json", headers
        status = str(fault.status) if fault is not None and fault.status is not None else None
        if status is None and route is not None:
            status = self._unknown_id(route, parameters) or route.success_status
        assert status is not None
        code = int(status) if status.isdigit() else int(status[0]) * 100  # "4XX" is answered as 400
        if fault is not None and fault.raw is not None:
            return code, fault.raw, fault.content_type or "application/octet-stream", headers
        if fault is not None and fault.body is not _UNSET:
            return code, _json(fault.body), fault.content_type or "application/json", headers
        responses = route.responses if route is not None else {}
        example = responses.get(status, responses.get("default", _UNSET) if not status.startswith("2") else _UNSET)
        if example is _UNSET:
            return code, b"", None, headers
        return code, _json(example), (fault.content_type if fault else None) or "application/json", headers

    @staticmethod
    def _unknown_id(route: _Route, parameters: Mapping[str, str]) -> str | None:
        if route.unknown_id_status is None:
            return None
        for name, known in route.known_ids.items():
            if name in parameters and parameters[name] not in known:
                return route.unknown_id_status
        return None

    def _control(self, handler: _Handler, method: str, path: str, body: bytes) -> None:
        if path == CONTROL + "faults" and method == "POST":
            try:
                data = json.loads(body)
                faults = [Fault.from_json(item) for item in (data if isinstance(data, list) else [data])]
            except (ValueError, TypeError) as error:
                handler.send(400, _json({"detail": f"bad fault: {error}"}), "application/json", {})
                return
            self.inject(*faults)
            handler.send(201, _json({"pending": len(self._faults)}), "application/json", {})
        elif path == CONTROL + "faults" and method == "DELETE":
            self.clear()
            handler.send(204, b"", None, {})
        elif path == CONTROL + "requests" and method == "GET":
            seen = [{"method": r.method, "path": r.path, "query": r.query} for r in self.requests]
            handler.send(200, _json(seen), "application/json", {})
        else:
            handler.send(404, _json({"detail": f"mock: no control endpoint {method} {path}"}), "application/json", {})

    def describe(self) -> Iterator[str]:
        """One line per served operation: ``api  METHOD  /path``."""
        width = max((len(route.api) for route in self.routes), default=0)
        for route in self.routes:
            yield f"{route.api:<{width}}  {route.operation.method:<6} {route.operation.path}"


def _send_truncated(
    handler: _Handler, status: int, payload: bytes, content_type: str | None, headers: Mapping[str, str], *, keep: int
) -> None:
    """Announce the whole body, send only ``keep`` bytes of it, and close the connection."""
    handler.send_response(status)
    if content_type:
        handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(payload)))
    for name, value in headers.items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(payload[: max(keep, 0)])
    handler.wfile.flush()
    handler.close_connection = True


def _json(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()

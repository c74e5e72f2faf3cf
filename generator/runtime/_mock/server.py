"""A mock server of every OpenAPI spec: real HTTP on loopback, answers from the specs' examples.

- Every operation answers its 2xx example (the ``complete`` one when the spec has it: valid for the
  official SDKs' strict mode as well as for our models).
- Where the spec says so (``x-evaljobs-mock-unknown-id``), a path parameter value that none of the
  parameter's examples documents gets that error response instead (a 404 with its example body).
- Faults, injected from Python (``MockServer.inject``) or over HTTP (``POST /_mock/faults`` with a JSON
  object of ``Fault``'s fields), answer the next matching requests instead: another status or body, extra
  headers, a delay, a body cut short, or a connection closed without an answer. A list of them is a script
  (``times=1`` each: the first matching request gets the first fault, and so on).
- Operations marked with ``x-evaljobs-job`` play a job's lifecycle (``jobs``: created jobs with fresh ids,
  their states on the mock's clock, pages, results and streamed downloads), and every request is first checked
  as the spec says (``checks``: bearer token, path and query parameters by ``evaljobs validate``'s
  rules, JSON body); another method of a known
  path is a 405 with ``Allow``. Every answer is JSON, never an HTML page.
- Control endpoints under ``/_mock/`` (faults, seen requests, jobs, the clock) serve the tests.

Built on the standard library's ``ThreadingHTTPServer`` (HTTP/1.1 keep-alive, TCP_NODELAY): it adds no
dependency to the package, and it writes bytes exactly as told, which the faults need (a body shorter
than its Content-Length, a connection dropped before the status line), where an ASGI server would
refuse or repair them.
"""

from __future__ import annotations

import ipaddress
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

from evaljobs._clients.jobs import dig
from evaljobs._mock.checks import check_auth, check_body, check_path, check_query
from evaljobs._mock.downloads import download_answer
from evaljobs._mock.jobs import JobStore, MockClock, asks_for_page, page_of
from evaljobs._mock.routes import Answer, RecordedRequest, Route, code_of, error_answer, json_bytes, routes

__all__ = ["Fault", "MockClock", "MockServer", "RecordedRequest"]

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
    # what the standard library answers itself (a malformed request line, an unknown method): JSON, not HTML
    error_message_format = '{"detail": "mock: %(code)d %(message)s"}'
    error_content_type = "application/json"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.mock.log:
            super().log_message(format, *args)

    def do_GET(self) -> None:
        self.server.mock._answer(self)

    do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = do_TRACE = do_GET

    def __getattr__(self, name: str) -> Any:
        """Any other method (``QUERY``, ``BREW``) is answered too: a 405 with ``Allow`` on a known path, where the
        standard library would answer 501."""
        if name.startswith("do_") and name[3:].isalpha():
            return self.do_GET
        raise AttributeError(name)

    def send(self, status: int, body: bytes, content_type: str | None, headers: Mapping[str, str]) -> None:
        self.send_answer(Answer(status, body, content_type, headers))

    def send_answer(self, answer: Answer, *, truncate: int | None = None) -> None:
        """Send ``answer``: its body whole, or its chunks (chunked transfer encoding when their length is not
        known). ``truncate``: announce the whole body, send that many bytes of it, and close."""
        self.send_response(answer.status)
        if answer.content_type:
            self.send_header("Content-Type", answer.content_type)
        chunked = answer.chunks is not None and answer.length is None and truncate is None
        if chunked:
            self.send_header("Transfer-Encoding", "chunked")
        else:
            length = answer.length if answer.chunks is not None and answer.length is not None else len(answer.body)
            self.send_header("Content-Length", str(length))
        for name, value in answer.headers.items():
            self.send_header(name, value)
        self.end_headers()
        if self.command == "HEAD":
            return
        left = truncate if truncate is not None else -1
        for whole in answer.chunks if answer.chunks is not None else [answer.body]:
            piece = whole[:left] if left >= 0 else whole
            left -= len(piece) if left >= 0 else 0
            if chunked:
                self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece) if piece else b"")
            else:
                self.wfile.write(piece)
            if left == 0:
                break
        if chunked:
            self.wfile.write(b"0\r\n\r\n")
        if truncate is not None:
            self.wfile.flush()
            self.close_connection = True

    def read_body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(min(length, 1 << 20)) if length > 0 else b""


class MockServer:
    """The mock server: ``with MockServer() as mock: ... mock.url ...`` serves in a background thread;
    ``serve_forever()`` in the calling thread (the command line).

    ``speed`` scales the jobs' clock (2.0: a created job succeeds after 1.5 real seconds instead of 3);
    ``auth`` answers 401 to a request without a bearer token where the spec's security asks for one (off by
    default here, on by default in ``evaljobs mock``); ``token`` turns it on and accepts that token only (any
    other is a 401, as a real server answers a wrong one); ``download_size`` is the size in bytes of a job's
    synthesized download. The host must be a loopback address: the mock is a test tool.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        apis: tuple[str, ...] | None = None,
        log: bool = False,
        speed: float = 1.0,
        auth: bool = False,
        token: str | None = None,
        download_size: int = 64 * 1024,
    ) -> None:
        if not _loopback(host):
            raise ValueError(f"the mock listens on loopback addresses only, not {host!r}")
        self.routes = routes(apis)
        self.log = log
        self.auth = auth or token is not None
        self.token = token
        self.clock = MockClock(speed)
        self.jobs = JobStore(self.routes, self.clock, download_size=download_size)
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
        """Forget the pending faults, the recorded requests and the created jobs."""
        with self._lock:
            self._faults.clear()
            self._requests.clear()
        self.jobs.clear()

    def advance(self, seconds: float) -> float:
        """Move the jobs' clock ``seconds`` (mock seconds) forward; the mock time after it."""
        return self.clock.advance(seconds)

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
            handler.send_answer(self._control(method, path, body))
            return
        request = RecordedRequest(method, path, parts.query, dict(handler.headers.items()), body)
        with self._lock:
            self._requests.append(request)
            self._counter += 1
            number = self._counter
        route, parameters = self._route(method, path)
        fault = self._take_fault(method, path, route.operation.path if route else None)
        if fault is not None and fault.delay:
            time.sleep(fault.delay)
        if fault is not None and fault.drop:
            handler.close_connection = True
            return
        if fault is not None and (fault.status is not None or fault.raw is not None or fault.body is not _UNSET):
            answer = self._fault_answer(route, fault, method, path)
        else:
            answer = self._serve(route, parameters, request)
        extra = dict(fault.headers) if fault is not None else {}
        if route is not None and route.request_id_header:
            extra = {route.request_id_header: f"mock-{number}", **extra}
        answer = replace(answer, headers={**answer.headers, **extra})
        handler.send_answer(answer, truncate=fault.truncate if fault is not None else None)

    def _route(self, method: str, path: str) -> tuple[Route | None, dict[str, str]]:
        for route in self.routes:
            found = route.operation.match(method, path)
            if found is not None:
                return route, {key: unquote(value) for key, value in found.items()}
        return None, {}

    def _serve(self, route: Route | None, parameters: Mapping[str, str], request: RecordedRequest) -> Answer:
        """The answer the spec describes: the checks of the request, then the jobs, then the examples."""
        method, path, query = request.method, request.path, request.query
        if route is None:
            allowed = sorted({r.operation.method for r in self.routes if r.operation.match_path(path) is not None})
            if allowed:
                message = f"mock: {method} is not an operation of {path} (it has {', '.join(allowed)})"
                return error_answer(None, "405", message, headers={"Allow": ", ".join(allowed)})
            return error_answer(None, "404", f"mock: no operation of any spec matches {method} {path}")
        refused = check_auth(route, request.headers, self.token) if self.auth else None
        refused = refused or check_query(route, query) or check_path(route, parameters)
        refused = refused or check_body(route, request.body, request.headers.get("Content-Type", ""))
        if refused is not None:
            return refused
        answer = self.jobs.answer(route, parameters, request)
        if answer is not None:
            return answer
        status = self._unknown_id(route, parameters)
        if status is not None:
            return error_answer(route, status, f"mock: no such id in {path}", fill=False)
        operation = route.operation
        example = route.example(route.success_status)
        if example is not None:
            paged = asks_for_page(operation.pagination, query)
            served = page_of(route, example, _items(route, example), query) if paged else example
            return Answer(route.success_code, json_bytes(served), "application/json")
        media = operation.success_media_type
        if not media:
            return Answer(route.success_code)
        if media.endswith("json"):
            message = f"mock: {operation.operation_id} documents a {media} body but its spec has no example of it"
            return error_answer(None, "501", message)
        return download_answer(media, self.jobs.download_size, operation.operation_id, status=route.success_code)

    @staticmethod
    def _fault_answer(route: Route | None, fault: Fault, method: str, path: str) -> Answer:
        if route is None and fault.status is None:
            return error_answer(None, "404", f"mock: no operation of any spec matches {method} {path}")
        status = str(fault.status) if fault.status is not None else route.success_status if route else "200"
        code = code_of(status)
        if fault.raw is not None:
            return Answer(code, fault.raw, fault.content_type or "application/octet-stream")
        if fault.body is not _UNSET:
            return Answer(code, json_bytes(fault.body), fault.content_type or "application/json")
        example = route.example(status) if route is not None else None
        if example is None:
            return Answer(code)
        return Answer(code, json_bytes(example), fault.content_type or "application/json")

    def _unknown_id(self, route: Route, parameters: Mapping[str, str]) -> str | None:
        if route.unknown_id_status is None:
            return None
        for name, known in route.known_ids.items():
            value = parameters.get(name)
            if value is not None and value not in known and not self.jobs.knows(value):
                return route.unknown_id_status
        return None

    def _control(self, method: str, path: str, body: bytes) -> Answer:
        """The endpoints of tests: faults, seen requests, jobs and the clock (see ``evaljobs mock --help``)."""
        name = path[len(CONTROL) :]
        try:
            data = json.loads(body) if body.strip() else {}
        except ValueError as error:
            return _control_error(400, f"the body is not JSON: {error}")
        if name == "faults" and method == "POST":
            try:
                faults = [Fault.from_json(item) for item in (data if isinstance(data, list) else [data])]
            except (ValueError, TypeError) as error:
                return _control_error(400, f"bad fault: {error}")
            self.inject(*faults)
            return _control_json(201, {"pending": len(self._faults)})
        if name == "faults" and method == "DELETE":
            self.clear()
            return Answer(204)
        if name == "requests" and method == "GET":
            return _control_json(200, [{"method": r.method, "path": r.path, "query": r.query} for r in self.requests])
        if name == "jobs" and method == "GET":
            return _control_json(200, self.jobs.listing())
        if name == "jobs" and method == "DELETE":
            self.jobs.clear()
            return Answer(204)
        if name.startswith("jobs/") and method == "POST":
            job_id = unquote(name.removeprefix("jobs/"))
            try:
                return _control_json(200, self.jobs.set_state(job_id, data if isinstance(data, dict) else {}))
            except KeyError:
                return _control_error(404, f"no created job {job_id!r}")
            except ValueError as error:
                return _control_error(400, str(error))
        if name == "clock" and method in ("GET", "POST"):
            if method == "POST":
                seconds = data.get("advance") if isinstance(data, dict) else None
                if isinstance(seconds, bool) or not isinstance(seconds, int | float) or seconds < 0:
                    return _control_error(400, 'expected {"advance": <seconds >= 0>}')
                self.advance(float(seconds))
            return _control_json(200, {"now": round(self.clock.now(), 3), "speed": self.clock.speed})
        return _control_error(404, f"no control endpoint {method} {path}")

    def describe(self) -> Iterator[str]:
        """One line per served operation: ``api  METHOD  /path`` (and its job role)."""
        width = max((len(route.api) for route in self.routes), default=0)
        for route in self.routes:
            job = route.operation.job
            role = f"  [job {job.role}]" if job is not None else ""
            yield f"{route.api:<{width}}  {route.operation.method:<6} {route.operation.path}{role}"


def _items(route: Route, example: Any) -> list[Any]:
    pagination = route.operation.pagination
    found = dig(example, pagination.items_field) if pagination is not None else None
    return found if isinstance(found, list) else []


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _control_json(status: int, value: Any) -> Answer:
    return Answer(status, json_bytes(value), "application/json")


def _control_error(status: int, message: str) -> Answer:
    return _control_json(status, {"detail": f"mock: {message}"})

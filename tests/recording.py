"""A recording loopback HTTP server for the request-side tests: it keeps every request (method, path, query,
headers, body) and answers from a table the test sets, streaming large bodies chunk by chunk."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Answer:
    """What the server sends: a status, headers and a body (bytes, or a function yielding chunks); ``cut_after``
    closes the connection once that many body bytes are sent, with the full length announced."""

    status: int = 200
    body: bytes | Callable[[], Iterator[bytes]] = b"{}"
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    length: int | None = None
    cut_after: int | None = None

    @classmethod
    def of_json(cls, value: Any, status: int = 200) -> Answer:
        return cls(status=status, body=json.dumps(value).encode())


class Recorder:
    """``with Recorder() as server``: ``server.url``, ``server.requests``, ``server.answer(method, path, *answers)``
    (answers given in turn, the last one repeated)."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._answers: dict[tuple[str, str], list[Answer]] = {}
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                split = urlsplit(self.path)
                recorder.requests.append(
                    Recorded(
                        self.command,
                        split.path,
                        parse_qsl(split.query, keep_blank_values=True),
                        {k.lower(): v for k, v in self.headers.items()},
                        body,
                    )
                )
                answer = recorder._next(self.command, split.path)
                chunks = [answer.body] if isinstance(answer.body, bytes) else answer.body()
                total = answer.length if answer.length is not None else None
                if total is None and isinstance(answer.body, bytes):
                    total = len(answer.body)
                self.send_response(answer.status)
                for name, value in answer.headers.items():
                    self.send_header(name, value)
                if total is not None:
                    self.send_header("Content-Length", str(total))
                self.send_header("Connection", "close")
                self.end_headers()
                sent = 0
                for chunk in chunks:
                    if answer.cut_after is not None and sent + len(chunk) > answer.cut_after:
                        self.wfile.write(chunk[: answer.cut_after - sent])
                        self.wfile.flush()
                        self.close_connection = True
                        return
                    self.wfile.write(chunk)
                    sent += len(chunk)
                self.close_connection = True

            do_GET = do_POST = do_DELETE = do_PUT = do_PATCH = _handle

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def answer(self, method: str, path: str, *answers: Answer) -> None:
        self._answers[(method.upper(), path)] = list(answers)

    def _next(self, method: str, path: str) -> Answer:
        queue = self._answers.get((method, path))
        if not queue:
            return Answer.of_json({"detail": "not found"}, status=404)
        return queue.pop(0) if len(queue) > 1 else queue[0]

    def __enter__(self) -> Recorder:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

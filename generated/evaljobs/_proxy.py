"""The recording reverse proxy of ``evaljobs proxy``: forwards every request to the target, streams the answer
back, and hands each finished exchange to a ``Recorder`` (capture file and checks).

One thread per client connection (``ThreadingHTTPServer``), HTTP/1.1 with keep-alive; one ``httpx.Client``
(its connection pool) to the target. Bodies go through in pieces both ways: a body is kept (decoded) only up to
the body limit, for the capture and the checks, whatever its size. The Host header is the target's; the
hop-by-hop headers (Connection, Transfer-Encoding...) are not forwarded, and no header is added (no
Accept-Encoding the client did not send: the body reaches it as the target sent it). The exchange is
recorded with the URL it was sent to on the target. The target unreachable or too slow: 502 or 504 to the
client, a line on standard error, nothing recorded (no exchange with the API took place).
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import httpx

from evaljobs._capture_log import Recorder
from evaljobs._capture_record import Body, entry, now

_HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-connection",
        "te",
        "trailer",
        "trailers",
        "transfer-encoding",
        "upgrade",
        "host",
        "expect",  # (this server answers 100-continue itself)
    }
)
_PIECE = 64 * 1024
_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE")


class ProxyServer(ThreadingHTTPServer):
    """Listens on (host, port) and forwards to ``target`` (a URL: scheme, host, port and a base path)."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, host: str, port: int, target: str, recorder: Recorder, *, timeout: float, body_limit: int
    ) -> None:
        parts = urlsplit(target)
        self.target_base = urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))
        self.recorder = recorder
        self.body_limit = body_limit
        self.upstream = httpx.Client(timeout=timeout, follow_redirects=False, trust_env=False)
        for name in ("Accept", "Accept-Encoding", "User-Agent"):  # the client's own, or none: never httpx's
            del self.upstream.headers[name]
        if ":" in host:
            self.address_family = socket.AF_INET6
        self._busy = 0  # exchanges between their request and their record
        self._idle = threading.Condition()
        super().__init__((host, port), _Handler)

    @contextmanager
    def exchange(self) -> Iterator[None]:
        with self._idle:
            self._busy += 1
        try:
            yield
        finally:
            with self._idle:
                self._busy -= 1
                self._idle.notify_all()

    def settle(self, timeout: float) -> bool:
        """Wait until no exchange is under way (their records written), ``timeout`` seconds at most; whether
        none is."""
        with self._idle:
            return self._idle.wait_for(lambda: self._busy == 0, timeout)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        host = str(host)
        return f"http://{f'[{host}]' if ':' in host else host}:{port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """One line on standard error, never a traceback: a connection the proxy could not serve."""
        error = sys.exc_info()[1]
        sys.stderr.write(
            f"evaljobs proxy: a connection from {client_address[0]} failed: {type(error).__name__}: {error}\n"
        )

    def server_close(self) -> None:
        super().server_close()
        self.upstream.close()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # the headers and the body go in separate writes: no 40 ms delayed ACK
    server: ProxyServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the findings are the proxy's output."""

    def forward(self) -> None:
        with self.server.exchange():
            self._forward()

    def _forward(self) -> None:
        started, clock = now(), time.perf_counter()
        server = self.server
        target = self.path
        if "://" in target:  # absolute-form, as a client configured with a forward proxy sends it
            parts = urlsplit(target)
            target = urlunsplit(("", "", parts.path or "/", parts.query, ""))
        url = server.target_base + (target if target.startswith("/") else "/" + target)
        headers = [(name, value) for name, value in self.headers.items() if name.lower() not in _HOP_BY_HOP]
        sent = Body(server.body_limit)
        content = self._request_content(sent)
        try:
            request = server.upstream.build_request(self.command, url, headers=headers, content=content)
            response = server.upstream.send(request, stream=True)
        except httpx.TimeoutException as error:
            self._fail(504, f"the target did not answer in time: {error}")
            return
        except httpx.HTTPError as error:
            self._fail(502, f"cannot reach the target: {type(error).__name__}: {error}")
            return
        received = Body(server.body_limit, response.headers.get("content-encoding", ""))
        try:
            self._answer(response, received)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
            return
        except httpx.HTTPError as error:  # the target stopped sending: the client's answer is cut short
            self.close_connection = True
            sys.stderr.write(f"evaljobs proxy: {self.command} {url}: the target's answer broke off: {error}\n")
            return
        finally:
            response.close()
        found = entry(
            started=started,
            elapsed=time.perf_counter() - clock,
            method=self.command,
            url=str(request.url),
            request_headers=request.headers.multi_items(),
            request_body=sent,
            status=response.status_code,
            reason=response.reason_phrase,
            response_headers=response.headers.multi_items(),
            response_body=received,
            http_version=response.http_version,
        )
        try:
            server.recorder.record(found)
        except OSError as error:  # the client has its answer: what failed is the capture
            sys.stderr.write(f"evaljobs proxy: {self.command} {url}: not recorded: {error.strerror or error}\n")

    def _request_content(self, sent: Body) -> bytes | Iterator[bytes] | None:
        """The request's body, read whole when it is small, else passed on in pieces (kept in ``sent`` meanwhile)."""
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._pieces(self._chunks(), sent)
        if not length or not length.isdigit() or int(length) == 0:
            return None
        size = int(length)
        if size <= self.server.body_limit:
            data = self.rfile.read(size)
            sent.feed(data)
            return data
        return self._pieces(self._counted(size), sent)

    def _counted(self, size: int) -> Iterator[bytes]:
        while size > 0:
            piece = self.rfile.read(min(_PIECE, size))
            if not piece:
                return
            size -= len(piece)
            yield piece

    def _chunks(self) -> Iterator[bytes]:
        """A chunked request body, decoded (trailers read and dropped)."""
        while True:
            line = self.rfile.readline(1024)
            size = int(line.split(b";", 1)[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline(1024).strip():
                    pass
                return
            yield from self._counted(size)
            self.rfile.readline(8)

    @staticmethod
    def _pieces(pieces: Iterator[bytes], sent: Body) -> Iterator[bytes]:
        for piece in pieces:
            sent.feed(piece)
            yield piece

    def _answer(self, response: httpx.Response, received: Body) -> None:
        """The target's answer, passed on as it comes: its status, headers and body as they are on the wire."""
        self.send_response_only(response.status_code, response.reason_phrase)
        length = response.headers.get("content-length")
        bodiless = self.command == "HEAD" or response.status_code in (204, 304) or response.status_code < 200
        for name, value in response.headers.multi_items():
            if name.lower() not in _HOP_BY_HOP:
                self.send_header(name, value)
        if length is None and not bodiless:  # no length given: the end of the connection ends the body
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        for piece in response.iter_raw(_PIECE):
            if not bodiless:
                self.wfile.write(piece)
            received.feed(piece)
        self.wfile.flush()

    def _fail(self, status: int, message: str) -> None:
        sys.stderr.write(f"evaljobs proxy: {self.command} {self.path}: {message}\n")
        body = f"evaljobs proxy: {message}\n".encode()
        self.close_connection = True
        try:
            self.send_response_only(status)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Connection", "close")
            self.end_headers()
            self.wfile.write(body)
        except OSError:
            pass


for _method in _METHODS:
    setattr(_Handler, f"do_{_method}", _Handler.forward)

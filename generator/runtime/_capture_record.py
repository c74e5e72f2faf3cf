"""One exchange as a capture records it: a HAR 1.2 entry, its secrets redacted, its bodies kept up to a limit.

Shared by the capture transports (``evaljobs.capture``) and ``evaljobs proxy``: they see the exchange go by
(headers first, then the bodies in pieces, as they are sent), feed each body to a ``Body`` (which decodes
gzip and deflate as they come and stops holding the bytes past its limit), then ``entry()`` makes the HAR
entry, which the HAR reader's own ``evaljobs._har.har_entry_payload`` turns into the payload checked: what is
checked live is exactly what ``evaljobs validate`` reads from the capture (its secrets redacted included).

Redacted (the value replaced by ``[redacted]``): the headers Authorization and Proxy-Authorization (their
scheme word kept, ``Bearer [redacted]``, so that a wrong scheme is still seen), Cookie and Set-Cookie (each
cookie's value; names and attributes kept), X-Api-Key and the like, query parameters named like a credential
(``api_key``, ``token``, ``access_token``...) and a URL's user and password.
"""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, unquote_plus, urlsplit, urlunsplit

REDACTED = "[redacted]"
DEFAULT_BODY_LIMIT = 8 * 1024 * 1024
"""Bytes of a body (decoded) kept for the capture and the checks; a longer body passes through, unrecorded."""

_SECRET_HEADERS = frozenset(
    {"authorization", "proxy-authorization", "x-api-key", "api-key", "x-auth-token", "x-access-token", "private-token"}
)
_COOKIE_HEADERS = frozenset({"cookie", "set-cookie"})
_SECRET_QUERY = re.compile(
    r"(?i)(api[-_]?key|key|token|access[-_]?token|refresh[-_]?token|id[-_]?token|auth|secret|client[-_]?secret"
    r"|password|passwd|signature|sig|session|x-amz-(signature|credential|security-token))"
)
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9-]*) +\S")


def redact_header(name: str, value: str) -> str:
    """``value`` of the header ``name`` as a capture keeps it: a credential's secret replaced by ``[redacted]``."""
    lowered = name.lower()
    if lowered in _COOKIE_HEADERS:
        parts = value.split(";")
        if lowered == "set-cookie":  # name=value; Path=/; HttpOnly: the attributes are no secret
            head, _, _ = parts[0].partition("=")
            return "; ".join([f"{head.strip()}={REDACTED}", *(part.strip() for part in parts[1:])])
        return "; ".join(f"{part.partition('=')[0].strip()}={REDACTED}" for part in parts if part.strip())
    if lowered in _SECRET_HEADERS:
        scheme = _SCHEME.match(value.strip())
        return f"{scheme.group(1)} {REDACTED}" if scheme and lowered.endswith("authorization") else REDACTED
    return value


def redact_url(url: str) -> str:
    """``url`` with ``redacted`` for its user and password, and the values of query parameters named like a
    credential replaced by ``[redacted]`` (the other parameters as they were sent)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        netloc = f"redacted@{netloc.rpartition('@')[2]}"  # (brackets would read as an IPv6 address)
    query = "&".join(_redact_pair(pair) for pair in parts.query.split("&")) if parts.query else parts.query
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def _redact_pair(pair: str) -> str:
    name, equals, _ = pair.partition("=")
    return f"{name}={REDACTED}" if equals and _SECRET_QUERY.fullmatch(unquote_plus(name)) else pair


class Body:
    """A body as it goes by, in pieces: its decoded bytes kept up to ``limit`` (then dropped, only counted), its
    Content-Encoding (gzip, deflate) undone as it comes. ``note`` says why the bytes were not kept."""

    def __init__(self, limit: int, encoding: str = "") -> None:
        self.limit = limit
        self.size = 0
        self.parts: list[bytes] | None = []
        self.note: str | None = None
        coding = encoding.strip().lower()
        self._decoder: Any = None
        if coding in ("gzip", "x-gzip", "deflate"):
            self._decoder = zlib.decompressobj(47 if coding != "deflate" else zlib.MAX_WBITS)
            self._deflate = coding == "deflate"
        elif coding not in ("", "identity"):
            self.parts, self.note = None, f"not recorded: Content-Encoding {coding} is not decoded"

    def feed(self, chunk: bytes) -> None:
        if not chunk:
            return
        if self._decoder is not None and self.parts is not None:
            try:
                chunk = self._decoder.decompress(chunk)
            except zlib.error:
                if self._deflate and self.size == 0:  # raw deflate, without the zlib header some servers omit
                    self._decoder = zlib.decompressobj(-zlib.MAX_WBITS)
                    self._deflate = False
                    self.feed(chunk)
                    return
                self.parts, self.note = None, "not recorded: its compressed bytes do not decode"
                return
        self.size += len(chunk)
        if self.parts is None:
            return
        if self.size > self.limit:
            self.parts, self.note = None, f"not recorded: beyond the body limit of {self.limit:,} bytes"
            return
        self.parts.append(chunk)

    def data(self) -> bytes | None:
        """The body's bytes (decoded), or None when they were not kept."""
        return None if self.parts is None else b"".join(self.parts)


def now() -> str:
    """The current time as HAR's ``startedDateTime`` writes it: ISO 8601, milliseconds, UTC."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _content(data: bytes | None, body: Body, media: str) -> dict[str, Any]:
    """A HAR body (a response's ``content``, a request's ``postData``): UTF-8 text as it is, other bytes in base64."""
    found: dict[str, Any] = {"size": body.size, "mimeType": media}
    if data is None:
        found["comment"] = f"{body.note or 'not recorded'} ({body.size:,} bytes)"
        return found
    try:
        found["text"] = data.decode("utf-8")
    except UnicodeDecodeError:
        found["text"], found["encoding"] = base64.b64encode(data).decode("ascii"), "base64"
    return found


def _header_value(headers: Iterable[tuple[str, str]], name: str) -> str:
    return next((value for key, value in headers if key.lower() == name), "")


def entry(
    *,
    started: str,
    elapsed: float,
    method: str,
    url: str,
    request_headers: Iterable[tuple[str, str]],
    request_body: Body | None,
    status: int,
    reason: str,
    response_headers: Iterable[tuple[str, str]],
    response_body: Body,
    http_version: str = "HTTP/1.1",
) -> dict[str, Any]:
    """The HAR 1.2 entry of one exchange, redacted (``elapsed``: seconds from sending to the body's end)."""
    sent = [(name, redact_header(name, value)) for name, value in request_headers]
    received = [(name, redact_header(name, value)) for name, value in response_headers]
    address = redact_url(url)
    request: dict[str, Any] = {
        "method": method,
        "url": address,
        "httpVersion": http_version,
        "cookies": [],
        "headers": [{"name": name, "value": value} for name, value in sent],
        "queryString": [
            {"name": name, "value": value} for name, value in parse_qsl(urlsplit(address).query, keep_blank_values=True)
        ],
        "headersSize": -1,
        "bodySize": request_body.size if request_body is not None else 0,
    }
    if request_body is not None and (request_body.size or request_body.data() is None):
        request["postData"] = _content(request_body.data(), request_body, _header_value(sent, "content-type"))
        request["postData"].pop("size")
    media = _header_value(received, "content-type")
    milliseconds = round(elapsed * 1000, 3)
    return {
        "startedDateTime": started,
        "time": milliseconds,
        "request": request,
        "response": {
            "status": status,
            "statusText": reason,
            "httpVersion": http_version,
            "cookies": [],
            "headers": [{"name": name, "value": value} for name, value in received],
            "content": _content(response_body.data(), response_body, media),
            "redirectURL": _header_value(received, "location"),
            "headersSize": -1,
            "bodySize": response_body.size,
        },
        "cache": {},
        "timings": {"send": 0, "wait": milliseconds, "receive": 0},
    }

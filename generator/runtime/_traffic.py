"""Traffic logs of one exchange a line (NDJSON): evaljobs' own envelope (plain, or holding a HAR entry's request
and response objects, as ``evaljobs proxy --ndjson`` writes it), Redocly ``drift``'s NDJSON (with its
aliases), Kong's JSON log, and nginx/Apache JSON access logs that carry bodies. Each line becomes the Payload a
HAR entry becomes: its response body with the method, path and status it answered, and its request.

The kind of a log is decided by its first line (``envelope_kind``); the same names are then read from each line,
whichever of their aliases it uses. A body may be JSON text in a string or a JSON value itself: a value is taken
as it is written in the line (its bytes), so numbers keep their digits.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import orjson

from evaljobs._har import body_bytes, har_entry_payload, parse_entry
from evaljobs._inputs import Payload, Request
from evaljobs._json_spans import NotJSON, SpanReader

KONG_KEYS = ("latencies", "route", "service", "started_at", "upstream_uri", "client_ip")
REQUEST_KEYS = ("request", "req", "httpRequest")
RESPONSE_KEYS = ("response", "res", "httpResponse")
METHOD_KEYS = ("method", "httpMethod", "http_method", "request_method")
STATUS_KEYS = ("status", "statusCode", "status_code", "response_status")
BODY_KEYS = ("body", "bodyText", "payload", "data", "rawBody", "raw_body")
TIME_KEYS = ("timestamp", "startedAt", "started_at", "startedDateTime", "time", "time_iso8601", "time_local")
_REQUEST_LINE = re.compile(r"([A-Za-z]+) (\S+)(?: HTTP/[0-9.]+)?")
NO_BODY = {
    "kong": "no response body in the log (Kong logs bodies only where a plugin adds them to its log)",
    "access log": "no response body in the log (an access log has one only where its format adds it: resp_body)",
}


def envelope_kind(record: object) -> str | None:
    """What kind of traffic line ``record`` (a parsed line) is: ``"ndjson"`` (a request object with a method and a
    response object with a status, evaljobs' and Redocly's shape), ``"kong"`` (the same, with Kong's own keys),
    ``"access log"`` (nginx/Apache: a request line or ``request_method``, and a status, at the top), else None."""
    if not isinstance(record, dict):
        return None
    request, _ = _nested(record, REQUEST_KEYS, "request")
    response, _ = _nested(record, RESPONSE_KEYS, "response")
    if request is not None and response is not None:
        if _first(request, METHOD_KEYS) is not None and _first(response, STATUS_KEYS) is not None:
            return "kong" if any(key in record for key in KONG_KEYS) else "ndjson"
        return None
    line = record.get("request")
    flat = (isinstance(line, str) and _REQUEST_LINE.fullmatch(line) is not None) or "request_method" in record
    return "access log" if flat and _first(record, STATUS_KEYS) is not None else None


def line_kind(line: bytes) -> str | None:
    """``envelope_kind`` of a line of text (None: not JSON, or no traffic line)."""
    stripped = line.strip(b" \t\r\n")
    if stripped[:1] != b"{":
        return None
    try:
        return envelope_kind(orjson.loads(stripped))
    except orjson.JSONDecodeError:
        return None


def line_payload(line: bytes, source: str, kind: str) -> Payload:
    """The Payload of one line of a traffic log of ``kind`` (``source``: what names it, e.g. ``log.ndjson:3``)."""
    try:
        record = parse_entry(line)
    except ValueError as error:
        return Payload(source, problem=f"not JSON ({error})")
    return exchange_payload(record, source, kind, line)


def exchange_payload(record: object, source: str, kind: str = "ndjson", line: bytes = b"") -> Payload:
    """The Payload of one parsed traffic record (``line``: its text, where a body that is a JSON value is taken
    from; without it, the value is written again)."""
    from urllib.parse import parse_qsl, urlsplit  # noqa: PLC0415 - (urllib.parse: 5 ms of start-up)

    if not isinstance(record, dict):
        return Payload(source, skipped="not a request and response")
    request, request_key = _nested(record, REQUEST_KEYS, "request")
    response, response_key = _nested(record, RESPONSE_KEYS, "response")
    if isinstance(request, dict) and isinstance(response, dict) and isinstance(response.get("content"), dict):
        # HAR request and response objects in the envelope (evaljobs proxy --ndjson, CaptureTransport(ndjson=))
        started = _text(_first(record, TIME_KEYS))
        return har_entry_payload({"request": request, "response": response, "startedDateTime": started}, source)
    flat = request is None
    request = record if request is None else request
    response = record if response is None else response
    requested = _REQUEST_LINE.fullmatch(record["request"]) if isinstance(record.get("request"), str) else None
    method = _text(_first(request, METHOD_KEYS) or _first(record, METHOD_KEYS)) or (
        requested.group(1) if requested else ""
    )
    status = _status(_first(response, STATUS_KEYS)) or _status(_first(record, STATUS_KEYS))
    url = _url(record, request, requested.group(2) if requested else None)
    if not method or url is None or status is None:
        return Payload(source, skipped="not a request and response (no method, URL or status)")
    method = method.upper()
    parts = urlsplit(url)
    path = parts.path or "/"
    query = tuple(parse_qsl(parts.query, keep_blank_values=True)) or _query(
        _first(request, ("query", "querystring", "queryString", "args", "query_string"))
    )
    request_headers = _headers(_first(request, ("headers", "request_headers")) or record.get("request_headers"))
    response_headers = _headers(
        (_first(response, ("headers", "response_headers")) if response is not record else None)
        or _first(record, ("response_headers", "headers_out"))
    )
    body_keys = (*BODY_KEYS, "request_body") if not flat else ("request_body", "body")
    sent, sent_media, sent_problem = _body(line, request, request_key, body_keys, request_headers)
    sent_request = Request(method, path, query, sent, sent_media, sent_problem, url, request_headers)
    started = _text(_first(record, (*TIME_KEYS, "@timestamp")))
    label = f"{source} {method} {path} {status}"
    exchange = (method, path, status)
    answer_keys = (*BODY_KEYS, "response_body") if response is not record else ("response_body", "resp_body")
    body, media, problem = _body(line, response, response_key, answer_keys, response_headers)
    if problem is not None:
        return Payload(label, problem=problem, started=started)
    if body is None or not body.strip(b" \t\r\n"):
        note = NO_BODY.get(kind, "no response body") if body is None else f"no JSON body ({media or 'no content type'})"
        return Payload(
            label,
            skipped=note,
            exchange=exchange,
            request=sent_request,
            media_type=media if body else "",
            started=started,
        )
    if "json" not in media.lower() and (media or body.lstrip(b" \t\r\n")[:1] not in (b"{", b"[")):
        return Payload(
            label,
            skipped=f"no JSON body ({media or 'no content type'})",
            exchange=exchange,
            request=sent_request,
            media_type=media,
            started=started,
        )
    return Payload(label, body, exchange=exchange, request=sent_request, media_type=media, started=started)


def _nested(
    record: Mapping[str, Any], keys: tuple[str, ...], inner: str
) -> tuple[dict[str, Any] | None, tuple[str, ...]]:
    """The object under the first of ``keys`` (or under ``http.<inner>``), with the keys that lead to it."""
    for key in keys:
        if isinstance(record.get(key), dict):
            return record[key], (key,)
    http = record.get("http")
    if isinstance(http, dict) and isinstance(http.get(inner), dict):
        return http[inner], ("http", inner)
    return None, ()


def _first(found: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    for key in keys:
        value = found.get(key)
        if value is not None:
            return value
    return None


def _first_key(found: Mapping[str, Any], keys: tuple[str, ...]) -> str | None:
    return next((key for key in keys if found.get(key) is not None), None)


def _text(value: object) -> str:
    if value is None or isinstance(value, dict | list):
        return ""
    return str(value)


def _status(value: object) -> int | None:
    try:
        status = int(value)  # type: ignore[call-overload]
    except (TypeError, ValueError, OverflowError):
        return None
    return status if 100 <= status <= 999 else None


def _url(record: Mapping[str, Any], request: Mapping[str, Any], from_line: str | None) -> str | None:
    """The URL the request went to: whole where the log has it, else built from its host and path (scheme http
    unless the log names one), else its path alone."""
    direct = _text(
        _first(request, ("url", "uri", "requestUrl", "request_uri")) or _first(record, ("url", "request_url"))
    )
    if direct.startswith(("http://", "https://")):
        return direct
    path = direct or _text(_first(request, ("path", "pathname")) or _first(record, ("path", "request_uri", "uri")))
    path = path or from_line or ""
    if not path:
        return None
    headers = dict(_headers(request.get("headers")))
    host = _text(
        _first(request, ("host",)) or headers.get("host") or _first(record, ("host", "http_host", "server_name"))
    )
    if not host:
        return path
    scheme = (
        _text(_first(request, ("scheme", "forwarded_proto")) or _first(record, ("scheme", "request_scheme"))) or "http"
    )
    return f"{scheme}://{host}{path if path.startswith('/') else '/' + path}"


def _query(listed: object) -> tuple[tuple[str, str], ...]:
    """Query parameters given apart from the URL: an object (Kong: a value, a list of values, or true for a bare
    key), a list of name/value objects, or a query string (nginx's ``args``)."""
    found: list[tuple[str, str]] = []
    if isinstance(listed, str):  # nginx's $args
        from urllib.parse import parse_qsl  # noqa: PLC0415

        return tuple(parse_qsl(listed.removeprefix("?"), keep_blank_values=True))
    if isinstance(listed, dict):
        for name, value in listed.items():
            for each in value if isinstance(value, list) else [value]:
                found.append((str(name), "" if each is True else _text(each)))
    elif isinstance(listed, list):
        found.extend((_text(item.get("name")), _text(item.get("value"))) for item in listed if isinstance(item, dict))
    return tuple(found)


def _headers(given: object) -> tuple[tuple[str, str], ...]:
    """Headers in order, names in lower case, without HTTP/2 pseudo-headers: from an object (a value or a list of
    values each) or a list of name/value objects or pairs."""
    pairs: list[tuple[str, object]] = []
    if isinstance(given, dict):
        pairs = [(str(name), value) for name, value in given.items()]
    elif isinstance(given, list):
        for item in given:
            if isinstance(item, dict):
                pairs.append((_text(item.get("name")), item.get("value")))
            elif isinstance(item, list) and len(item) == 2:
                pairs.append((_text(item[0]), item[1]))
    found: list[tuple[str, str]] = []
    for name, value in pairs:
        if name.startswith(":"):
            continue
        for each in value if isinstance(value, list) else [value]:
            found.append((name.lower(), _text(each)))
    return tuple(found)


def _body(
    line: bytes,
    holder: Mapping[str, Any],
    path: tuple[str, ...],
    keys: tuple[str, ...],
    headers: tuple[tuple[str, str], ...],
) -> tuple[bytes | None, str, str | None]:
    """A body (None: none logged), its media type (its content-type header; a JSON value without one is
    application/json) and a problem reading it. ``path``: the keys that lead to ``holder`` in the line."""
    media = next((value for name, value in headers if name == "content-type"), "")
    key = _first_key(holder, keys)
    if key is None:
        return None, media, None
    value = holder[key]
    if value in ("", "-"):  # what access logs write for no body
        return None, media, None
    if isinstance(value, str):
        encoding = _first(holder, ("encoding", "bodyEncoding", "body_encoding"))
        body = body_bytes(value, encoding)
        if body is None:
            return b"", media, "its base64 body does not decode"
        return body, media, None
    written = _written(line, (*path, key))
    return written if written is not None else _dumped(value), media or "application/json", None


def _written(line: bytes, path: tuple[str, ...]) -> bytes | None:
    """The bytes of the value at ``path`` (keys of nested objects) in ``line``, as written (None: not found)."""
    if not line:
        return None
    reader = SpanReader(lambda _: b"", line)
    try:
        for depth, wanted in enumerate(path):
            for key in reader.members():
                if key[1:-1] == wanted.encode():
                    if depth == len(path) - 1:
                        start, end = reader.value()
                        return bytes(reader.buffer[start:end])
                    break
                reader.value(keep=False)
            else:
                return None
    except NotJSON:
        return None
    return None


def _dumped(value: object) -> bytes:
    try:
        return orjson.dumps(value)
    except (TypeError, orjson.JSONEncodeError):  # an integer beyond 64 bits
        import json  # noqa: PLC0415

        return json.dumps(value, ensure_ascii=False).encode("utf-8", "surrogatepass")

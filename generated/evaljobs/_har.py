"""HAR captures read entry by entry: each entry of ``log.entries`` found by its byte span (``SpanReader``) and
parsed alone, so a capture of any size is read in the memory of its largest entry. A large HAR file is cut into
ranges of whole entries, read by the processes of ``--jobs``, as a JSONL file is cut into lines.

``har_entry_payload`` turns one parsed entry into the Payload the validator checks (what a live capture reuses).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import orjson

from evaljobs._inputs import Payload, Request
from evaljobs._json_spans import NotJSON, SpanReader, kind

SHAPE = '(a HAR file is {"log": {"entries": [...]}})'


def har_entry_payload(entry: object, source: str) -> Payload:
    """The Payload of one parsed HAR entry (``source``: what names it, e.g. ``capture.har:3``): its response's
    JSON body with the method, path and status it answered, and its request; a response without a JSON body is
    skipped but keeps its request, which is still checked."""
    from urllib.parse import urlsplit  # noqa: PLC0415 - (urllib.parse: 5 ms of start-up)

    try:
        request, response = entry["request"], entry["response"]  # type: ignore[index]
        method, url, status = str(request["method"]), str(request["url"]), int(response["status"])
        content = response.get("content") or {}
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError):
        return Payload(source, skipped="not a request and response")
    path = urlsplit(url).path or "/"
    started = entry.get("startedDateTime")  # type: ignore[attr-defined]
    started = started if isinstance(started, str) else ""
    label = f"{source} {method} {path} {status}"
    sent = _request(method, path, url, request)
    mime = str(content.get("mimeType", ""))
    text = content.get("text")
    media = mime if text not in (None, "") else ""
    if text is None or "json" not in mime.lower():
        skipped = f"no JSON body ({mime or 'no content type'})"
        return Payload(
            label, skipped=skipped, exchange=(method, path, status), request=sent, media_type=media, started=started
        )
    body = body_bytes(text, content.get("encoding"))
    if body is None:
        return Payload(label, problem="its base64 body does not decode", started=started)
    return Payload(label, body, exchange=(method, path, status), request=sent, media_type=media, started=started)


def _request(method: str, path: str, url: str, request: Any) -> Request:
    """What a HAR entry's request sent: the query of its URL (else its ``queryString`` list) and its
    ``postData`` (base64 when its ``encoding`` says so, as some tools write it)."""
    from urllib.parse import parse_qsl, urlsplit  # noqa: PLC0415

    query = tuple(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    listed = request.get("queryString")
    if not query and isinstance(listed, list):
        query = tuple(
            (str(item.get("name", "")), str(item.get("value", ""))) for item in listed if isinstance(item, dict)
        )
    listed_headers = request.get("headers")
    headers = tuple(
        (str(item.get("name", "")).lower(), str(item.get("value", "")))
        for item in (listed_headers if isinstance(listed_headers, list) else ())
        if isinstance(item, dict) and not str(item.get("name", "")).startswith(":")  # HTTP/2 pseudo-headers
    )
    posted = request.get("postData")
    if not isinstance(posted, dict) or posted.get("text") in (None, ""):
        return Request(method, path, query, url=url, headers=headers)
    media = str(posted.get("mimeType") or "")
    body = body_bytes(posted["text"], posted.get("encoding"))
    if body is None:
        return Request(method, path, query, b"", media, "its base64 body does not decode", url, headers)
    return Request(method, path, query, body, media, url=url, headers=headers)


def body_bytes(text: object, encoding: object) -> bytes | None:
    """A captured body's bytes (None: base64 that does not decode)."""
    import base64  # noqa: PLC0415 - captures only
    import binascii  # noqa: PLC0415

    try:
        if encoding == "base64":
            return base64.b64decode(str(text), validate=True)
        return str(text).encode("utf-8", "surrogatepass")
    except (binascii.Error, ValueError):
        return None


def parse_entry(span: bytes | bytearray | memoryview) -> object:
    """One value, parsed: by orjson, else (a lone surrogate, NaN: what it refuses) by Python's json module, as
    whole captures were read before; ValueError when neither reads it."""
    try:
        return orjson.loads(span)
    except orjson.JSONDecodeError:
        pass
    try:
        return json.loads(bytes(span))
    except RecursionError:
        raise ValueError("nested too deeply") from None


def _entry(source: str, index: int, span: bytearray | bytes, offset: int) -> Payload:
    try:
        entry = parse_entry(span)
    except ValueError as error:
        return Payload(f"{source}:{index}", problem=f"entry {index:,} at byte {offset:,} is not JSON ({error})")
    return har_entry_payload(entry, f"{source}:{index}")


class Cut:
    """Where one range of entries ends, found while a HAR is cut (``ranges``): bytes ``[start, end)`` of the
    file, entries ``first`` to ``last``, the end of each entry (from ``start``)."""

    def __init__(self, start: int, first: int) -> None:
        self.start, self.first, self.last, self.end = start, first, first - 1, start
        self.ends: list[int] = []


def read_har(source: str, read: Callable[[int], bytes], first: bytes = b"") -> Iterator[Payload]:
    """The payloads of a whole HAR capture read through ``read`` (``first``: bytes of it already read), entry by
    entry; what is wrong with it (not JSON from some byte on, not the shape of a HAR) is a problem after the
    entries before it."""
    reader = SpanReader(read, first.removeprefix(b"\xef\xbb\xbf"))
    index = 0
    try:
        for start, end in _entries(reader, source):
            index += 1
            yield _entry(source, index, reader.buffer[start:end], reader.offset(start))
    except NotJSON as error:
        yield _not_json(source, error, index)
    except _NotHar as error:
        yield Payload(source, problem=f"not a HAR capture: {error} {SHAPE}")


def ranges(
    source: str, read: Callable[[int], bytes], size: int, piece: Callable[[int], int]
) -> Iterator[Cut | Payload]:
    """A HAR file cut into ranges of whole entries (``piece(offset)``: how many bytes a range holds from there),
    what is wrong with it a problem after the ranges before it."""
    reader = SpanReader(read)
    cut: Cut | None = None
    index = 0
    try:
        for start, end in _entries(reader, source):
            index += 1
            if cut is None:
                cut = Cut(reader.offset(start), index)
            cut.last, cut.end = index, reader.offset(end)
            cut.ends.append(cut.end - cut.start)
            if cut.end - cut.start >= piece(cut.start):
                yield cut
                cut = None
        if cut is not None:
            yield cut
    except NotJSON as error:
        if cut is not None:
            yield cut
        yield _not_json(source, error, index)
    except _NotHar as error:
        yield Payload(source, problem=f"not a HAR capture: {error} {SHAPE}")


def range_payloads(source: str, data: bytes, ends: tuple[int, ...], first: int, start: int) -> Iterator[Payload]:
    """The payloads of a range of a HAR file (``data``: its bytes, from byte ``start`` of the file; ``ends``: where
    each entry ends in it; ``first``: the number of the first)."""
    begin = 0
    for number, end in enumerate(ends, start=first):
        span = data[begin:end].lstrip(b", \t\r\n")
        yield _entry(source, number, span, start + end - len(span))
        begin = end


class _NotHar(ValueError):
    """Valid JSON, but not the shape of a HAR capture."""


def _not_json(source: str, error: NotJSON, entries: int) -> Payload:
    if not entries:
        return Payload(source, problem=f"not a HAR capture: not JSON ({error})")
    return Payload(source, problem=f"not read past byte {error.offset:,}: {error.reason} (after entry {entries:,})")


def _entries(reader: SpanReader, source: str) -> Iterator[tuple[int, int]]:
    """The span of each entry of ``log.entries`` in ``reader.buffer``, valid until the next is asked for; then
    the rest of the document is read through (it must be JSON) and its shape judged."""
    first = reader.peek()
    if first is None:
        raise NotJSON("the input is empty", reader.offset())
    if first != ord("{"):
        start, end = reader.value(keep=False)
        if first not in b'["':  # a number, true, false, null: parsed to be sure it is one
            try:
                orjson.loads(reader.buffer[start:end])
            except orjson.JSONDecodeError as error:
                raise NotJSON(f"{error.msg}", reader.offset(start)) from None
        _end(reader)
        raise _NotHar(f"its JSON is {kind(first)}, not an object")
    found_log: str | None = None  # the kind of "log"
    found_entries: str | None = None
    for key in reader.members():
        if _key(key) != "log" or reader.peek() != ord("{"):
            found_log = kind(reader.peek() or 0) if _key(key) == "log" else found_log
            reader.value(keep=False)
            continue
        found_log = "an object"
        for inner in reader.members():
            if _key(inner) != "entries" or reader.peek() != ord("["):
                found_entries = kind(reader.peek() or 0) if _key(inner) == "entries" else found_entries
                reader.value(keep=False)
                continue
            found_entries = "an array"
            for _ in reader.items():
                reader.release()
                yield reader.value()
    _end(reader)
    if found_log is None:
        raise _NotHar('it has no "log" object')
    if found_log != "an object":
        raise _NotHar(f'its "log" is {found_log}, not an object')
    if found_entries is None:
        raise _NotHar('it has no "log.entries" list')
    if found_entries != "an array":
        raise _NotHar(f'its "log.entries" is {found_entries}')


def _end(reader: SpanReader) -> None:
    if reader.peek() is not None:
        raise NotJSON("more follows the end of the document", reader.offset())


def _key(token: bytes) -> str:
    if b"\\" not in token:
        return token[1:-1].decode("utf-8", "replace")
    try:
        return str(orjson.loads(token))
    except orjson.JSONDecodeError:
        return ""

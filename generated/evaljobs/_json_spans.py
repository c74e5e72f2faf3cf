"""Where JSON values start and end in a byte stream, without parsing them: what lets a large JSON document (a
HAR capture) be read one member at a time, in bounded memory.

A ``SpanReader`` reads its stream in blocks and keeps only the value it is in (and what it read past it). It
knows JSON strings (so a bracket or quote inside one is text) and brackets; the values it finds are parsed by
whoever asks for them (orjson), which also catches what a bracket count cannot (a missing colon, a bad number).
Its scans are regular expressions that run over whole strings and runs of text at once: Python code runs per
bracket, never per byte.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

BLOCK = 1 << 20  # bytes asked of the stream at a time (more while one value is larger than what is held)
_STRING_TEXT = rb'"[^"\\]*+(?:\\.[^"\\]*+)*+"'
_TEXT = re.compile(rb'(?:[^"{}\[\]]++|%s|[{\[](?:[^"{}\[\]]++|%s)*+[}\]])*+' % (_STRING_TEXT, _STRING_TEXT), re.DOTALL)
# ^ everything up to the next bracket outside a string, strings and objects or arrays without brackets inside
# (a header, a cookie) taken whole (it stops before a string not yet ended in what is held)
_STRING = re.compile(_STRING_TEXT, re.DOTALL)
_BLANK = re.compile(rb"[ \t\r\n]*+")
_SCALAR = re.compile(rb"[^ \t\r\n,:\]}\[{\"]*+")
_KINDS = {ord("{"): "an object", ord("["): "an array", ord('"'): "a string", ord("t"): "true or false"}
_KINDS |= {ord("f"): "true or false", ord("n"): "null"}


class NotJSON(ValueError):
    """The stream stops being JSON (or stops) at byte ``offset``: ``reason`` says how."""

    def __init__(self, reason: str, offset: int) -> None:
        super().__init__(f"{reason} at byte {offset:,}")
        self.reason = reason
        self.offset = offset


def kind(first: int) -> str:
    """What a JSON value is, by its first byte (``"a number"`` for anything else)."""
    return _KINDS.get(first, "a number")


class SpanReader:
    """A JSON stream read block by block through ``read`` (``first``: bytes already read from it; ``offset``:
    where in the whole input its first byte is, for messages). ``buffer[position:]`` is what is held and not yet
    consumed."""

    def __init__(self, read: Callable[[int], bytes], first: bytes = b"", offset: int = 0) -> None:
        self._read = read
        self.buffer = bytearray(first)
        self.position = 0
        self.base = offset  # where buffer[0] is in the input
        self.ended = False

    def offset(self, index: int | None = None) -> int:
        """Where ``buffer[index]`` (by default: the current position) is in the input."""
        return self.base + (self.position if index is None else index)

    def _more(self) -> bool:
        """Reads another block (as large as what is held, so a very long value is scanned a few times at most,
        not once a block); False at the end of the stream."""
        if self.ended:
            return False
        block = self._read(max(BLOCK, len(self.buffer) - self.position))
        if not block:
            self.ended = True
            return False
        self.buffer += block
        return True

    def release(self) -> None:
        """Lets go of what is consumed (bytearray deletes from its front without moving the rest, mostly)."""
        if self.position:
            del self.buffer[: self.position]
            self.base += self.position
            self.position = 0

    def peek(self) -> int | None:
        """The next byte that is not JSON whitespace (not consumed), or None at the end of the stream."""
        while True:
            end = _BLANK.match(self.buffer, self.position).end()  # type: ignore[union-attr]  # (always matches)
            self.position = end
            if end < len(self.buffer):
                return self.buffer[end]
            self.release()
            if not self._more():
                return None

    def expect(self, allowed: bytes, what: str) -> int:
        """Consumes the next byte, one of ``allowed`` (after whitespace); else NotJSON naming ``what``."""
        found = self.peek()
        if found is None:
            raise NotJSON(f"the input ends where {what} should be", self.offset())
        if found not in allowed:
            raise NotJSON(f"{chr(found)!r} where {what} should be", self.offset())
        self.position += 1
        return found

    def string(self) -> bytes:
        """The next string, whole (with its quotes, escapes as written), consumed."""
        if self.peek() != ord('"'):
            raise NotJSON("a key should be a string", self.offset())
        while True:
            found = _STRING.match(self.buffer, self.position)
            if found is not None:
                self.position = found.end()
                return bytes(found.group())
            if not self._more():
                raise NotJSON("the input ends inside a string", self.offset(len(self.buffer)))

    def value(self, *, keep: bool = True) -> tuple[int, int]:
        """Consumes the next value and gives where it starts and ends in ``buffer``; ``keep=False`` lets go of
        what it scanned as it goes (a value not wanted, perhaps larger than memory: its span is then
        meaningless)."""
        first = self.peek()
        if first is None:
            raise NotJSON("the input ends where a value should be", self.offset())
        start = self.position
        if first == ord('"'):
            self.string()
            return start, self.position
        if first not in b"{[":
            return self._scalar(start)
        depth, at = 1, start + 1  # (the opening bracket is taken: _TEXT would take a value without brackets inside)
        while True:
            at = _TEXT.match(self.buffer, at).end()  # type: ignore[union-attr]  # (always matches)
            if at >= len(self.buffer) or self.buffer[at] == ord('"'):  # more is needed
                if not keep:
                    self.position = at
                    self.release()
                    start, at = 0, self.position
                if not self._more():
                    raise NotJSON("the input ends inside " + kind(first), self.offset(len(self.buffer)))
                continue
            opened = self.buffer[at] in b"{["
            depth += 1 if opened else -1
            at += 1
            if depth == 0:
                self.position = at
                return start, at
            if depth < 0:
                raise NotJSON("a bracket closes what was not opened", self.offset(at - 1))

    def _scalar(self, start: int) -> tuple[int, int]:
        while True:
            end = _SCALAR.match(self.buffer, start).end()  # type: ignore[union-attr]  # (always matches)
            if end < len(self.buffer) or not self._more():
                break
        if end == start:
            raise NotJSON(f"{chr(self.buffer[start])!r} where a value should be", self.offset(start))
        self.position = end
        return start, end

    def members(self) -> Iterator[bytes]:
        """The keys of the object that starts next, each as written (quotes and escapes); after each key the
        reader stands at its value, which the caller consumes (``value``) before asking for the next key."""
        self.expect(b"{", "an object")
        if self.peek() == ord("}"):
            self.position += 1
            return
        while True:
            key = self.string()
            self.expect(b":", "a colon")
            yield key
            if self.expect(b",}", "a comma or a closing brace") == ord("}"):
                return

    def items(self) -> Iterator[None]:
        """Stands at each element of the array that starts next in turn; the caller consumes each (``value``)."""
        self.expect(b"[", "an array")
        if self.peek() == ord("]"):
            self.position += 1
            return
        while True:
            yield None
            if self.expect(b",]", "a comma or a closing bracket") == ord("]"):
                return

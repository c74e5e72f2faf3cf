"""Spec text made into Python source: literals, docstrings, comments and identifiers.

The one escaping layer between a spec and generated code. Every function here either returns source
text that means exactly the given value, or raises ValueError; none of them lets a character through
that would end a literal, a docstring or a comment, or that hides what the code says (control, format
and bidi characters, line and paragraph separators, surrogates: CVE-2021-42574).
"""

from __future__ import annotations

import ast
import io
import math
import tokenize
import unicodedata
from typing import Any

from generator.names import is_safe_identifier

# Character categories never written raw into generated source (escaped instead).
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"})


def is_hidden(char: str) -> bool:
    """A character that must not appear raw in generated source (newline aside)."""
    return char != "\n" and unicodedata.category(char) in _HIDDEN_CATEGORIES


def escape_char(char: str) -> str:
    """The Python escape sequence of one character."""
    simple = {"\t": "\\t", "\r": "\\r", "\0": "\\x00"}
    if char in simple:
        return simple[char]
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    if code < 0x10000:
        return f"\\u{code:04x}"
    return f"\\U{code:08x}"


def literal(value: Any) -> str:
    """A Python literal for JSON-like data from a spec (lists become tuples); refuses anything else.

    Checked: the literal is parsed back and must equal the value, so no spec text can change its meaning.
    """
    text = _literal(value)
    if ast.literal_eval(text) != _as_written(value):
        raise ValueError(f"cannot write {value!r} as a Python literal")
    return text


def _literal(value: Any) -> str:
    if value is None or isinstance(value, bool | int):
        return repr(value)
    if isinstance(value, str):
        return _string(value)
    if isinstance(value, bytes):
        return repr(value)  # ASCII only: every other byte is escaped
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"{value!r} has no Python literal")
        return repr(value)
    if isinstance(value, list | tuple):
        inner = ", ".join(_literal(item) for item in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_literal(str(key))}: {_literal(item)}" for key, item in value.items()) + "}"
    raise ValueError(f"{type(value).__name__} has no Python literal")


def _string(text: str) -> str:
    """repr() escapes every non-printable character; a lone surrogate is escaped as well."""
    written = repr(text)
    if any(is_hidden(char) for char in written):  # repr keeps printable characters raw; none of these are
        raise ValueError(f"cannot write {text!r} as a string literal")
    return written


def _as_written(value: Any) -> Any:
    if isinstance(value, list | tuple):
        return tuple(_as_written(item) for item in value)
    if isinstance(value, dict):
        return {str(key): _as_written(item) for key, item in value.items()}
    return value


def docstring(text: Any) -> str:
    """Text made safe inside a triple-quoted (non-raw) docstring; the docstring's value is the text.

    Backslashes are doubled (so ``\\N{...}`` and a trailing ``\\`` stay text), hidden characters are
    escaped, ``\"\"\"`` is broken up, and a final ``"`` is escaped so it cannot merge with the closing quotes.
    """
    cleaned = str(text or "").replace("\r\n", "\n").strip()
    cleaned = cleaned.replace("\\", "\\\\")
    cleaned = "".join(escape_char(char) if is_hidden(char) else char for char in cleaned)
    cleaned = cleaned.replace('"""', '\\"\\"\\"')
    if cleaned.endswith('"') and _escaped_quote_count(cleaned) % 2 == 0:
        cleaned = cleaned[:-1] + '\\"'
    return cleaned


def _escaped_quote_count(text: str) -> int:
    """How many backslashes stand right before the final character."""
    return len(text[:-1]) - len(text[:-1].rstrip("\\"))


def comment(text: Any) -> str:
    """Text as ``#`` comment lines: one per line of the text (every line break Python or an editor knows),
    hidden characters escaped, so nothing after a line break can become code."""
    lines = str(text or "").splitlines() or [""]
    return "\n".join(
        ("# " + "".join(escape_char(char) if is_hidden(char) else char for char in line)).rstrip() for line in lines
    )


def identifier(name: Any) -> str:
    """``name`` itself, when it is a valid Python identifier in its NFKC form; raises otherwise."""
    if not isinstance(name, str) or not is_safe_identifier(name):
        raise ValueError(f"{name!r} is not a Python identifier")
    return name


def escape_hidden(source: str) -> str:
    """``source`` with every hidden character inside a string literal or comment escaped (the values of
    the literals do not change). Raises ValueError for one in a raw or f-string, or outside any token."""
    offsets = [0]
    for line in io.StringIO(source):  # the lines tokenize reads: split at "\n" only
        offsets.append(offsets[-1] + len(line))
    edits: list[tuple[int, int, str]] = []
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if not any(is_hidden(char) for char in token.string):
            continue
        if token.type == tokenize.STRING:
            replacement = _escape_string_token(token.string)
        elif token.type == tokenize.COMMENT:
            replacement = "".join(escape_char(char) if is_hidden(char) else char for char in token.string)
        else:
            continue
        start = offsets[token.start[0] - 1] + token.start[1]
        end = offsets[token.end[0] - 1] + token.end[1]
        edits.append((start, end, replacement))
    for start, end, replacement in reversed(edits):
        source = source[:start] + replacement + source[end:]
    return source


def _escape_string_token(token: str) -> str:
    quote_at = min(index for index in (token.find("'"), token.find('"')) if index >= 0)
    prefix = token[:quote_at].lower()
    if "r" in prefix or "f" in prefix or "b" in prefix:
        raise ValueError(f"a hidden character in a {prefix!r}-string literal cannot be escaped: {token[:80]!r}")
    result = []
    index = 0
    while index < len(token):
        char = token[index]
        if char == "\\" and index + 1 < len(token):
            following = token[index + 1]
            if is_hidden(following) and following != "\n":
                result.append("\\\\" + escape_char(following))  # an unknown escape: backslash and the char
            else:
                result.append(char + following)
            index += 2
            continue
        result.append(escape_char(char) if is_hidden(char) else char)
        index += 1
    return "".join(result)


def hidden_characters(source: str) -> list[tuple[int, str]]:
    """(line number, character name) of every hidden character left in ``source``."""
    found = []
    for number, line in enumerate(source.split("\n"), start=1):
        for char in line:
            if is_hidden(char):
                found.append((number, unicodedata.name(char, f"U+{ord(char):04X}")))
    return found


def program_node(node: Any) -> str:
    """A node of a validator's program (a NamedTuple of ``evaljobs._validation.program_nodes``, or a record
    of one) as a call of its class: the fields that differ from their defaults, by name (the kind, always its
    default, left out); their values are checked literals, or nodes and records again."""
    cls = type(node)
    if cls.__module__.rsplit(".", 1)[-1] != "program_nodes" or not hasattr(cls, "_fields"):
        raise ValueError(f"{node!r} is not a program node")
    defaults = cls._field_defaults
    written = []
    for name, value in zip(cls._fields, node, strict=True):
        default = defaults.get(name, _NO_DEFAULT)
        if type(value) is type(default) and value == default:
            continue
        written.append(f"{name}={_program_value(value)}")
    return f"{cls.__name__}({', '.join(written)})"


_NO_DEFAULT = object()


def _program_value(value: Any) -> str:
    if hasattr(type(value), "_fields"):
        return program_node(value)
    if isinstance(value, tuple) and any(hasattr(type(item), "_fields") for item in value):
        inner = ", ".join(_program_value(item) for item in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    return literal(value)


def program_classes(nodes: Any) -> list[str]:
    """The names of the classes of ``evaljobs._validation.program_nodes`` that ``nodes`` hold, sorted (what
    a program module imports)."""
    found: set[str] = set()

    def visit(value: Any) -> None:
        if hasattr(type(value), "_fields"):
            found.add(type(value).__name__)
        if isinstance(value, tuple):
            for item in value:
                visit(item)

    visit(tuple(nodes))
    return sorted(found)

"""The escaping layer and the name sanitizer, as properties: whatever text a spec holds, the source written
for it means exactly that text, and the names made of it are safe, unique Python identifiers.

(The strategies are local: they are about arbitrary text, not about the specs tests/strategies.py models.)
"""

from __future__ import annotations

import ast
import keyword
import unicodedata
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator import names
from generator.emit.pysource import comment, docstring, escape_hidden, hidden_characters, identifier, literal
from generator.load.lint import backtracking

FAST = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
# Text that favours what breaks code generators: quotes, backslashes, line breaks, hidden characters.
NASTY = st.sampled_from(['"', "'", '"""', "\\", "\n", "\r", "\r\n", "\x00", "\u202e", "\u2028", "\x85", "\t", "{"])
TEXT = st.lists(st.one_of(NASTY, st.text(max_size=5)), max_size=12).map("".join)
NAME = st.one_of(
    TEXT,
    st.sampled_from(["class", "None", "model_config", "model_dump", "_private", "__init__", "ﬁeld", "ＩＤ", "1", ""]),
)
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12,
)


def _no_hidden(source: str) -> None:
    assert hidden_characters(source) == [], source


@FAST
@given(TEXT)
def test_a_docstring_holds_exactly_its_text(text: str) -> None:
    source = f'"""{docstring(text)}"""\n'
    _no_hidden(source)
    (statement,) = ast.parse(source).body
    assert isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Constant)
    assert statement.value.value == text.replace("\r\n", "\n").strip()


@FAST
@given(TEXT, TEXT)
def test_docstring_text_cannot_end_the_docstring_early(one: str, other: str) -> None:
    source = f'"""{docstring(one)}: and {docstring(other)}"""\nx = 1\n'
    tree = ast.parse(source)
    assert [type(node) for node in tree.body] == [ast.Expr, ast.Assign]


@FAST
@given(JSON)
def test_a_literal_means_exactly_its_value(value: Any) -> None:
    source = literal(value)
    _no_hidden(source)

    def as_written(item: Any) -> Any:
        if isinstance(item, list):
            return tuple(as_written(part) for part in item)
        if isinstance(item, dict):
            return {key: as_written(part) for key, part in item.items()}
        return item

    assert ast.literal_eval(source) == as_written(value)


def test_a_literal_refuses_what_has_none() -> None:
    for value in (float("nan"), float("inf"), bytearray(b"bytes"), {1, 2}, object()):
        with pytest.raises(ValueError):
            literal(value)


def test_bytes_are_written_as_ascii_literals() -> None:
    """The native scanner's programs hold keys and enum values as UTF-8 bytes."""
    for value in (b"", b"key", "clé\u2028\"'".encode(), bytes(range(256))):
        text = literal(value)
        assert text.isascii() and ast.literal_eval(text) == value


@FAST
@given(TEXT)
def test_a_comment_stays_a_comment(text: str) -> None:
    source = comment(text) + "\nx = 1\n"
    _no_hidden(source)
    assert [type(node) for node in ast.parse(source).body] == [ast.Assign]
    assert all(line.startswith("#") for line in comment(text).split("\n"))


@FAST
@given(TEXT)
def test_escaping_hidden_characters_keeps_a_literals_value(text: str) -> None:
    # A string literal as a careless writer emits it: quotes and backslashes escaped, everything else raw.
    body = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
    source = f'x = "{body}"  # {text.splitlines()[0] if text.splitlines() else ""}\n'
    escaped = escape_hidden(source)
    _no_hidden(escaped)
    namespace: dict[str, Any] = {}
    exec(compile(escaped, "<test>", "exec"), namespace)
    assert namespace["x"] == text


def test_identifier_accepts_only_safe_identifiers() -> None:
    assert identifier("Job") == "Job"
    for bad in ("class", "1a", "a-b", "", "ﬁeld", "a\u200bb", None, 3):
        with pytest.raises(ValueError):
            identifier(bad)


def _safe(name: str) -> bool:
    return name.isidentifier() and not keyword.iskeyword(name) and unicodedata.normalize("NFKC", name) == name


@FAST
@given(st.lists(NAME, max_size=12, unique=True))
def test_field_names_are_safe_unique_and_keep_good_names(originals: list[str]) -> None:
    chosen = names.field_names(originals)
    assert list(chosen) == originals
    attributes = list(chosen.values())
    assert all(_safe(name) and not name.startswith("_") for name in attributes), attributes
    assert not set(attributes) & names.RESERVED_FIELDS
    assert len({unicodedata.normalize("NFKC", name) for name in attributes}) == len(attributes)
    for original, attribute in chosen.items():
        if _safe(original) and not original.startswith("_") and original not in names.RESERVED_FIELDS:
            assert attribute == original


@FAST
@given(st.lists(NAME, max_size=12, unique=True))
def test_class_names_are_safe_and_unique_in_any_letter_case(originals: list[str]) -> None:
    chosen = names.class_names(originals, taken=["Root"])
    classes = list(chosen.values())
    assert all(_safe(name) for name in classes), classes
    assert not set(classes) & names.RESERVED_CLASSES
    assert len({name.casefold() for name in [*classes, "Root"]}) == len(classes) + 1


def test_names_examples() -> None:
    assert names.field_names(["class", "a-b", "a_b", "ﬁeld", "field", "ＩＤ", "ID", "", " ", "_x", "model_dump"]) == {
        "class": "class_",
        "a-b": "a_b_1",
        "a_b": "a_b",
        "ﬁeld": "field_1",
        "field": "field",
        "ＩＤ": "ID_1",
        "ID": "ID",
        "": "field_",
        " ": "field__1",
        "_x": "field_x",
        "model_dump": "model_dump_",
    }
    assert names.class_names(["Job", "job", "Model", "OpenEnum", "a.b.evil", "1Job", "None", "ＡＢ", "été"]) == {
        "Job": "Job",
        "job": "Job1",
        "Model": "ModelModel",
        "OpenEnum": "OpenEnumModel",
        "a.b.evil": "ABEvil",
        "1Job": "Schema1Job",
        "None": "NoneModel",
        "ＡＢ": "AB",
        "été": "Été",
    }


@pytest.mark.parametrize(
    ("pattern", "flagged"),
    [
        ("^(a+)+$", True),
        ("(\\w+\\s?)*", True),
        ("^(a|a)+$", True),
        ("^(ab|a.)*$", True),
        ("^[a-z]+$", False),
        ("^job-[a-z0-9]{1,64}$", False),
        ("^(ab)+$", False),
        ("(?<!x)y", False),
    ],
)
def test_the_lint_flags_catastrophic_backtracking(pattern: str, flagged: bool) -> None:
    assert (backtracking(pattern) is not None) is flagged

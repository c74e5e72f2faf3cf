"""The nodes of the validator's programs: the native scanner's (``evaljobs._scanner_programs.<api>``, read by
native/scan.c) and the walk's (``evaljobs._walk_programs.<api>``, read by ``evaljobs._validation.walk``).

A program is a tuple of nodes; a node refers to others by their index in it, so schemas may be recursive.
Both engines share one vocabulary: where they check the same thing, they use the same node (an array is an
``Array`` for both, an object of free-form keys a ``Map``). Some nodes belong to one engine only: the walk
mirrors the models (``Model``, ``Root``, ``Enum``, ``Literal``, ``Union``, ``Nullable``, ``Checked``: bounds
worded as the models word them), the scanner compares bytes (``Struct``, ``RawLiteral``, ``KindUnion``,
``Branches``). A bound the walk checks sits in a ``Checked`` node; the walk's own scalars and arrays carry
none (their bound fields keep their defaults).

Each node is a NamedTuple whose last field, ``kind``, names it for the C scanner (which reads a node by
position, its kind last) and keeps nodes of different kinds unequal (tuples compare by value). The scanner's
programs are written as plain tuples of the same fields (a node equals its plain tuple), which cost no start-up.
"""

# (no ``from __future__ import annotations``: typing.NamedTuple compiles each field's annotation when it is a
# string: half a millisecond of start-up here)
from typing import Any as _Any
from typing import Literal as _Kind
from typing import NamedTuple

__all__ = [
    "INT_MAX",
    "INT_MIN",
    "AnyValue",
    "Array",
    "Bool",
    "Branches",
    "Checked",
    "DateTime",
    "Discriminator",
    "Enum",
    "Field",
    "Float",
    "Int",
    "KindUnion",
    "Literal",
    "Map",
    "Model",
    "Null",
    "Nullable",
    "RawLiteral",
    "Root",
    "Str",
    "Struct",
    "Union",
    "Unsure",
]

INT_MIN, INT_MAX = -(2**63), 2**63 - 1
"""The scanner compares integers within int64."""


# -- records ----------------------------------------------------------------------------------------------


class Field(NamedTuple):
    """A field of a ``Model`` (``key`` a string) or a ``Struct`` (``key`` its UTF-8 bytes, compared raw)."""

    key: _Any  # str in a Model, bytes in a Struct
    node: int
    required: bool


class Discriminator(NamedTuple):
    """The tag of a discriminated ``Union``: the property ``key``, and the member each tag value names."""

    key: str
    tags: tuple[tuple[str, int], ...]  # (tag, member node)


# -- nodes of both engines ----------------------------------------------------------------------------------


class AnyValue(NamedTuple):
    """Any JSON value."""

    kind: _Kind["any"] = "any"


class Null(NamedTuple):
    """null."""

    kind: _Kind["null"] = "null"


class Bool(NamedTuple):
    """true or false."""

    kind: _Kind["bool"] = "bool"


class Unsure(NamedTuple):
    """What the engine cannot check exactly: the scanner answers "cannot tell", the walk leaves the payload to
    the models; ``why`` says what it is (the walk's programs)."""

    why: str = ""
    kind: _Kind["unsure"] = "unsure"


class Str(NamedTuple):
    """A string of ``min_length`` to ``max_length`` code points (-1: no bound; the scanner's)."""

    min_length: int = -1
    max_length: int = -1
    kind: _Kind["str"] = "str"


class Int(NamedTuple):
    """An integer (not a boolean) from ``low`` to ``high`` inclusive, a multiple of ``multiple_of`` (0: any;
    the scanner's bounds, within int64)."""

    low: int = INT_MIN
    high: int = INT_MAX
    multiple_of: int = 0
    kind: _Kind["int"] = "int"


class Float(NamedTuple):
    """A number (an integer too) within ``low`` and ``high`` (None: no bound), each exclusive or not (the
    scanner's; the walk's number is ``Union((Int, Float))``, as the models' ``StrictInt | StrictFloat``)."""

    low: float | None = None
    high: float | None = None
    low_exclusive: bool = False
    high_exclusive: bool = False
    kind: _Kind["float"] = "float"


class DateTime(NamedTuple):
    """An RFC 3339 date-time string, with its calendar; its UTC offset required or not."""

    offset_required: bool = True
    kind: _Kind["datetime"] = "datetime"


class Array(NamedTuple):
    """An array, each item checked by node ``item``, of ``min_items`` to ``max_items`` items (-1: no bound;
    the scanner's)."""

    item: int
    min_items: int = -1
    max_items: int = -1
    kind: _Kind["array"] = "array"


class Map(NamedTuple):
    """An object of any keys, each value checked by node ``value``, of ``min_properties`` to
    ``max_properties`` keys (-1: no bound; the scanner's)."""

    value: int
    min_properties: int = -1
    max_properties: int = -1
    kind: _Kind["map"] = "map"


# -- nodes of the native scanner ----------------------------------------------------------------------------


class Struct(NamedTuple):
    """An object with declared ``fields`` (keys as bytes). Closed (an unknown key refused) unless ``open``
    (the lenient program: an unknown key takes any value and is not checked for duplicates).
    ``whole_or_empty``: 0 plain; 1 (anyOf) or 2 (oneOf): "this object or the empty one", the required fields
    all present or the object empty."""

    fields: tuple[Field, ...]
    whole_or_empty: int = 0
    open: bool = False
    kind: _Kind["struct"] = "struct"


class RawLiteral(NamedTuple):
    """One of the listed values, compared as raw JSON text: strings (UTF-8 bytes, without escapes), integers
    (within int64), null if ``null``."""

    strings: tuple[bytes, ...] = ()
    integers: tuple[int, ...] = ()
    null: bool = False
    kind: _Kind["raw_literal"] = "raw_literal"


class KindUnion(NamedTuple):
    """A value checked by the node of its JSON kind (-1: that kind refused)."""

    string: int = -1
    integer: int = -1
    number: int = -1
    boolean: int = -1
    null: int = -1
    object: int = -1
    array: int = -1
    kind: _Kind["kind_union"] = "kind_union"


class Branches(NamedTuple):
    """Each of ``members`` (a union of several objects) tried on the value: at least one accepts it, exactly
    one if ``exactly_one`` (a oneOf)."""

    members: tuple[int, ...]
    exactly_one: bool = False
    kind: _Kind["branches"] = "branches"


# -- nodes of the walk (the models' annotations) --------------------------------------------------------------


class Model(NamedTuple):
    """A class of the models with ``fields`` (keys as strings); ``scanned``: the schema whose strict scanner
    program checks it, if one does (the walk may pass over a part the scanner finds valid)."""

    name: str
    fields: tuple[Field, ...]
    scanned: str | None = None
    kind: _Kind["model"] = "model"


class Root(NamedTuple):
    """A root model of the models (a class around one value, checked by ``node``); ``scanned`` as a Model's."""

    name: str
    node: int
    scanned: str | None = None
    kind: _Kind["root"] = "root"


class Enum(NamedTuple):
    """An enum class of the models, of strings: any string is valid (an unlisted one is drift), ``expected``
    worded for a value of another kind."""

    name: str
    values: tuple[str, ...]
    expected: str
    kind: _Kind["enum"] = "enum"


class Literal(NamedTuple):
    """A ``Literal`` of the models: one of ``values`` (strings, integers, booleans, None), ``expected`` its
    wording."""

    values: tuple[_Any, ...]
    expected: str
    kind: _Kind["literal"] = "literal"


class Nullable(NamedTuple):
    """null, or what ``node`` checks."""

    node: int
    kind: _Kind["nullable"] = "nullable"


class Union(NamedTuple):
    """One of ``members``; with a ``discriminator``, the member its tag names."""

    members: tuple[int, ...]
    discriminator: Discriminator | None = None
    kind: _Kind["union"] = "union"


class Checked(NamedTuple):
    """What ``node`` checks, then ``constraints`` as the models' field metadata: (name, bound) pairs, names
    ``ge``, ``gt``, ``le``, ``lt``, ``multiple_of``, ``min_length``, ``max_length``, ``pattern``."""

    node: int
    constraints: tuple[tuple[str, _Any], ...]
    kind: _Kind["checked"] = "checked"

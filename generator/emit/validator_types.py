"""Translate a spec's schemas into the native scanner's programs (``evaljobs._scanner_programs.<api>``).

The strict program accepts a payload only if the payload is valid *and* has no drift: every object with
declared properties is closed, enums are exact, date-times must be exact RFC 3339. Whatever it refuses goes to
the walk, which decides and explains. So the one rule here: never accept more than the schema does. A
construct this module cannot express exactly makes the schema that reaches it scanner-less (``None``), never
approximated.

The *lenient* flavour differs only where drift is allowed: objects take unknown fields (unless the schema
closes them with ``additionalProperties: false``) and string enums take any string. It accepts a payload only
if the payload is valid, drift or not; which drift is then the walk's to name.

The types are still worked out as type annotations (the vocabulary of the msgspec types this module wrote
until they were dropped) before their scanner nodes are placed: the annotation text says which constructs
are expressible, and is not written anywhere.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.emit.render import py_literal
from generator.spec_walk import resolve_pointer

# msgspec checks bounds within int64; larger integers (up to 2**64 - 1, which the full path takes) go there.
INT_MIN, INT_MAX = -(2**63), 2**63 - 1

_UNSUPPORTED = frozenset(
    {
        "allOf",
        "not",
        "if",
        "then",
        "else",
        "dependentSchemas",
        "dependentRequired",
        "unevaluatedProperties",
        "unevaluatedItems",
        "contains",
        "patternProperties",
        "propertyNames",
        "prefixItems",
        "uniqueItems",
        "$dynamicRef",
        "$recursiveRef",
        "minContains",
        "maxContains",
    }
)
_KIND_OF = {"str": "str", "int": "int", "float": "float", "bool": "bool", "None": "None"}


class Inexpressible(Exception):
    """A construct msgspec cannot check exactly."""


Native = tuple[Any, ...]
"""A node of the native scanner (native/scan.c), nested: a struct is ``("ref", struct name)``."""
UNSURE: Native = ("unsure",)  # the scanner answers "not certainly": the walk decides


@dataclass
class Field:
    attr: str
    key: str
    annotation: str
    required: bool
    native: Native = UNSURE  # what the native scanner checks (see native_program)


@dataclass
class Trial:
    """A union of several object types, which msgspec cannot decode directly: the field is kept as raw JSON
    and each branch is tried in ``__post_init__`` (``exactly_one`` for oneOf)."""

    attr: str
    branches: list[str]
    exactly_one: bool


@dataclass
class Struct:
    name: str
    source: str
    closed: bool = True  # forbid_unknown_fields
    fields: list[Field] = field(default_factory=list)
    trials: list[Trial] = field(default_factory=list)
    # a union "this object or the empty object": the attributes of the object's required fields (here
    # optional), all present or the whole object empty; and whether it was a oneOf
    whole_or_empty: tuple[list[str], bool] | None = None


@dataclass
class _Type:
    """An annotation and the kinds of JSON value it takes (msgspec allows one type per kind in a union),
    and the native scanner's node checking the same (never accepting more)."""

    text: str
    kinds: frozenset[str]
    objects: int = 0  # object-like members (Structs, dicts)
    native: Native = UNSURE


class FastTypes:
    """The fast-path types of one document: ``targets`` maps each schema name to its annotation (or None)."""

    def __init__(self, document: Mapping[str, Any], kind: str, *, lenient: bool = False) -> None:
        self.document = document
        self.lenient = lenient
        self.prefix = "#/components/schemas/" if kind == "openapi" else "#/$defs/"
        self.structs: dict[str, Struct] = {}
        self._by_ref: dict[str, str] = {}
        self._order: list[str] = []
        self._names: dict[str, str] = {}
        self._merged: dict[tuple[str, bool], str] = {}  # (struct, oneOf) -> its "or the empty object" struct
        self._natives: dict[str, Native] = {}  # target name -> its native node (nested)

    def target(self, ref: str, name: str) -> str | None:
        """The annotation that checks the schema at ``ref`` (named ``name``) exactly, or None when there is none."""
        saved = (dict(self.structs), dict(self._by_ref), list(self._order))
        self._names.setdefault(ref, name)
        try:
            typed = self._ref(ref)
            if typed.objects > 1:  # a union of several object types: msgspec decodes it only inside a struct
                raise Inexpressible(f"a union of {typed.objects} object types at the top of {ref}")
        except Inexpressible:
            self.structs, self._by_ref, self._order = saved
            return None
        self._natives[name] = typed.native
        return typed.text

    def native_program(
        self, targets: Mapping[str, str | None]
    ) -> tuple[tuple[Native, ...], dict[str, int], dict[str, int]]:
        """The native scanner's program (flat nodes, referring to each other by index), the node of each
        target that has one, and of a list of its values (for the drift walk). Every node accepts at most what
        its annotation describes; the scanner also refuses duplicate keys (the lenient program's open objects
        do not check their unknown keys: its payloads have been decoded strictly before)."""
        nodes: list[Native] = []
        placed: dict[Native, int] = {}
        structs: dict[str, int] = {}

        def place(native: Native) -> int:
            if native[0] == "ref":
                if native[1] not in structs:
                    structs[native[1]] = len(nodes)
                    nodes.append(UNSURE)
                    nodes[structs[native[1]]] = self._native_struct(self.structs[native[1]], place)
                return structs[native[1]]
            if native[0] == "node":  # already placed
                return int(native[1])
            if native[0] in ("array", "map"):
                native = (native[0], place(native[1]), *native[2:])
            elif native[0] == "union":
                native = ("union", *(-1 if member is None else place(member) for member in native[1:]))
            elif native[0] == "branches":
                native = ("branches", tuple(place(member) for member in native[1]), native[2])
            if native not in placed:
                placed[native] = len(nodes)
                nodes.append(native)
            return placed[native]

        found = {name: place(self._natives[name]) for name, text in targets.items() if text is not None}
        lists = {name: place(("array", ("node", index), -1, -1)) for name, index in found.items()}
        return tuple(nodes), found, lists

    @staticmethod
    def _native_struct(struct: Struct, place: Callable[[Native], int]) -> Native:
        required = set(struct.whole_or_empty[0]) if struct.whole_or_empty else None
        properties = tuple(
            (f.key.encode("utf-8"), place(f.native), f.required if required is None else f.attr in required)
            for f in struct.fields
        )
        mode = 0 if struct.whole_or_empty is None else 2 if struct.whole_or_empty[1] else 1
        return ("struct", properties, mode) if struct.closed else ("struct", properties, mode, True)

    def top_level_fields(self, targets: Mapping[str, str | None]) -> dict[str, tuple[str, ...]]:
        """The JSON names of the fields of each target whose fast type is a struct, sorted."""
        return {
            name: tuple(sorted(item.key for item in self.structs[text].fields))
            for name, text in targets.items()
            if text in self.structs
        }

    def _ref(self, ref: str) -> _Type:
        schema = resolve_pointer(self.document, ref)
        if _is_struct(schema):
            if ref not in self._by_ref:
                name = self._struct_name(ref)
                self._by_ref[ref] = name
                closed = not self.lenient or schema.get("additionalProperties") is False
                self.structs[name] = Struct(name, ref, closed)
                self._fill(self.structs[name], schema)
                self._order.append(name)
            return _Type(self._by_ref[ref], frozenset({"object"}), 1, ("ref", self._by_ref[ref]))
        if ref in self._by_ref and self._by_ref[ref] == "":
            raise Inexpressible(f"recursive non-object schema at {ref}")
        self._by_ref.setdefault(ref, "")
        try:
            return self._type(schema)
        finally:
            if self._by_ref.get(ref) == "":
                del self._by_ref[ref]

    def _struct_name(self, ref: str) -> str:
        base = self._names.get(ref, ref.rsplit("/", 1)[-1])
        name = f"S_{base}" if base.isidentifier() and base.isascii() else f"S_{len(self.structs)}"
        while name in self.structs:
            name += "_"
        return name

    def _fill(self, struct: Struct, schema: Mapping[str, Any]) -> None:
        if "additionalProperties" in schema and schema["additionalProperties"] not in (True, False, {}):
            raise Inexpressible("properties together with typed additionalProperties")
        if any(key in schema for key in ("minProperties", "maxProperties")):
            raise Inexpressible("property counts on an object with properties")
        required = set(schema.get("required", []))
        for index, (key, subschema) in enumerate(schema["properties"].items()):
            if any(char in key for char in '\\"') or any(ord(char) < 0x20 for char in key):
                raise Inexpressible(f"msgspec cannot name a field {key!r}")
            # a prefix no module-level name has: a property called `field` or `str` cannot shadow anything
            attr = f"f_{key}" if _plain_name(key) else f"f_{index}"
            member = self._type(subschema)
            if member.objects > 1 and not self.lenient:
                member = self._whole_or_empty(subschema) or member
            if member.objects > 1:
                members = self._members(subschema)
                exactly_one = "oneOf" in self._resolved(subschema)
                struct.trials.append(Trial(attr, [m.text for m in members], exactly_one))
                native = ("branches", tuple(m.native for m in members), exactly_one)
                annotation = _optional("msgspec.Raw", key in required)
                struct.fields.append(Field(attr, key, annotation, key in required, native=native))
            else:
                annotation = _optional(member.text, key in required)
                struct.fields.append(Field(attr, key, annotation, key in required, native=member.native))
        missing = required - set(schema["properties"])
        if missing:  # required but undeclared: any value is allowed, presence is checked in __post_init__
            raise Inexpressible(f"required names without properties: {sorted(missing)}")

    def _whole_or_empty(self, schema: Mapping[str, Any]) -> _Type | None:
        """A union of one object type and the empty object (``anyOf: [X, {}]``, and scalars), as one struct:
        X with its required fields made optional, checked in ``__post_init__`` to have all of them or no
        field at all. msgspec decodes it inline, which trying each branch (a Trial) cannot match for speed.
        Only for the strict types, whose structs are closed, so that "no field" means an empty object."""
        schema = self._resolved(schema)
        key = "oneOf" if "oneOf" in schema else "anyOf"
        members = [(member, self._type(member)) for member in schema.get(key) or []]
        objects = [member for member, typed in members if typed.objects]
        empty = [member for member in objects if _only_empty(self._resolved(member))]
        whole = [member for member in objects if "$ref" in member and _is_struct(self._resolved(member))]
        if len(objects) != 2 or len(empty) != 1 or len(whole) != 1:
            return None
        name = self._by_ref.get(whole[0]["$ref"])
        if name not in self._order or self.structs[name].trials or self.structs[name].whole_or_empty:
            return None  # still being built (a cycle), or already needing a __post_init__ of its own
        exactly_one = key == "oneOf"
        merged_name = self._merged.get((name, exactly_one))
        if merged_name not in self.structs:  # (a failed target() may have dropped it: see there)
            merged_name = f"{name}_OrEmpty"
            while merged_name in self.structs:
                merged_name += "_"
            self._merged[(name, exactly_one)] = merged_name
            source = self.structs[name]
            fields = [  # copies: ordered_structs sets `forward` for each struct
                Field(
                    f.attr,
                    f.key,
                    _optional(f.annotation, False) if f.required else f.annotation,
                    False,
                    native=f.native,
                )
                for f in source.fields
            ]
            required = [f.attr for f in source.fields if f.required]
            merged = Struct(merged_name, f"{source.source} or the empty object", True, fields)
            merged.whole_or_empty = (required, exactly_one)
            self.structs[merged_name] = merged
            self._order.append(merged_name)
        scalars = [typed for _, typed in members if not typed.objects]
        return _union([_Type(merged_name, frozenset({"object"}), 1, ("ref", merged_name)), *scalars])

    def _resolved(self, schema: Any) -> Any:
        while isinstance(schema, Mapping) and "$ref" in schema:
            schema = resolve_pointer(self.document, schema["$ref"])
        return schema

    def _members(self, schema: Mapping[str, Any]) -> list[_Type]:
        """The types of the members of a union of several objects (tried one by one: see Trial)."""
        schema = self._resolved(schema)
        return [self._type(member) for member in schema.get("anyOf") or schema.get("oneOf") or []]

    def _type(self, schema: Any) -> _Type:
        if schema is True or schema == {}:
            return _Type("Any", frozenset({"any"}), native=("any",))
        if not isinstance(schema, Mapping):
            raise Inexpressible("a false schema")
        if _UNSUPPORTED & schema.keys():
            raise Inexpressible(f"keywords {sorted(_UNSUPPORTED & schema.keys())}")
        if "$ref" in schema:
            if set(schema) - {"$ref", "description", "title", "examples", "example", "default"} - _extensions(schema):
                raise Inexpressible("$ref beside other keywords")
            return self._ref(schema["$ref"])
        if "const" in schema:
            return _literal([schema["const"]])
        if "enum" in schema:
            return _open_enum(schema["enum"]) if self.lenient else _literal(schema["enum"])
        if "discriminator" in schema:  # the models choose the member by it; msgspec cannot (and need not) say
            raise Inexpressible("a discriminator")
        for key in ("anyOf", "oneOf"):
            if key in schema:
                if "type" in schema:
                    raise Inexpressible(f"{key} beside type")
                return _union([self._type(member) for member in schema[key]])
        declared = schema.get("type")
        if isinstance(declared, list):
            return _union([self._type({**schema, "type": name}) for name in declared])
        if declared is None:
            raise Inexpressible("a schema without a type")
        return self._typed(schema, declared)

    def _typed(self, schema: Mapping[str, Any], declared: str) -> _Type:
        if declared == "object":
            if "properties" in schema:
                raise Inexpressible("an inline object with properties (hoist it to a named schema)")
            values = schema.get("additionalProperties", True)
            if values is False:
                return _Type(_meta("dict[str, Any]", max_length=0), frozenset({"object"}), 1, ("map", ("any",), -1, 0))
            member = (
                self._type(values) if values not in (True, {}) else _Type("Any", frozenset({"any"}), native=("any",))
            )
            if member.objects > 1:
                raise Inexpressible("a map of a union of objects")
            bounds = {"min_length": schema.get("minProperties"), "max_length": schema.get("maxProperties")}
            native: Native = ("map", member.native, *_counts(bounds))
            return _Type(_meta(f"dict[str, {member.text}]", **bounds), frozenset({"object"}), 1, native)
        if declared == "array":
            items = schema.get("items", True)
            member = self._type(items)
            if member.objects > 1:
                raise Inexpressible("an array of a union of objects")
            bounds = {"min_length": schema.get("minItems"), "max_length": schema.get("maxItems")}
            native = ("array", member.native, *_counts(bounds))
            return _Type(_meta(f"list[{member.text}]", **bounds), frozenset({"array"}), native=native)
        if declared == "string":
            pattern = schema.get("pattern")
            if schema.get("format") == "date-time":
                if pattern is not None or "minLength" in schema or "maxLength" in schema:
                    raise Inexpressible("constraints on a date-time")
                optional = schema.get("x-evaljobs-datetime-offset") == "optional"
                native = ("datetime", not optional)
                return _Type("LocalDateTime" if optional else "DateTime", frozenset({"str"}), native=native)
            lengths = {"min_length": schema.get("minLength"), "max_length": schema.get("maxLength")}
            text = _meta("str", **lengths, pattern=pattern)
            return _Type(text, frozenset({"str"}), native=UNSURE if pattern is not None else ("str", *_counts(lengths)))
        if declared in ("integer", "number"):
            bounds = _numeric_bounds(schema)
            if declared == "integer":
                bounds = _integer_bounds(bounds)
                low = max(INT_MIN, bounds.pop("ge", INT_MIN))
                high = min(INT_MAX, bounds.pop("le", INT_MAX))
                text = _meta("int", ge=low, le=high, **bounds)
                return _Type(text, frozenset({"int"}), native=_native_int(low, high, bounds))
            return _Type(_meta("float", **bounds), frozenset({"int", "float"}), native=_native_float(bounds))
        if declared == "boolean":
            return _Type("bool", frozenset({"bool"}), native=("bool",))
        if declared == "null":
            return _Type("None", frozenset({"None"}), native=("null",))
        raise Inexpressible(f"type {declared!r}")


def _optional(text: str, required: bool) -> str:
    """``text``, with ``UnsetType`` for a field that may be absent (before a trailing None, as ruff wants)."""
    if required:
        return text
    if text.endswith(" | None"):
        return f"{text[: -len(' | None')]} | UnsetType | None"
    return f"{text} | UnsetType"


def _extensions(schema: Mapping[str, Any]) -> set[str]:
    return {key for key in schema if key.startswith("x-")}


def _is_struct(schema: Any) -> bool:
    return isinstance(schema, Mapping) and "properties" in schema and "$ref" not in schema


def _only_empty(schema: Any) -> bool:
    """Whether ``schema`` is an object schema that accepts exactly the empty object."""
    if not isinstance(schema, Mapping) or schema.get("type") != "object" or schema.get("properties"):
        return False
    if (
        set(schema)
        - {"type", "properties", "additionalProperties", "maxProperties", "description", "title"}
        - (_extensions(schema))
    ):
        return False
    return schema.get("additionalProperties") is False or schema.get("maxProperties") == 0


def _plain_name(key: str) -> bool:
    return key.isidentifier() and key.isascii() and not keyword.iskeyword(key) and not key.startswith("_")


def _literal(values: list[Any]) -> _Type:
    kinds: set[str] = set()
    for value in values:
        if value is None:
            kinds.add("None")
        elif isinstance(value, str):
            kinds.add("str")
        elif isinstance(value, int) and not isinstance(value, bool):
            kinds.add("int")
        else:
            raise Inexpressible(f"an enum value {value!r} that Literal cannot hold")
    strings = tuple(value.encode("utf-8") for value in values if isinstance(value, str))
    integers = tuple(value for value in values if isinstance(value, int))
    native: Native = ("literal", strings, integers, None in values)
    if any(not INT_MIN <= value <= INT_MAX for value in integers) or any(b"\\" in s or b'"' in s for s in strings):
        native = UNSURE  # the scanner compares raw text and 64-bit integers
    return _Type(f"Literal[{', '.join(py_literal(value) for value in values)}]", frozenset(kinds), native=native)


def _open_enum(values: list[Any]) -> _Type:
    """A string enum as the lenient types take it: any string (an unlisted one is drift, not an error)."""
    closed = _literal(values)
    if closed.kinds - {"str", "None"}:
        return closed  # not a string enum: nothing to open
    if "None" not in closed.kinds:
        return _Type("str", closed.kinds, native=("str", -1, -1))
    native = ("union", ("str", -1, -1), None, None, None, ("null",), None, None)
    return _Type("str | None", closed.kinds, native=native)


def _union(members: list[_Type]) -> _Type:
    """A union msgspec can decode: object-like members may repeat (the field becomes a Trial), other kinds not."""
    seen: set[str] = set()
    for member in members:
        scalar = member.kinds - {"object"}
        if "any" in member.kinds or seen & scalar:
            raise Inexpressible("a union whose members overlap")
        seen |= scalar
    objects = sum(member.objects for member in members)  # more than one: a Trial decides (exactly one for oneOf)
    texts = list(dict.fromkeys(member.text for member in members))
    by_kind = {kind: member.native for member in members for kind in member.kinds}
    native = ("union", *(UNSURE if kind == "object" and objects > 1 else by_kind.get(kind) for kind in _UNION_KINDS))
    return _Type(" | ".join(texts), frozenset().union(*(m.kinds for m in members)), objects, native)


# the order of a union's members in a native node (the scanner's U_STR ... U_ARRAY)
_UNION_KINDS = ("str", "int", "float", "bool", "None", "object", "array")


def _counts(bounds: Mapping[str, Any]) -> tuple[int, int]:
    """A native node's (min, max) count from ``min_length``/``max_length`` (-1: no bound)."""
    found = []
    for key in ("min_length", "max_length"):
        value = bounds.get(key)
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise Inexpressible(f"{key} {value!r}")
        found.append(-1 if value is None else value)
    return found[0], found[1]


def _native_int(low: Any, high: Any, rest: Mapping[str, Any]) -> Native:
    """An integer node, its bounds made inclusive; UNSURE for bounds the scanner does not take."""
    if rest.keys() - {"gt", "lt", "multiple_of"}:
        return UNSURE
    if "gt" in rest:
        low = max(low, rest["gt"] + 1) if isinstance(rest["gt"], int) else None
    if "lt" in rest:
        high = min(high, rest["lt"] - 1) if isinstance(rest["lt"], int) else None
    multiple = rest.get("multiple_of", 0)
    if not (isinstance(low, int) and isinstance(high, int) and isinstance(multiple, int)) or multiple < 0:
        return UNSURE
    return ("int", min(max(low, INT_MIN), INT_MAX), max(min(high, INT_MAX), INT_MIN), multiple)


def _native_float(bounds: Mapping[str, Any]) -> Native:
    """A number node; UNSURE for multipleOf, for both bounds on one side, and for a bound a double cannot hold."""
    if "multiple_of" in bounds or {"ge", "gt"} <= bounds.keys() or {"le", "lt"} <= bounds.keys():
        return UNSURE
    low, high = bounds.get("ge", bounds.get("gt")), bounds.get("le", bounds.get("lt"))
    if any(isinstance(value, int) and abs(value) > 2**53 for value in (low, high)):
        return UNSURE
    return (
        "float",
        None if low is None else float(low),
        None if high is None else float(high),
        "gt" in bounds,
        "lt" in bounds,
    )


def _integer_bounds(bounds: dict[str, Any]) -> dict[str, Any]:
    """The bounds of an integer as integers (msgspec refuses a float bound on an int): ``minimum: -1.0`` is
    ``ge=-1``, ``exclusiveMinimum: 0.5`` is ``ge=1``; a fractional multipleOf is not expressible."""
    result: dict[str, Any] = {}
    for key, value in bounds.items():
        if isinstance(value, int):
            result[key] = value
        elif key == "multiple_of":
            if not float(value).is_integer():
                raise Inexpressible(f"multipleOf {value!r} on an integer")
            result[key] = int(value)
        elif float(value).is_integer():
            result[key] = int(value)
        elif key in ("ge", "gt"):  # x > 0.5 and x >= 0.5 both mean x >= 1 for an integer
            result["ge"] = math.ceil(value)
        else:
            result["le"] = math.floor(value)
    return result


def _numeric_bounds(schema: Mapping[str, Any]) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    for keyword_name, meta in (
        ("minimum", "ge"),
        ("maximum", "le"),
        ("exclusiveMinimum", "gt"),
        ("exclusiveMaximum", "lt"),
        ("multipleOf", "multiple_of"),
    ):
        value = schema.get(keyword_name)
        if isinstance(value, bool) or (value is not None and not isinstance(value, int | float)):
            raise Inexpressible(f"{keyword_name} {value!r}")
        if value is not None:
            bounds[meta] = value
    return bounds


def _meta(base: str, **constraints: Any) -> str:
    given = {key: value for key, value in constraints.items() if value is not None}
    if not given:
        return base
    for key in ("min_length", "max_length"):
        if key in given and not (isinstance(given[key], int) and not isinstance(given[key], bool)):
            raise Inexpressible(f"{key} {given[key]!r}")
    if "pattern" in given:
        if not isinstance(given["pattern"], str):
            raise Inexpressible("a pattern that is not a string")
        try:
            re.compile(given["pattern"])
        except re.error as error:
            raise Inexpressible(f"a pattern Python cannot compile: {error}") from None
    arguments = ", ".join(f"{key}={py_literal(value)}" for key, value in given.items())
    return f"Annotated[{base}, Meta({arguments})]"

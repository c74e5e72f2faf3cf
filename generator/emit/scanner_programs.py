"""The native scanner's programs (``evaljobs._scanner_programs.<api>``), compiled from the schema model's nodes.

The strict program accepts a payload only if the payload is valid *and* has no drift: every object with
declared properties is closed, enums are exact, date-times must be exact RFC 3339. Whatever it refuses goes to
the walk, which decides and explains. So the one rule here: never accept more than the schema does. A node
this module cannot check exactly makes the schema that reaches it scanner-less (no program), never
approximated.

The *lenient* program differs only where drift is allowed: objects take unknown fields (unless the schema
closes them with ``additionalProperties: false``) and string enums take any string. It accepts a payload only
if the payload is valid, drift or not; which drift is then the walk's to name.

The compiler reads generator.schema.nodes: a named schema (a ``Ref``, or an inline schema the model named) is
one scanner node however many places refer to it, an object with properties a ``Struct``. The program's nodes
are those of ``evaljobs._validation.program_nodes`` (read by native/scan.c); they refer to each other by index.
"""

from __future__ import annotations

import keyword
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.runtime._validation import program_nodes
from generator.runtime._validation.program_nodes import INT_MAX, INT_MIN
from generator.schema import SchemaModel
from generator.schema.nodes import (
    AnyValue,
    Array,
    Const,
    Enum,
    Node,
    Object,
    Ref,
    Scalar,
    Union,
)

# Keywords the scanner cannot check, kept by the nodes beside the ones they interpret (``rest``).
_UNSUPPORTED = frozenset(
    {
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
        "$dynamicRef",
        "$recursiveRef",
        "minContains",
        "maxContains",
    }
)
# Annotations a reference may carry and still be the schema it refers to.
_REF_ANNOTATIONS = frozenset({"description", "title", "examples", "example", "default"})
_OFFSET_KEY = "x-evaljobs-datetime-offset"


class Inexpressible(Exception):
    """A node the scanner cannot check exactly."""


Native = tuple[Any, ...]
"""A node of the native scanner while compiling: nested, its kind first, a struct ``("ref", struct name)``;
``ScannerPrograms.program`` lays them out flat as the nodes of ``evaljobs._validation.program_nodes``."""
ProgramNode = tuple[Any, ...]
"""A node of ``evaljobs._validation.program_nodes`` (a NamedTuple)."""
UNSURE: Native = ("unsure",)  # the scanner answers "not certainly": the walk decides
_ANY: Native = ("any",)


@dataclass
class Field:
    attr: str  # a name unique in its struct (a property's name, or its position)
    key: str  # the JSON name
    required: bool
    native: Native = UNSURE


@dataclass
class Struct:
    name: str
    closed: bool = True  # unknown keys refused
    fields: list[Field] = field(default_factory=list)
    tried: bool = False  # a field is a union of several objects, each tried ("branches")
    # a union "this object or the empty object": the attributes of the object's required fields (here
    # optional), all present or the whole object empty; and whether it was a oneOf
    whole_or_empty: tuple[list[str], bool] | None = None


@dataclass(frozen=True)
class _Type:
    """What a node compiles to: the kinds of JSON value it takes (a union takes one member per kind, objects
    aside), how many of its members are objects, and the scanner's node checking the same."""

    kinds: frozenset[str]
    objects: int = 0
    native: Native = UNSURE


_NULL = _Type(frozenset({"None"}), native=("null",))


class ScannerPrograms:
    """The scanner's program of one schema model (strict, or ``lenient``): ``target`` compiles each schema a
    payload can be checked against, ``program`` lays the nodes out flat."""

    def __init__(self, model: SchemaModel, *, lenient: bool = False) -> None:
        self.model = model
        self.lenient = lenient
        self.structs: dict[str, Struct] = {}
        self._inline = {node.name: node for node in model.inline if node.name}
        self._by_key: dict[str, str] = {}  # named schema -> its struct ("" while a non-object is compiled)
        self._order: list[str] = []  # the structs compiled whole
        self._names: dict[str, str] = {}  # named schema -> the target name it was asked for by
        self._merged: dict[tuple[str, bool], str] = {}  # (struct, oneOf) -> its "or the empty object" struct
        self._natives: dict[str, Native] = {}  # target name -> its native node (nested)
        self._tops: dict[str, str] = {}  # target name -> its struct, when it is one

    def target(self, key: str, name: str) -> bool:
        """Compile the named schema ``key`` (checked as ``name``); False when the scanner cannot check it."""
        saved = (dict(self.structs), dict(self._by_key), list(self._order))
        self._names.setdefault(key, name)
        try:
            typed = self._ref(key)
            if typed.objects > 1:  # a union of several object types: the scanner tries members only in a struct
                raise Inexpressible(f"a union of {typed.objects} object types at the top of {key!r}")
        except Inexpressible:
            self.structs, self._by_key, self._order = saved
            return False
        self._natives[name] = typed.native
        if typed.native[0] == "ref":
            self._tops[name] = typed.native[1]
        return True

    def program(self, names: list[str]) -> tuple[tuple[ProgramNode, ...], dict[str, int], dict[str, int]]:
        """The scanner's program (flat nodes, referring to each other by index), the node of each of ``names``
        that compiled, and of a list of its values (for the drift walk). Every node accepts at most what its
        schema does; the scanner also refuses duplicate keys (the lenient program's open objects do not check
        their unknown keys: its payloads have been decoded strictly before)."""
        nodes: list[ProgramNode] = []
        placed: dict[ProgramNode, int] = {}
        structs: dict[str, int] = {}

        def place(native: Native) -> int:
            kind = native[0]
            if kind == "ref":
                if native[1] not in structs:
                    structs[native[1]] = len(nodes)
                    nodes.append(program_nodes.Unsure())
                    nodes[structs[native[1]]] = _native_struct(self.structs[native[1]], place)
                return structs[native[1]]
            if kind == "node":  # already placed
                return int(native[1])
            node: ProgramNode
            if kind in ("array", "map"):
                node = (program_nodes.Array if kind == "array" else program_nodes.Map)(place(native[1]), *native[2:])
            elif kind == "union":
                string, integer, number, boolean, null, object_, array = (
                    -1 if member is None else place(member) for member in native[1:]
                )
                node = program_nodes.KindUnion(string, integer, number, boolean, null, object_, array)
            elif kind == "branches":
                node = program_nodes.Branches(tuple(place(member) for member in native[1]), native[2])
            else:
                node = _LEAVES[kind](*native[1:])
            if node not in placed:
                placed[node] = len(nodes)
                nodes.append(node)
            return placed[node]

        found = {name: place(self._natives[name]) for name in names if name in self._natives}
        lists = {name: place(("array", ("node", index), -1, -1)) for name, index in found.items()}
        return tuple(nodes), found, lists

    def top_level_fields(self, names: list[str]) -> dict[str, tuple[str, ...]]:
        """The JSON names of the fields of each of ``names`` whose program is a struct, sorted."""
        return {
            name: tuple(sorted(item.key for item in self.structs[self._tops[name]].fields))
            for name in names
            if name in self._tops
        }

    # -- named schemas ----------------------------------------------------------------------------------------

    def _definition(self, key: str) -> tuple[Node, bool]:
        """The node of the named schema ``key``, and whether it is written without the null its places allow
        (an inline schema given a name: null stays at the place)."""
        if key in self.model.named:
            return self.model.named[key].node, False
        if key in self._inline:
            return self._inline[key], True
        raise Inexpressible(f"no schema named {key!r}")

    def _ref(self, key: str) -> _Type:
        node, bare = self._definition(key)
        if _is_struct(node):
            assert isinstance(node, Object)
            if key not in self._by_key:
                name = self._struct_name(key)
                self._by_key[key] = name
                self.structs[name] = Struct(name, not self.lenient or node.additional is False)
                self._fill(self.structs[name], node)
                self._order.append(name)
            return _Type(frozenset({"object"}), 1, ("ref", self._by_key[key]))
        if self._by_key.get(key) == "":
            raise Inexpressible(f"recursive non-object schema {key!r}")
        self._by_key.setdefault(key, "")
        try:
            return self._type(node, bare=bare)
        finally:
            if self._by_key.get(key) == "":
                del self._by_key[key]

    def _struct_name(self, key: str) -> str:
        base = self._names.get(key, self.model.ref_of(key).rsplit("/", 1)[-1])
        name = f"S_{base}" if base.isidentifier() and base.isascii() else f"S_{len(self.structs)}"
        while name in self.structs:
            name += "_"
        return name

    def _fill(self, struct: Struct, node: Object) -> None:
        if _unsupported(node):
            raise Inexpressible(f"keywords {_unsupported(node)} beside properties")
        if isinstance(node.additional, Node) and not _empty(node.additional):
            raise Inexpressible("properties together with typed additionalProperties")
        if node.constraints.keys() & {"minProperties", "maxProperties"}:
            raise Inexpressible("property counts on an object with properties")
        for index, (key, child) in enumerate(node.properties.items()):
            if any(char in key for char in '\\"') or any(ord(char) < 0x20 for char in key):
                raise Inexpressible(f"the scanner compares raw keys: {key!r}")
            attr = key if _plain_name(key) else f"#{index}"
            required = key in node.required
            member = self._at(child)
            if member.objects > 1 and not self.lenient:
                member = self._whole_or_empty(child) or member
            if member.objects > 1:
                members, exactly_one = self._members(child)
                struct.tried = True
                native: Native = ("branches", tuple(self._at(m).native for m in members), exactly_one)
                struct.fields.append(Field(attr, key, required, native))
            else:
                struct.fields.append(Field(attr, key, required, member.native))
        missing = set(node.required) - set(node.properties)
        if missing:
            raise Inexpressible(f"required names without properties: {sorted(missing)}")

    def _resolved(self, node: Node) -> tuple[Node, bool]:
        """``node`` where it sits, references followed (and whether it is written without its null)."""
        node, bare = _placed(node), False
        seen: set[str] = set()
        while isinstance(node, Ref) and not node.nullable and node.target not in seen:
            seen.add(node.target)
            node, bare = self._definition(node.target)
        return node, bare

    def _members(self, child: Node) -> tuple[tuple[Node, ...], bool]:
        """The members of the union at ``child`` (references followed) and whether it is a oneOf."""
        node, _ = self._resolved(child)
        if isinstance(node, Union):
            return node.members, node.exclusive
        if isinstance(node, Ref):  # a reference where null is allowed: anyOf [the reference, null]
            return (Ref(pointer=node.pointer, target=node.target), Scalar(pointer=node.pointer, types=("null",))), False
        return (), False

    def _whole_or_empty(self, child: Node) -> _Type | None:
        """A union of one object type and the empty object (``anyOf: [X, {}]``, and scalars), as one struct:
        X with its required fields made optional, checked by the scanner to have all of them or no field at
        all (faster than trying each member). Only for the strict program, whose structs are closed, so that
        "no field" means an empty object."""
        members, exactly_one = self._members(child)
        typed = [(member, self._at(member)) for member in members]
        objects = [member for member, found in typed if found.objects]
        empty = [member for member in objects if _only_empty(*self._resolved(member))]
        whole = [m for m in objects if _refers(m) and _is_struct(self._resolved(m)[0])]
        if len(objects) != 2 or len(empty) != 1 or len(whole) != 1:
            return None
        target = _placed(whole[0])
        assert isinstance(target, Ref)
        name = self._by_key.get(target.target)
        if name not in self._order or self.structs[name].tried or self.structs[name].whole_or_empty:
            return None  # still being compiled (a cycle), or with a check of its own already
        merged_name = self._merged.get((name, exactly_one))
        if merged_name not in self.structs:  # (a failed target() may have dropped it: see there)
            merged_name = f"{name}_OrEmpty"
            while merged_name in self.structs:
                merged_name += "_"
            self._merged[(name, exactly_one)] = merged_name
            source = self.structs[name]
            merged = Struct(merged_name, True, [Field(f.attr, f.key, False, f.native) for f in source.fields])
            merged.whole_or_empty = ([f.attr for f in source.fields if f.required], exactly_one)
            self.structs[merged_name] = merged
            self._order.append(merged_name)
        scalars = [found for _, found in typed if not found.objects]
        return _union([_Type(frozenset({"object"}), 1, ("ref", merged_name)), *scalars])

    # -- nodes ----------------------------------------------------------------------------------------------

    def _at(self, node: Node) -> _Type:
        """The type of ``node`` where it sits (a named inline schema: a reference to it)."""
        return self._type(_placed(node))

    def _type(self, node: Node, *, bare: bool = False) -> _Type:
        """The type of ``node``'s definition (``bare``: without the null its places allow)."""
        nullable = node.nullable and not bare
        if isinstance(node, AnyValue):
            if not _empty(node):
                raise Inexpressible("a schema without a type")
            return _Type(frozenset({"any"}), native=_ANY)
        if not isinstance(node, Ref | Scalar | Enum | Const | Array | Object | Union):
            raise Inexpressible(f"a {type(node).__name__} node")  # an allOf kept whole, a verbatim schema
        if _unsupported(node):
            raise Inexpressible(f"keywords {_unsupported(node)}")
        if isinstance(node, Ref):
            if nullable:
                return _union([self._ref(node.target), _NULL])
            if node.annotations.keys() - _REF_ANNOTATIONS:
                raise Inexpressible("a reference beside other keywords")
            return self._ref(node.target)
        if isinstance(node, Const):
            return _literal([node.value])
        if isinstance(node, Enum):
            values = [*node.values, None] if nullable and node.null_by == "enum" else list(node.values)
            return _open_enum(values) if self.lenient else _literal(values)
        if "discriminator" in node.rest or (isinstance(node, Union) and node.discriminator is not None):
            raise Inexpressible("a discriminator")  # the models choose the member by it; the scanner need not
        if isinstance(node, Union):
            return _union([self._at(member) for member in node.members])
        if isinstance(node, Scalar):
            types = [kind for kind in node.types if kind != "null" or nullable or not node.nullable]
            if len(types) > 1:
                return _union([_scalar(node, kind) for kind in types])
            return _scalar(node, types[0])
        if isinstance(node, Object) and not (node.declared or nullable):
            raise Inexpressible("a schema without a type")
        found = self._array(node) if isinstance(node, Array) else self._map(node)
        return _union([found, _NULL]) if nullable else found

    def _array(self, node: Array) -> _Type:
        if "uniqueItems" in node.constraints:
            raise Inexpressible("uniqueItems")
        member = self._at(node.items) if node.items is not None else _Type(frozenset({"any"}), native=_ANY)
        if member.objects > 1:
            raise Inexpressible("an array of a union of objects")
        counts = _counts(node.constraints.get("minItems"), node.constraints.get("maxItems"))
        return _Type(frozenset({"array"}), native=("array", member.native, *counts))

    def _map(self, node: Object) -> _Type:
        if node.properties:
            raise Inexpressible("an inline object with properties (the model names it)")
        if node.additional is False:
            return _Type(frozenset({"object"}), 1, ("map", _ANY, -1, 0))
        if isinstance(node.additional, Node):
            member = self._at(node.additional)
        else:
            member = _Type(frozenset({"any"}), native=_ANY)
        if member.objects > 1:
            raise Inexpressible("a map of a union of objects")
        counts = _counts(node.constraints.get("minProperties"), node.constraints.get("maxProperties"))
        return _Type(frozenset({"object"}), 1, ("map", member.native, *counts))


def _native_struct(struct: Struct, place: Callable[[Native], int]) -> ProgramNode:
    required = set(struct.whole_or_empty[0]) if struct.whole_or_empty else None
    properties = tuple(
        program_nodes.Field(
            f.key.encode("utf-8"), place(f.native), f.required if required is None else f.attr in required
        )
        for f in struct.fields
    )
    mode = 0 if struct.whole_or_empty is None else 2 if struct.whole_or_empty[1] else 1
    return program_nodes.Struct(properties, mode, not struct.closed)


# the nodes without children, by the kind a nested native node names them while compiling
_LEAVES: dict[str, Callable[..., ProgramNode]] = {
    "any": program_nodes.AnyValue,
    "null": program_nodes.Null,
    "bool": program_nodes.Bool,
    "unsure": program_nodes.Unsure,
    "int": program_nodes.Int,
    "float": program_nodes.Float,
    "str": program_nodes.Str,
    "datetime": program_nodes.DateTime,
    "literal": program_nodes.RawLiteral,
}


def _placed(node: Node) -> Node:
    """``node`` as its place holds it: a named inline schema is a reference to its name there."""
    if node.name is None or isinstance(node, Ref):
        return node
    return Ref(pointer=node.pointer, target=node.name, nullable=node.nullable)


def _refers(node: Node) -> bool:
    """Whether ``node``'s place is a plain reference (null not allowed beside it)."""
    placed = _placed(node)
    return isinstance(placed, Ref) and not placed.nullable


def _unsupported(node: Node) -> list[str]:
    return sorted(_UNSUPPORTED & node.rest.keys())


def _empty(node: Node) -> bool:
    """Whether ``node`` says nothing at all (``{}``: any value, no annotation either)."""
    return isinstance(node, AnyValue) and node.name is None and not (node.annotations or node.extensions or node.rest)


def _is_struct(node: Node) -> bool:
    return isinstance(node, Object) and bool(node.properties)


def _only_empty(node: Node, bare: bool) -> bool:
    """Whether ``node`` is an object schema that accepts exactly the empty object."""
    if not isinstance(node, Object) or not node.declared or (node.nullable and not bare) or node.properties:
        return False
    if node.required or node.rest or node.constraints.keys() - {"maxProperties"}:
        return False
    if node.annotations.keys() - {"description", "title"}:
        return False
    return node.additional is False or node.constraints.get("maxProperties") == 0


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
            raise Inexpressible(f"an enum value {value!r} the scanner cannot compare")
    strings = tuple(value.encode("utf-8") for value in values if isinstance(value, str))
    integers = tuple(value for value in values if isinstance(value, int))
    native: Native = ("literal", strings, integers, None in values)
    if any(not INT_MIN <= value <= INT_MAX for value in integers) or any(b"\\" in s or b'"' in s for s in strings):
        native = UNSURE  # the scanner compares raw text and 64-bit integers
    return _Type(frozenset(kinds), native=native)


def _open_enum(values: list[Any]) -> _Type:
    """A string enum as the lenient program takes it: any string (an unlisted one is drift, not an error)."""
    closed = _literal(values)
    if closed.kinds - {"str", "None"}:
        return closed  # not a string enum: nothing to open
    if "None" not in closed.kinds:
        return _Type(closed.kinds, native=("str", -1, -1))
    return _Type(closed.kinds, native=("union", ("str", -1, -1), None, None, None, ("null",), None, None))


def _union(members: list[_Type]) -> _Type:
    """A union the scanner can check: object-like members may repeat (a struct's field then tries each: the
    "branches" node), other kinds not."""
    seen: set[str] = set()
    for member in members:
        scalar = member.kinds - {"object"}
        if "any" in member.kinds or seen & scalar:
            raise Inexpressible("a union whose members overlap")
        seen |= scalar
    objects = sum(member.objects for member in members)
    by_kind = {kind: member.native for member in members for kind in member.kinds}
    native = ("union", *(UNSURE if kind == "object" and objects > 1 else by_kind.get(kind) for kind in _UNION_KINDS))
    return _Type(frozenset().union(*(m.kinds for m in members)), objects, native)


# the order of a union's members in a native node (the scanner's U_STR ... U_ARRAY)
_UNION_KINDS = ("str", "int", "float", "bool", "None", "object", "array")


def _scalar(node: Scalar, declared: str) -> _Type:
    constraints = node.constraints
    if declared == "string":
        pattern = constraints.get("pattern")
        if node.format == "date-time":
            if pattern is not None or "minLength" in constraints or "maxLength" in constraints:
                raise Inexpressible("constraints on a date-time")
            return _Type(frozenset({"str"}), native=("datetime", node.extensions.get(_OFFSET_KEY) != "optional"))
        counts = _counts(constraints.get("minLength"), constraints.get("maxLength"))
        if pattern is not None:
            _check_pattern(pattern)
            return _Type(frozenset({"str"}), native=UNSURE)
        return _Type(frozenset({"str"}), native=("str", *counts))
    if declared in ("integer", "number"):
        bounds = _numeric_bounds(constraints)
        if declared == "number":
            return _Type(frozenset({"int", "float"}), native=_native_float(bounds))
        bounds = _integer_bounds(bounds)
        low = max(INT_MIN, bounds.pop("ge", INT_MIN))
        high = min(INT_MAX, bounds.pop("le", INT_MAX))
        return _Type(frozenset({"int"}), native=_native_int(low, high, bounds))
    if declared == "boolean":
        return _Type(frozenset({"bool"}), native=("bool",))
    if declared == "null":
        return _NULL
    raise Inexpressible(f"type {declared!r}")


def _check_pattern(pattern: Any) -> None:
    """A pattern the walk can compile (the scanner leaves patterns to it)."""
    if not isinstance(pattern, str):
        raise Inexpressible("a pattern that is not a string")
    try:
        re.compile(pattern)
    except re.error as error:
        raise Inexpressible(f"a pattern Python cannot compile: {error}") from None


def _counts(low: Any, high: Any) -> tuple[int, int]:
    """A native node's (min, max) count (-1: no bound)."""
    for value in (low, high):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise Inexpressible(f"a count {value!r}")
    return (-1 if low is None else low), (-1 if high is None else high)


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
    """The bounds of an integer as integers: ``minimum: -1.0`` is ``ge=-1``, ``exclusiveMinimum: 0.5`` is
    ``ge=1``; a fractional multipleOf is not expressible."""
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


def _numeric_bounds(constraints: Mapping[str, Any]) -> dict[str, Any]:
    bounds: dict[str, Any] = {}
    for keyword_name, short in (
        ("minimum", "ge"),
        ("maximum", "le"),
        ("exclusiveMinimum", "gt"),
        ("exclusiveMaximum", "lt"),
        ("multipleOf", "multiple_of"),
    ):
        value = constraints.get(keyword_name)
        if isinstance(value, bool) or (value is not None and not isinstance(value, int | float)):
            raise Inexpressible(f"{keyword_name} {value!r}")
        if value is not None:
            bounds[short] = value
    return bounds

"""Read the schemas of a checked spec into nodes (generator.schema.nodes): the one place that interprets them.

- OpenAPI 3.0 is translated here: ``nullable: true`` allows null, a boolean ``exclusiveMinimum`` or
  ``exclusiveMaximum`` moves the bound it qualifies, ``example`` stays an annotation;
- a string with ``x-evaljobs-datetime-offset: optional`` and no ``format`` (the portable spelling of a naive
  timestamp: the pattern ``_datetimes.LOCAL_PATTERN`` or none) is read as ``format: date-time``;
- a reference to a named schema stays a ``Ref``; a reference anywhere else (a property of another schema, a
  schema under ``paths``) is read in place;
- ``allOf`` is merged into one object when every member is an object (directly or through references) and
  merging changes no meaning: no member closes its properties or types the others' (``additionalProperties``),
  none allows null, none has keywords the merge does not know. Every property and every required name of
  every member, nested or not, is kept; a property two members both define is one node when the two agree or
  merge, else both schemas (an ``Intersection``). Anything else stays an ``Intersection`` of its members;
  ``allOf: [X]`` is X;
- a ``discriminator`` gets its full mapping: the spec's, or each referenced member's name;
- a schema kept verbatim (``Opaque``) and the ``rest`` of any node keep their subschemas as the spec writes
  them, and read them as nodes too (``parts``), so that what is inline in them is named and placed as elsewhere.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.problems import Problem, join_pointer
from generator.runtime._datetimes import LOCAL_PATTERN, OFFSET_KEY
from generator.schema import canonical
from generator.schema.nodes import (
    ANNOTATION_KEYS,
    ROOT,
    AnyValue,
    Array,
    Const,
    Discriminator,
    Enum,
    Intersection,
    Node,
    Object,
    Opaque,
    Ref,
    Scalar,
    Union,
)
from generator.spec_walk import SUBSCHEMA, SUBSCHEMA_LISTS, SUBSCHEMA_MAPS, ref_tokens, resolve_pointer

SCALARS = ("string", "integer", "number", "boolean", "null")
_SCALAR_CONSTRAINTS = (
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
    "multipleOf",
    "minLength",
    "maxLength",
    "pattern",
)
_ARRAY_CONSTRAINTS = ("minItems", "maxItems", "uniqueItems")
_OBJECT_CONSTRAINTS = ("minProperties", "maxProperties")
_COMPOSITIONS = ("allOf", "anyOf", "oneOf")
# Keywords read into a node (the rest of a schema's keys are kept verbatim in ``rest``).
_READ = frozenset(
    {
        "$ref",
        "type",
        "nullable",
        "format",
        "enum",
        "const",
        "items",
        "properties",
        "required",
        "additionalProperties",
        "discriminator",
        *ANNOTATION_KEYS,
        *_SCALAR_CONSTRAINTS,
        *_ARRAY_CONSTRAINTS,
        *_OBJECT_CONSTRAINTS,
        *_COMPOSITIONS,
    }
)
# Keywords whose presence makes a schema something the nodes do not model: kept whole as an Opaque node.
_OPAQUE = frozenset({"not", "if", "then", "else", "prefixItems", "contains", "unevaluatedItems"})
# Maps of schemas that are no subschemas of the schema they sit in (named schemas, read as such): not parts.
_NOT_PARTS = frozenset({"$defs", "definitions"})


class Reader:
    """Reads the schemas of one document. ``area`` is where named schemas live (``("components", "schemas")``
    or ``("$defs",)``); ``openapi30`` switches on 3.0's spellings."""

    def __init__(self, document: Mapping[str, Any], area: tuple[str, ...], *, openapi30: bool, label: str) -> None:
        self.document = document
        self.area = area
        self.openapi30 = openapi30
        self.label = label
        self.problems: list[Problem] = []
        self.named: dict[str, Node] = {}  # the named schemas read so far (for merging allOf through refs)
        self._reading: set[str] = set()  # pointers of deep references being read (a cycle stays a ref)

    def named_key(self, ref: str) -> str | None:
        """The key of the named schema ``ref`` points at, or None when it points elsewhere."""
        if ref == "#" and self.area == ("$defs",):
            return ROOT
        tokens = ref_tokens(ref)
        if len(tokens) == len(self.area) + 1 and tuple(tokens[: len(self.area)]) == self.area:
            return tokens[-1]
        return None

    def read(self, raw: Any, pointer: str) -> Node:
        node = self._read(raw, pointer)
        if node.rest and not node.parts and not isinstance(node, Opaque):
            node.parts = self._parts(node.rest, pointer)
        return node

    def _read(self, raw: Any, pointer: str) -> Node:
        if raw is True or raw == {}:
            return AnyValue(pointer=pointer)
        if not isinstance(raw, Mapping):
            return Opaque(pointer=pointer, raw=raw)
        common = self._common(raw, pointer)
        if isinstance(raw.get("$ref"), str):
            return self._ref(raw, pointer, common)
        if any(key in raw for key in _OPAQUE):
            return self._opaque(raw, pointer)
        if "allOf" in raw:
            return self._all_of(raw, pointer, common)
        if "oneOf" in raw or "anyOf" in raw:
            return self._union(raw, pointer, common)
        if "const" in raw:
            return Const(value=raw["const"], type=_single_type(raw), **common)
        if isinstance(raw.get("enum"), list):
            return self._enum(raw, common)
        types = _types(raw)
        non_null = [kind for kind in types if kind != "null"]
        if "null" in types and non_null:
            common["nullable"], common["null_by"] = True, "type"
        if non_null == ["object"] or (not types and _looks_like_object(raw)):
            return self._object(raw, pointer, common, declared=bool(types))
        if non_null == ["array"] or (not types and "items" in raw):
            items = self.read(raw["items"], join_pointer(pointer, "items")) if "items" in raw else None
            return Array(items=items, constraints=_pick(raw, _ARRAY_CONSTRAINTS), **common)
        if types and set(types) <= set(SCALARS):
            return self._scalar(raw, types, common)
        if types:  # a type list of containers and scalars: kept as the spec writes it
            return self._opaque(raw, pointer)
        if any(key in raw for key in _SCALAR_CONSTRAINTS) or "format" in raw:
            return self._opaque(raw, pointer)  # constraints on any type of value
        return AnyValue(**common)

    def _common(self, raw: Mapping[str, Any], pointer: str) -> dict[str, Any]:
        annotations = {key: raw[key] for key in ANNOTATION_KEYS if key in raw}
        extensions = {key: value for key, value in raw.items() if isinstance(key, str) and key.startswith("x-")}
        rest = {
            key: value
            for key, value in raw.items()
            if key not in _READ and not (isinstance(key, str) and key.startswith("x-"))
        }
        nullable = raw.get("nullable") is True
        return {
            "pointer": pointer,
            "annotations": annotations,
            "extensions": extensions,
            "rest": rest,
            "nullable": nullable,
            "null_by": "type" if nullable else "",
            "order": tuple(str(key) for key in raw),
        }

    def _opaque(self, raw: Mapping[str, Any], pointer: str) -> Opaque:
        return Opaque(pointer=pointer, raw=dict(raw), parts=self._parts(raw, pointer))

    def _parts(self, raw: Mapping[str, Any], pointer: str) -> dict[tuple[str | int, ...], Node]:
        """The subschemas of ``raw`` (a schema the model keeps verbatim, or the rest of one), read as nodes."""
        found: dict[tuple[str | int, ...], Node] = {}
        for key in SUBSCHEMA:
            if isinstance(raw.get(key), Mapping):
                found[(key,)] = self.read(raw[key], join_pointer(pointer, key))
        for key in SUBSCHEMA_LISTS:
            if isinstance(raw.get(key), list):
                for index, item in enumerate(raw[key]):
                    if isinstance(item, Mapping):
                        found[(key, index)] = self.read(item, join_pointer(pointer, key, index))
        for key in SUBSCHEMA_MAPS:
            if key not in _NOT_PARTS and isinstance(raw.get(key), Mapping):
                for name, item in raw[key].items():
                    if isinstance(item, Mapping):
                        found[(key, str(name))] = self.read(item, join_pointer(pointer, key, name))
        return found

    def _ref(self, raw: Mapping[str, Any], pointer: str, common: dict[str, Any]) -> Node:
        ref = raw["$ref"]
        key = self.named_key(ref)
        siblings = {k for k in raw if k != "$ref" and k not in ANNOTATION_KEYS and not str(k).startswith("x-")}
        siblings.discard("nullable")
        if key is not None:
            node: Node = Ref(target=key, **common)
        else:
            place = join_pointer("", *ref_tokens(ref))
            if place in self._reading:
                return Opaque(pointer=pointer, raw=dict(raw))
            self._reading.add(place)
            try:
                node = self.read(resolve_pointer(self.document, ref), place)
            finally:
                self._reading.discard(place)
            for attribute in ("annotations", "extensions"):
                getattr(node, attribute).update(common[attribute])
            node.pointer = pointer
        if siblings:  # constraints beside a reference (3.1): both apply
            own = self.read({k: v for k, v in raw.items() if k != "$ref" and k not in ANNOTATION_KEYS}, pointer)
            return Intersection(members=(node, own), pointer=pointer)
        return node

    def _enum(self, raw: Mapping[str, Any], common: dict[str, Any]) -> Node:
        values = tuple(value for value in raw["enum"] if value is not None)
        if None in raw["enum"] or "null" in _types(raw):
            common["nullable"], common["null_by"] = True, "enum" if None in raw["enum"] else "type"
        declared = [kind for kind in _types(raw) if kind != "null"]
        return Enum(values=values, type=declared[0] if len(declared) == 1 else None, **common)

    def _scalar(self, raw: Mapping[str, Any], types: list[str], common: dict[str, Any]) -> Node:
        constraints = _pick(raw, _SCALAR_CONSTRAINTS)
        for bound, exclusive in (("minimum", "exclusiveMinimum"), ("maximum", "exclusiveMaximum")):
            flag = constraints.get(exclusive)
            if isinstance(flag, bool):  # OpenAPI 3.0: the flag qualifies the bound beside it
                constraints.pop(exclusive)
                if flag and bound in constraints:
                    constraints[exclusive] = constraints.pop(bound)
        if common["nullable"] and "null" not in types:
            types = [*types, "null"]
        written = raw.get("format")
        portable = constraints.get("pattern", LOCAL_PATTERN) == LOCAL_PATTERN
        if written is None and raw.get(OFFSET_KEY) == "optional" and portable:
            # The portable spelling of a date-time whose offset may be missing (a pattern, as other tools read it):
            # read as `format: date-time` with the offset optional, written back so in the canonical document.
            constraints.pop("pattern", None)
            written = "date-time"
            common["order"] = tuple("format" if key == "pattern" else key for key in common["order"])
        return Scalar(types=tuple(types), format=written, constraints=constraints, **common)

    def _object(self, raw: Mapping[str, Any], pointer: str, common: dict[str, Any], *, declared: bool) -> Node:
        properties: Mapping[str, Any] = raw["properties"] if isinstance(raw.get("properties"), Mapping) else {}
        read = {
            str(key): self.read(value, join_pointer(pointer, "properties", key)) for key, value in properties.items()
        }
        extra = raw.get("additionalProperties")
        additional: Node | bool | None
        if extra is None or isinstance(extra, bool):
            additional = extra
        else:
            additional = self.read(extra, join_pointer(pointer, "additionalProperties"))
        required = tuple(str(name) for name in raw.get("required", []) if isinstance(name, str))
        if "discriminator" in raw:  # a base schema's discriminator (polymorphism through allOf): kept as written
            common["rest"] = {**common["rest"], "discriminator": raw["discriminator"]}
        return Object(
            properties=read,
            required=required,
            additional=additional,
            constraints=_pick(raw, _OBJECT_CONSTRAINTS),
            declared=declared,
            **common,
        )

    def _union(self, raw: Mapping[str, Any], pointer: str, common: dict[str, Any]) -> Node:
        keyword = "oneOf" if "oneOf" in raw else "anyOf"
        if ("oneOf" in raw and "anyOf" in raw) or raw.get("type") not in (None, "object") or "properties" in raw:
            return self._opaque(raw, pointer)  # a union beside other constraints: not modelled
        items = raw[keyword] if isinstance(raw[keyword], list) else []
        members = tuple(self.read(item, join_pointer(pointer, keyword, index)) for index, item in enumerate(items))
        if common["nullable"]:  # 3.0: `nullable` beside a union adds null to it
            members = (*members, Scalar(types=("null",), pointer=pointer))
            common["nullable"], common["null_by"] = False, ""
        discriminator = self._discriminator(raw.get("discriminator"), members, pointer)
        return Union(members=members, exclusive=keyword == "oneOf", discriminator=discriminator, **common)

    def _discriminator(self, raw: Any, members: tuple[Node, ...], pointer: str) -> Discriminator | None:
        if not isinstance(raw, Mapping) or not isinstance(raw.get("propertyName"), str):
            return None
        mapping: dict[str, str] = {}
        written = raw.get("mapping")
        if isinstance(written, Mapping):
            for value, target in written.items():
                ref = target if str(target).startswith("#") else "#/" + "/".join((*self.area, str(target)))
                key = self.named_key(ref)
                if key is None:
                    where = join_pointer(pointer, "discriminator", "mapping", value)
                    self.problems.append(Problem(self.label, where, f"{target!r} is not a named schema"))
                    continue
                mapping[str(value)] = key
        for member in members:  # members the mapping does not name are matched by their own names
            if isinstance(member, Ref) and member.target not in mapping.values():
                mapping[member.target] = member.target
        return Discriminator(property=raw["propertyName"], mapping=mapping, explicit=isinstance(written, Mapping))

    def _all_of(self, raw: Mapping[str, Any], pointer: str, common: dict[str, Any]) -> Node:
        items = raw["allOf"] if isinstance(raw["allOf"], list) else []
        members = [self.read(item, join_pointer(pointer, "allOf", index)) for index, item in enumerate(items)]
        own_keys = {key: value for key, value in raw.items() if key != "allOf" and key not in ANNOTATION_KEYS}
        own_keys = {key: value for key, value in own_keys.items() if not str(key).startswith("x-")}
        if own_keys and set(own_keys) != {"nullable"}:
            members.insert(0, self.read(own_keys, pointer))
        if len(members) == 1 and not (own_keys.keys() - {"nullable"}):  # allOf: [X], often to annotate a $ref
            single = members[0]
            if isinstance(single, Ref):
                single = Ref(target=single.target, **common)
            else:
                single.annotations = {**single.annotations, **common["annotations"]}
                single.extensions = {**single.extensions, **common["extensions"]}
                single.pointer = pointer
                if common["nullable"]:
                    single.nullable, single.null_by = True, "type"
            return single
        merged: Node | None = self._merge(members, pointer) or _merge_scalars(members, pointer)
        if merged is None:
            node: Node = Intersection(members=tuple(members), **common)
            return node
        merged.annotations = {**_inherited(members, self), **common["annotations"]}
        merged.extensions = {**merged.extensions, **common["extensions"]}
        merged.pointer = pointer
        if common["nullable"]:
            merged.nullable, merged.null_by = True, "type"
        return merged

    def _merge(self, members: list[Node], pointer: str) -> Object | None:
        """One object with everything of ``members``, or None when they cannot be merged faithfully."""
        objects: list[Object] = []
        for member in members:
            target = self._resolved(member, set())
            if target is None:
                return None
            objects.append(target)
        properties: dict[str, Node] = {}
        required: list[str] = []
        constraints: dict[str, Any] = {}
        additional: Node | bool | None = None
        for item in objects:
            if item.nullable or item.rest or item.additional is False:
                return None
            for key, node in item.properties.items():
                properties[key] = self._both(properties[key], node) if key in properties else node
            required.extend(name for name in item.required if name not in required)
            if isinstance(item.additional, Node):
                # a member's additionalProperties also judges the other members' properties: merged, it
                # would not (it would see them as declared), so only an allOf of one such member merges
                if len(objects) > 1:
                    return None
                additional = item.additional
            for key, value in item.constraints.items():
                keep = max if key == "minProperties" else min
                constraints[key] = keep(constraints.get(key, value), value)
        return Object(
            pointer=pointer,
            properties=properties,
            required=tuple(required),
            additional=additional,
            constraints=constraints,
            declared=any(item.declared for item in objects),
            # the members' extensions (x-evaljobs-sdk-required of a base schema holds for what extends it)
            extensions={key: value for item in reversed(objects) for key, value in item.extensions.items()},
        )

    def _both(self, one: Node, other: Node) -> Node:
        """A property that two members of an allOf both define: one node when they say the same or merge."""
        if one is other or _written(one) == _written(other):
            return one
        merged: Node | None = self._merge([one, other], one.pointer) or _merge_scalars([one, other], one.pointer)
        if merged is None:
            return Intersection(members=(one, other), pointer=other.pointer)
        merged.annotations = {**other.annotations, **one.annotations}
        return merged

    def _resolved(self, node: Node, seen: set[str]) -> Object | None:
        if isinstance(node, Object):
            return node
        if isinstance(node, Ref) and node.target not in seen and not node.nullable:
            target = self.named.get(node.target)
            if target is None:
                target = self.read_named(node.target)
            return self._resolved(target, seen | {node.target}) if target is not None else None
        return None

    def read_named(self, key: str) -> Node | None:
        """The node of the named schema ``key``, read on first need (None for a reference cycle)."""
        if key in self.named:
            return self.named[key]
        place = "" if key == ROOT else join_pointer("", *self.area, key)
        raw = self.document if key == ROOT else resolve_pointer(self.document, "#" + place)
        if place in self._reading:
            return None
        self._reading.add(place)
        try:
            node = self.read(raw, place)
        finally:
            self._reading.discard(place)
        self.named[key] = node
        return node


def _written(node: Node) -> Any:
    """What a node says, its place and annotations aside (to tell two definitions of a property apart)."""
    written = canonical.definition(node, lambda key: key)
    if isinstance(written, dict):
        return {key: value for key, value in written.items() if key not in ANNOTATION_KEYS}
    return written


def _merge_scalars(members: list[Node], pointer: str) -> Scalar | None:
    """An ``allOf`` of scalars of one type (``{type: string}`` and ``{type: string, minLength: 1}``) as one
    scalar, when their constraints combine without loss: the tighter of each bound, at most one pattern and
    one format."""
    if not members or not all(isinstance(m, Scalar) and not m.nullable and not m.rest for m in members):
        return None
    scalars = [member for member in members if isinstance(member, Scalar)]
    if len({member.types for member in scalars}) != 1 or len({m.format for m in scalars if m.format}) > 1:
        return None
    constraints: dict[str, Any] = {}
    for member in scalars:
        for key, value in member.constraints.items():
            if key not in constraints:
                constraints[key] = value
            elif key in ("minimum", "exclusiveMinimum", "minLength"):
                constraints[key] = max(constraints[key], value)
            elif key in ("maximum", "exclusiveMaximum", "maxLength"):
                constraints[key] = min(constraints[key], value)
            elif constraints[key] != value:
                return None  # two patterns, two multiples: both must hold, which one keyword cannot say
    formats = [member.format for member in scalars if member.format]
    return Scalar(
        pointer=pointer, types=scalars[0].types, format=formats[0] if formats else None, constraints=constraints
    )


def _inherited(members: list[Node], reader: Reader) -> dict[str, Any]:
    """The description of a merged allOf without one of its own: its first member's that has one."""
    for member in members:
        target = reader.named.get(member.target) if isinstance(member, Ref) else member
        if target is not None and "description" in target.annotations:
            return {"description": target.annotations["description"]}
    return {}


def _types(raw: Mapping[str, Any]) -> list[str]:
    declared = raw.get("type")
    if isinstance(declared, str):
        return [declared]
    if isinstance(declared, list):
        return [str(kind) for kind in declared]
    return []


def _single_type(raw: Mapping[str, Any]) -> str | None:
    types = _types(raw)
    return types[0] if len(types) == 1 else None


def _looks_like_object(raw: Mapping[str, Any]) -> bool:
    return "properties" in raw or "additionalProperties" in raw or "required" in raw


def _pick(raw: Mapping[str, Any], keys: tuple[str, ...]) -> dict[str, Any]:
    return {key: raw[key] for key in keys if key in raw}

"""The programs of the validator's walk (``evaljobs._walk_programs.<api>``), compiled from the schema model.

Each named schema that becomes a class of the models (generator.emit.models) becomes a node, and so does
each schema below it (see ``evaljobs._validation.walk`` for the kinds): the nodes say what the models check, in the
models' own words, so that the walk reports the errors the models report without importing them. The
compiler follows the schema model's nodes (generator.schema.nodes) and the few decisions the models' input
makes about them (generator.emit.models_input: numbers are ``StrictInt | StrictFloat``, date-times keep
their text, other formats are plain strings, absent and null are different facts).

An ``allOf`` the schema model could not merge is a class that inherits from its members in the models, and
a model node here with their fields in Python's order. What the walk cannot mirror exactly becomes an
``unsure`` node, where the runtime leaves the payload to the models: a closed object
(``additionalProperties: false``), an ``allOf`` whose members declare one property twice, a schema the model
keeps verbatim, keywords beside the interpreted ones, a discriminator whose members are not all objects that
declare it or that another discriminator tags otherwise, a place that refers to a schema with a
discriminator of its own (the models read a union of its subclasses there), a constrained number in an
array, a map or a union (the models drop its bounds there).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from generator.runtime._validation import program_nodes
from generator.schema import SchemaModel
from generator.schema.nodes import (
    AnyValue,
    Array,
    Const,
    Enum,
    Intersection,
    Node,
    Object,
    Ref,
    Scalar,
    Union,
)

WalkNode = tuple[Any, ...]
"""A node of a walk program (one of ``evaljobs._validation.program_nodes``, a NamedTuple)."""

# Keywords beside the interpreted ones that change nothing the models check (documentation, XML names).
HARMLESS = frozenset(
    {"xml", "externalDocs", "$comment", "$id", "$schema", "$anchor", "contentMediaType", "contentEncoding", "$defs"}
)
# Keywords of an object with properties that its model leaves out (it keeps every unknown field anyway).
MODEL_IGNORES = ("discriminator", "patternProperties")
_BOUNDS = (
    ("minimum", "ge"),
    ("maximum", "le"),
    ("exclusiveMinimum", "gt"),
    ("exclusiveMaximum", "lt"),
    ("multipleOf", "multiple_of"),
)
_LENGTHS = {"minLength": "min_length", "maxLength": "max_length", "minItems": "min_length", "maxItems": "max_length"}
_OFFSET_KEY = "x-evaljobs-datetime-offset"


@dataclass(frozen=True)
class Program:
    """One API's program: the nodes, and the node of each schema a payload can be checked against."""

    nodes: tuple[WalkNode, ...]
    targets: dict[str, int]


def program(
    model: SchemaModel, targets: Mapping[str, str], class_of: Callable[[str], str], scanned: set[str]
) -> Program:
    """The walk program of ``model``: ``targets`` maps each schema name a payload can be checked against to
    the key of its named schema; ``class_of`` gives the models' class of a named schema (by key); ``scanned`` holds
    the names whose native scanner program exists (generator.build.write_fast_path), which the walk may ask
    whether a value is valid without drift."""
    names_of: dict[str, list[str]] = {}
    for name, key in targets.items():
        names_of.setdefault(class_of(key), []).append(name)
    strict = {cls: names[0] for cls, names in names_of.items() if len(names) == 1 and names[0] in scanned}
    compiler = Compiler(model, class_of, strict)
    found = {name: compiler.named(key) for name, key in targets.items()}
    return Program(tuple(compiler.nodes), found)


class Compiler:
    """Turns the schema model's nodes into the nodes of one program (equal nodes shared, classes by name)."""

    def __init__(self, model: SchemaModel, class_of: Callable[[str], str], strict: dict[str, str]) -> None:
        self.model = model
        self.class_of = class_of
        self.strict = strict  # class name -> the schema whose scanner program checks it, when only one does
        self.nodes: list[WalkNode] = []
        self._placed: dict[WalkNode, int] = {}
        self._classes: dict[str, int] = {}
        self._inline: dict[str, Node] = {}  # the inline members of allOfs the models make classes of, by name
        self.tags = _discriminator_tags(model)

    def place(self, node: WalkNode) -> int:
        if node not in self._placed:
            self._placed[node] = len(self.nodes)
            self.nodes.append(node)
        return self._placed[node]

    def unsure(self, why: str) -> int:
        return self.place(program_nodes.Unsure(why))

    # -- classes: the named schemas -------------------------------------------------------------------------

    def named(self, key: str) -> int:
        """The node of the class of the named schema ``key``."""
        item = self.model.named.get(key)
        if item is None:
            return self.unsure(f"schema {key!r} not in the model")
        return self.class_node(self.class_of(key), item.node, key)

    def class_node(self, cls: str, node: Node, key: str) -> int:
        """The node of class ``cls``, made from ``node`` (without the null its places may allow)."""
        if cls in self._classes:
            return self._classes[cls]
        if isinstance(node, Enum):
            index = self._classes[cls] = self._enum(cls, node)
            return index
        index = self._classes[cls] = self.place(program_nodes.Unsure(f"model {cls} being read"))
        strict = self.strict.get(cls)
        if isinstance(node, Object) and node.properties:
            built = self._model(cls, node, key, strict)
        elif isinstance(node, Object) and node.declared and not node.nullable and not node.constraints:
            built = self._empty_model(cls, node, strict)
        elif isinstance(node, Intersection):
            built = self._inherited(cls, node, key, strict)
        else:
            built = program_nodes.Root(cls, self.value(node, as_root=True), strict)
        del self._placed[self.nodes[index]]
        self.nodes[index] = built
        self._placed.setdefault(built, index)
        return index

    def at_place(self, node: Node) -> int:
        """The node of a class where a schema refers to it (a ``Ref``, or a named inline schema)."""
        key = node.target if isinstance(node, Ref) else node.name
        assert key is not None
        item = self.model.named.get(key)
        target = item.node if isinstance(node, Ref) and item is not None else node
        if isinstance(target, Object) and "discriminator" in target.rest:
            # a base schema's discriminator: where it is referred to, the models read a union of the schemas
            # that extend it (through allOf), which the walk does not follow
            return self.unsure(f"schema {key!r} has a discriminator of its own")
        return self.named(key) if isinstance(node, Ref) else self.class_node(self.class_of(key), node, key)

    def _model(self, cls: str, node: Object, key: str, strict: str | None) -> WalkNode:
        if node.additional is False:
            return program_nodes.Unsure(f"model {cls} does not allow unknown fields")
        why = _unmodelled(node, MODEL_IGNORES)
        if why or node.constraints or isinstance(node.additional, Node):
            return program_nodes.Unsure(f"model {cls}: {why or 'constraints on its properties'}")
        tags = self.tags.get(key, {})
        if any(found is None for found in tags.values()):
            return program_nodes.Unsure(f"model {cls}: discriminators that give its tag field different values")
        fields = []
        for prop, child in node.properties.items():
            tagged = tags.get(prop)
            index = self.value(child) if tagged is None else self._literal(tagged, child.nullable)
            fields.append(program_nodes.Field(prop, index, prop in node.required))
        for prop, tagged in tags.items():  # a tag the object does not declare: the models add it, required
            if prop not in node.properties and tagged is not None:
                fields.append(program_nodes.Field(prop, self._literal(tagged, False), True))
        return program_nodes.Model(cls, tuple(fields), strict)

    def _inherited(self, cls: str, node: Intersection, key: str, strict: str | None) -> WalkNode:
        """An ``allOf`` the schema model could not merge: the models make a class that inherits from each
        member (a named object, or an inline one made a class of its own), whose fields are its bases' in
        Python's order (the method resolution order, reversed), a discriminator's tag redeclared as a literal.
        Where two members declare one property the models merge them otherwise: unsure, as is any member that
        is not an object with properties."""
        unsure: WalkNode = program_nodes.Unsure(f"model {cls} is an allOf the walk does not follow")
        order = _linearized(key, self._bases)
        if order is None or node.nullable or _unmodelled(node):
            return unsure
        fields: dict[str, tuple[int, bool]] = {}
        owner: dict[str, str] = {}
        for name in reversed(order):
            base = self._class_schema(name)
            if isinstance(base, Object):
                declared = self._model(name, base, name, None)
                if not isinstance(declared, program_nodes.Model) or fields.keys() & {f.key for f in declared.fields}:
                    return unsure
                fields.update({f.key: (f.node, f.required) for f in declared.fields})
                owner.update({f.key: name for f in declared.fields})
                continue
            for prop, tagged in self._subclass_tags(name, order).items():
                if tagged is None or prop not in fields:
                    return unsure  # tags that disagree, or a tag field no base declares
                fields[prop] = (self._literal(tagged, False), True)  # redeclared: required, whatever the base says
        found = tuple(program_nodes.Field(prop, index, required) for prop, (index, required) in fields.items())
        return program_nodes.Model(cls, found, strict)

    def _class_schema(self, name: str) -> Node | None:
        """The schema of the class of ``name``: a named schema, or an inline object given a name."""
        item = self.model.named.get(name)
        return item.node if item is not None else self._inline.get(name)

    def _bases(self, name: str) -> list[str] | None:
        """The names of the bases the models give the class of ``name`` (None: not a class the walk follows)."""
        node = self._class_schema(name)
        if isinstance(node, Object) and node.properties and not node.nullable:
            return []
        if not isinstance(node, Intersection):
            return None
        bases = []
        for member in node.members:
            if member.nullable:
                return None
            if isinstance(member, Ref):
                bases.append(member.target)
            elif isinstance(member, Object) and member.name is not None:
                self._inline[member.name] = member
                bases.append(member.name)
            elif not (isinstance(member, Object) and _says_only_object(member)):
                return None  # (``type: object`` beside the allOf adds nothing to the class)
        return bases

    def _subclass_tags(self, key: str, order: list[str]) -> dict[str, tuple[str, ...] | None]:
        """The tags the models give the class of ``key``, which extends the classes of ``order``: those of
        the discriminators naming it, and those of its bases' own discriminators that map a value to it."""
        tags = dict(self.tags.get(key, {}))
        for name in order:
            base = self._class_schema(name)
            written = base.rest.get("discriminator") if isinstance(base, Object) else None
            if not isinstance(written, Mapping) or not isinstance(written.get("mapping"), Mapping):
                continue
            values = tuple(
                str(value) for value, ref in written["mapping"].items() if ref in (self.model.ref_of(key), key)
            )
            prop = written.get("propertyName")
            if values and isinstance(prop, str):
                tags[prop] = values if tags.get(prop, values) == values else None
        return tags

    def _empty_model(self, cls: str, node: Object, strict: str | None) -> WalkNode:
        """A named ``type: object`` without properties: a model without fields (required names aside), unless
        its values are typed (a map: a root model of a dict)."""
        if node.additional is False:
            return program_nodes.Unsure(f"model {cls} does not allow unknown fields")
        if node.additional is None or node.additional is True:
            return program_nodes.Model(cls, (), strict)
        return program_nodes.Root(cls, self.value(node, as_root=True), strict)

    def _enum(self, cls: str, node: Enum) -> int:
        if not node.values or not all(isinstance(value, str) for value in node.values):
            return self.unsure(f"enum {cls} of other than strings")
        why = _unmodelled(node)
        if why:
            return self.unsure(f"enum {cls}: {why}")
        return self.place(program_nodes.Enum(cls, tuple(node.values), "one of " + _expected(node.values)))

    # -- values: a schema where it sits -------------------------------------------------------------------

    def value(self, node: Node, *, as_root: bool = False, nested: bool = False) -> int:
        """The node of ``node`` at its place (a field's, a root model's; ``nested``: an item's, a map's value,
        a union member's)."""
        terms, nullable = self._terms(node, as_root=as_root)
        if terms is None:
            return self._single(node, as_root=as_root, nested=nested)
        return self._union_of(terms, nullable)

    def _union_of(self, terms: list[int], nullable: bool) -> int:
        kept = list(dict.fromkeys(terms))
        if not kept:
            return self.place(program_nodes.Null())
        inner = kept[0] if len(kept) == 1 else self.place(program_nodes.Union(tuple(kept)))
        return self.place(program_nodes.Nullable(inner)) if nullable else inner

    def _terms(self, node: Node, *, as_root: bool = False) -> tuple[list[int] | None, bool]:
        """The members of the plain union the models write for ``node`` (Python flattens unions in unions),
        and whether null is one; None when ``node`` is not such a union."""
        if node.name is not None and not as_root:
            return [self.at_place(node)], node.nullable
        if isinstance(node, Ref):  # the models add None where the schema referred to takes null itself
            return [self.at_place(node)], node.nullable or self._takes_null(node.target)
        if isinstance(node, Scalar) and _scalar_constraints(node) == () and not _unmodelled(node):
            kinds = [kind for kind in node.types if kind != "null"]
            if len(kinds) > 1 or "number" in kinds or "null" in node.types:
                scalars = [self._scalar_kind(kind, node) for kind in kinds]
                # a number is StrictInt | StrictFloat, whose members join the union it sits in
                return [index for term in scalars for index in self._members(term)], "null" in node.types
            return None, False
        if isinstance(node, Union) and node.discriminator is None and not _unmodelled(node):
            terms: list[int] = []
            nullable = node.nullable
            for member in node.members:
                inner, null = self._terms(member)
                if inner is None:
                    if isinstance(member, Scalar) and member.types == ("null",):
                        nullable = True
                        continue
                    inner = [self.value(member, nested=True)]
                terms.extend(inner)
                nullable = nullable or null
            return terms, nullable
        if node.nullable and not isinstance(node, Scalar | AnyValue):
            return [self._single(node, as_root=as_root)], True
        return None, False

    def _takes_null(self, key: str) -> bool:
        item = self.model.named.get(key)
        if item is None:
            return False
        node = item.node
        if isinstance(node, Union):
            return node.nullable or any(isinstance(m, Scalar) and "null" in m.types for m in node.members)
        return node.nullable

    def _members(self, index: int) -> tuple[int, ...]:
        node = self.nodes[index]
        return node.members if isinstance(node, program_nodes.Union) and node.discriminator is None else (index,)

    def _single(self, node: Node, *, as_root: bool = False, nested: bool = False) -> int:
        """The node of ``node`` itself (null aside: see ``value``)."""
        if node.name is not None and not as_root:
            return self.at_place(node)
        why = _unmodelled(node)
        if why:
            return self.unsure(why)
        if isinstance(node, Ref):
            return self.at_place(node)
        if isinstance(node, AnyValue):
            return self.place(program_nodes.AnyValue())
        if isinstance(node, Scalar):
            return self._scalar(node, nested=nested)
        if isinstance(node, Const):
            return self._literal((node.value,), False)
        if isinstance(node, Array):
            return self._array(node)
        if isinstance(node, Object):
            return self._map(node)
        if isinstance(node, Union):
            return self._tagged(node)
        if isinstance(node, Intersection):
            return self.unsure("an allOf that is not one object")
        return self.unsure(f"a schema the model keeps as written ({node.pointer})")

    def _scalar(self, node: Scalar, *, nested: bool = False) -> int:
        """A scalar with constraints: ``Annotated[T | None, Field(...)]``, null checked before them."""
        kinds = [kind for kind in node.types if kind != "null"]
        if len(kinds) != 1:
            return self.unsure("a type list with constraints")
        inner = self._scalar_kind(kinds[0], node)
        constraints = _scalar_constraints(node)
        if constraints is None:
            return self.unsure("constraints the models do not take as written")
        if constraints and nested and (kinds[0] == "number" or node.format == "date-time"):
            # the models' types of their own (StrictInt | StrictFloat, DateTime) lose constraints there
            return self.unsure("a number or date-time with constraints in an array, a map or a union")
        if "null" in node.types:
            inner = self.place(program_nodes.Nullable(inner))
        return self.place(program_nodes.Checked(inner, constraints)) if constraints else inner

    def _scalar_kind(self, kind: str, node: Scalar) -> int:
        if kind == "string":
            if node.format == "date-time":
                return self.place(program_nodes.DateTime(node.extensions.get(_OFFSET_KEY) != "optional"))
            return self.place(program_nodes.Str())
        if kind == "integer":
            return self.place(program_nodes.Int())
        if kind == "number":
            return self.place(program_nodes.Union((self.place(program_nodes.Int()), self.place(program_nodes.Float()))))
        if kind == "boolean":
            return self.place(program_nodes.Bool())
        return self.place(program_nodes.Null())

    def _literal(self, values: tuple[Any, ...], nullable: bool) -> int:
        if not all(isinstance(v, str | int | bool) or v is None for v in values) or any(
            isinstance(v, float) for v in values
        ):
            return self.unsure("a literal of another kind")
        inner = self.place(program_nodes.Literal(values, _expected(values)))
        return self.place(program_nodes.Nullable(inner)) if nullable else inner

    def _array(self, node: Array) -> int:
        if node.constraints.get("uniqueItems"):
            return self.unsure("an array of unique items")
        item = self.place(program_nodes.AnyValue()) if node.items is None else self.value(node.items, nested=True)
        inner = self.place(program_nodes.Array(item))
        return self._counted(inner, node.constraints)

    def _map(self, node: Object) -> int:
        if not node.declared:  # no type: the models take any value (``required`` alone checks nothing there)
            if node.additional is None and not node.constraints:
                return self.place(program_nodes.AnyValue())
            return self.unsure("an object schema without a type")
        if node.additional is False:
            if node.nullable:  # the models' type list split drops the bound: dict[str, Any] | None
                return self.unsure("an object that allows no property, or null")
            return self.place(
                program_nodes.Checked(
                    self.place(program_nodes.Map(self.place(program_nodes.AnyValue()))), (("max_length", 0),)
                )
            )
        if isinstance(node.additional, Node):
            values = self.value(node.additional, nested=True)
        else:
            values = self.place(program_nodes.AnyValue())
        inner = self.place(program_nodes.Map(values))
        counts = {"minItems": node.constraints.get("minProperties"), "maxItems": node.constraints.get("maxProperties")}
        return self._counted(inner, counts)

    def _counted(self, inner: int, constraints: Mapping[str, Any]) -> int:
        keys = ("minItems", "maxItems")
        counts = tuple((_LENGTHS[key], constraints[key]) for key in keys if constraints.get(key) is not None)
        return self.place(program_nodes.Checked(inner, counts)) if counts else inner

    def _tagged(self, node: Union) -> int:
        """A union the models tell apart by its discriminator (a ``Union`` with a ``Discriminator``), each
        member an object whose discriminator property is a literal of its tags."""
        discriminator = node.discriminator
        if discriminator is None:
            return self.unsure("a union")
        by_key: dict[str, list[str]] = {}
        for tag, key in discriminator.mapping.items():
            by_key.setdefault(key, []).append(tag)
        tags: list[tuple[str, int]] = []
        nullable = node.nullable
        for member in node.members:
            if isinstance(member, Scalar) and member.types == ("null",):
                nullable = True
                continue
            target = self.model.named.get(member.target) if isinstance(member, Ref) else None
            if (
                not isinstance(member, Ref)
                or target is None
                or not isinstance(target.node, Object | Intersection)
                or (isinstance(target.node, Object) and discriminator.property not in target.node.properties)
            ):
                return self.unsure("a discriminated union of other than models")
            if any(found is None for found in self.tags.get(member.target, {}).values()):
                return self.unsure("a discriminated union of members that other discriminators tag otherwise")
            index = self.named(member.target)
            compiled = self.nodes[index]
            if not isinstance(compiled, program_nodes.Model) or discriminator.property not in {
                f.key for f in compiled.fields
            }:
                return self.unsure("a discriminated union of other than models")
            tags.extend((tag, index) for tag in by_key.get(member.target, []))
        members = tuple(dict.fromkeys(index for _, index in tags))
        inner = self.place(
            program_nodes.Union(members, program_nodes.Discriminator(discriminator.property, tuple(tags)))
        )
        return self.place(program_nodes.Nullable(inner)) if nullable else inner


def _says_only_object(node: Object) -> bool:
    return not (node.properties or node.required or node.constraints or node.rest or node.nullable) and (
        node.additional is None
    )


def _linearized(name: str, bases_of: Callable[[str], list[str] | None]) -> list[str] | None:
    """The method resolution order Python gives the class ``name`` (C3), or None when a class in it is not one
    the walk follows or the bases cannot be ordered."""
    bases = bases_of(name)
    if bases is None:
        return None
    orders = []
    for base in bases:
        found = _linearized(base, bases_of)
        if found is None:
            return None
        orders.append(found)
    pending = [order for order in [*orders, list(bases)] if order]
    result = [name]
    while pending:
        head = next((order[0] for order in pending if not any(order[0] in other[1:] for other in pending)), None)
        if head is None:
            return None
        result.append(head)
        pending = [[item for item in order if item != head] for order in pending]
        pending = [order for order in pending if order]
    return result


def _discriminator_tags(model: SchemaModel) -> dict[str, dict[str, tuple[str, ...] | None]]:
    """Named schema key -> {property: the tags a discriminator gives it}: the models make that property a
    ``Literal`` of its tags. None where two discriminators give one schema different tags (the models keep
    the tags of one of them, which the walk does not guess)."""
    found: dict[str, dict[str, tuple[str, ...] | None]] = {}
    seen: set[int] = set()

    def visit(node: Node) -> None:
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, Union) and node.discriminator is not None:
            given: dict[str, list[str]] = {}
            for tag, key in node.discriminator.mapping.items():
                given.setdefault(key, []).append(tag)
            for key, tags in given.items():
                properties = found.setdefault(key, {})
                before = properties.get(node.discriminator.property, ())
                properties[node.discriminator.property] = tuple(tags) if before in ((), tuple(tags)) else None
        for _, child in node.children():
            visit(child)

    for item in model.named.values():
        visit(item.node)
    return found


def _unmodelled(node: Node, allowed: tuple[str, ...] = ()) -> str:
    """Why the models may check ``node`` otherwise than the walk would: keywords beside the interpreted ones."""
    extra = sorted(set(node.rest) - HARMLESS - set(allowed))
    return f"keywords {', '.join(extra)}" if extra else ""


def _scalar_constraints(node: Scalar) -> tuple[tuple[str, Any], ...] | None:
    """A scalar's constraints as the models' field metadata (empty: none; None: not as the models take them)."""
    found: list[tuple[str, Any]] = []
    for keyword, name in _BOUNDS:
        if keyword in node.constraints:
            value = node.constraints[keyword]
            if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
                return None
            if isinstance(value, float) and "integer" in node.types:
                value = _integer_bound(name, value)  # the models' bounds of an integer are integers
                if value is None:
                    return None
            found.append((name, value))
    for keyword in ("minLength", "maxLength"):
        if keyword in node.constraints:
            found.append((_LENGTHS[keyword], node.constraints[keyword]))
    if "pattern" in node.constraints:
        found.append(("pattern", node.constraints["pattern"]))
    return tuple(found)


def _integer_bound(name: str, value: float) -> int | None:
    """A bound of an integer written as a float, as the models write it (``minimum: 0.0`` is ``ge=0``,
    ``minimum: 1.5`` is ``ge=2``); None where that is not known (exclusive bounds, multiples)."""
    if value.is_integer() and name != "multiple_of":
        return int(value)
    if name == "ge":
        return math.ceil(value)
    if name == "le":
        return math.floor(value)
    return None


def _expected(values: tuple[Any, ...]) -> str:
    """The values as the models' messages list them: ``'a', 'b' or 'c'``."""
    texts = [repr(value) for value in values]
    return texts[0] if len(texts) == 1 else ", ".join(texts[:-1]) + " or " + texts[-1]

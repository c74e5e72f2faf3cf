"""The node vocabulary of the schema model: one class per kind of schema, each with its place in the spec.

A spec's schemas are read once (generator.schema.read) into these nodes; every emitter reads them. The
vocabulary is JSON Schema's, with OpenAPI 3.0's spellings already translated (``nullable``, boolean
``exclusiveMinimum``) and compositions resolved where they can be:

- ``Ref``: a named schema (a component, a named body, or an inline schema given a name), by its key;
- ``AnyValue``, ``Scalar``, ``Enum``, ``Const``, ``Array``, ``Object``: what their names say;
- ``Union``: ``oneOf``/``anyOf``, with its discriminator (property and value -> member name);
- ``Intersection``: an ``allOf`` that could not be merged into one object (kept as it is);
- ``Opaque``: a schema the model does not interpret (``false``, ``not``, ``if``/``then``...), kept verbatim.

Any node may also carry ``rest``: keywords beside the interpreted ones that no emitter reads but the bundled
JSON Schema keeps, so nothing of the spec is lost. The subschemas inside ``rest`` (an ``Opaque``'s: inside
``raw``) are read too, as ``parts``: so the inline objects and enums in them get names, and the writers
(generator.schema.canonical) place them as they place every other node.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

NO_VALUE: Any = object()
"""The ``default`` of a schema that declares none (``None`` is a default of JSON null)."""

ROOT = "\udc80root"
"""The key of a JSON Schema document's root among its named schemas: a lone surrogate, which no key of a
loaded spec holds (generator.load.document refuses them), so it never meets a ``$defs`` name."""

ANNOTATION_KEYS = ("title", "description", "default", "examples", "example", "deprecated", "readOnly", "writeOnly")


@dataclass(kw_only=True)
class Node:
    """What every schema has: its place, its annotations, whether null is allowed, and its name when it is
    an inline schema that becomes a class of its own (set by generator.schema.names)."""

    pointer: str
    annotations: dict[str, Any] = field(default_factory=dict)  # ANNOTATION_KEYS, as the spec writes them
    extensions: dict[str, Any] = field(default_factory=dict)  # x-... keys
    nullable: bool = False
    # How null was allowed: "type" (a type list, or 3.0's nullable) or "enum" (null among the enum values).
    null_by: str = ""
    rest: dict[str, Any] = field(default_factory=dict)
    name: str | None = None
    order: tuple[str, ...] = ()  # the keys in the order the spec writes them (the canonical form keeps it)
    # the subschemas inside ``rest`` (an Opaque's: inside ``raw``) by their keyword path, read as nodes
    parts: dict[tuple[str | int, ...], Node] = field(default_factory=dict)

    @property
    def worthy(self) -> bool:
        """Whether this schema, written inline, becomes a class of its own (objects with properties, enums)."""
        return False

    def children(self) -> list[tuple[tuple[str | int, ...], Node]]:
        """The direct subschemas, with the keyword path below this node, in the order names are given."""
        return []


@dataclass(kw_only=True)
class Ref(Node):
    target: str  # the key of a named schema (components/schemas, $defs, or a named body)


@dataclass(kw_only=True)
class AnyValue(Node):
    pass


@dataclass(kw_only=True)
class Scalar(Node):
    types: tuple[str, ...]  # "string", "integer", "number", "boolean", "null" (several for a type list)
    format: str | None = None
    constraints: dict[str, Any] = field(default_factory=dict)  # minimum, exclusiveMinimum (a number)...


@dataclass(kw_only=True)
class Enum(Node):
    values: tuple[Any, ...]  # without null (see nullable)
    type: str | None = None  # the declared type, when there is one

    @property
    def worthy(self) -> bool:
        return True


@dataclass(kw_only=True)
class Const(Node):
    value: Any
    type: str | None = None


@dataclass(kw_only=True)
class Array(Node):
    items: Node | None = None
    constraints: dict[str, Any] = field(default_factory=dict)  # minItems, maxItems, uniqueItems

    def children(self) -> list[tuple[tuple[str | int, ...], Node]]:
        return [(("items",), self.items)] if self.items is not None else []


@dataclass(kw_only=True)
class Object(Node):
    properties: dict[str, Node] = field(default_factory=dict)
    required: tuple[str, ...] = ()
    # None: not said (any value); True/False: any / none; a node: the schema of every other value
    additional: Node | bool | None = None
    constraints: dict[str, Any] = field(default_factory=dict)  # minProperties, maxProperties
    declared: bool = True  # ``type: object`` was written (a merged allOf keeps what its members said)

    @property
    def worthy(self) -> bool:
        return bool(self.properties)

    def children(self) -> list[tuple[tuple[str | int, ...], Node]]:
        found: list[tuple[tuple[str | int, ...], Node]] = []
        if isinstance(self.additional, Node):
            found.append((("additionalProperties",), self.additional))
        found.extend((("properties", key), node) for key, node in self.properties.items())
        return found


@dataclass(frozen=True)
class Discriminator:
    property: str
    mapping: dict[str, str]  # discriminator value -> the key of a named schema
    explicit: bool  # the spec wrote the mapping (else it is the members' names)


@dataclass(kw_only=True)
class Union(Node):
    members: tuple[Node, ...]
    exclusive: bool  # oneOf (exactly one member) rather than anyOf
    discriminator: Discriminator | None = None

    def children(self) -> list[tuple[tuple[str | int, ...], Node]]:
        keyword = "oneOf" if self.exclusive else "anyOf"
        return [((keyword, index), member) for index, member in enumerate(self.members)]


@dataclass(kw_only=True)
class Intersection(Node):
    members: tuple[Node, ...]

    def children(self) -> list[tuple[tuple[str | int, ...], Node]]:
        return [(("allOf", index), member) for index, member in enumerate(self.members)]


@dataclass(kw_only=True)
class Opaque(Node):
    raw: Any  # the schema as the spec writes it

    @property
    def worthy(self) -> bool:
        """An object with properties or an enum beside what the model does not interpret: a class too."""
        raw = self.raw
        return isinstance(raw, dict) and "$ref" not in raw and ("properties" in raw or "enum" in raw)


@dataclass
class Named:
    """A schema with a name of its own: a component, a body of an operation, or an inline schema."""

    key: str  # the name the spec gives (components/schemas key), or the one chosen for it
    node: Node
    origin: str  # "component", "body" or "inline"

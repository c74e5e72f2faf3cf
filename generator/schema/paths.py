"""The paths of an OpenAPI spec as typed records: each operation with its parameters, request body, responses and
security, and the document-level things the emitters read beside them (servers, security schemes, ``x-``
extensions).

The model (generator.schema.model) walks the paths once: for each operation it names the bodies, then makes
its record here (``operation``); the document-level records last (``read``). Every ``$ref`` of the paths (a
path item, a parameter, a request body, a response, an example, a security scheme) is resolved here, once.
A media type's schema is a node: a ``Ref`` to the named schema of a body the model named (or that is a
reference to a named schema), else the schema read in place (SchemaModel.schema_at); the questions asked of
it are generator.schema.queries.

Only what the emitters read is kept (emit/operations.py); the ``x-evaljobs-*`` extensions stay as the spec
writes them, and are checked where they are read.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from generator.problems import join_pointer
from generator.schema.nodes import Node
from generator.spec_walk import ref_tokens, resolve_pointer

if TYPE_CHECKING:
    from generator.schema.model import SchemaModel


@dataclass(frozen=True)
class Parameter:
    """A parameter of an operation (through its ``$ref``), at ``pointer``: where the operation or its path item
    lists it."""

    name: str
    location: str  # path, query, header or cookie, as written
    required: bool  # as written, else true for a path parameter
    description: str  # as written
    schema: Node | None  # None: it declares none
    # its documented example values: ``example``, then each of ``examples`` (through its $ref) with a value
    examples: tuple[Any, ...]
    pointer: str


@dataclass(frozen=True)
class Media:
    """One media type of a request or response body, at ``pointer`` (``.../content/<media type>``)."""

    media_type: str  # as the spec writes the key (parameters such as ``; charset=utf-8`` included)
    pointer: str
    schema: Node | None  # None: it declares none
    # its named examples' values (through their $refs; an example without a ``value`` is left out)
    examples: Mapping[str, Any] = field(default_factory=dict)
    example: tuple[Any, ...] = ()  # (its ``example``,) or () without one

    @property
    def is_json(self) -> bool:
        """Whether it is JSON: ``application/json``, ``application/problem+json``..."""
        return self.media_type.split(";")[0].strip().endswith("json")


@dataclass(frozen=True)
class Body:
    """An operation's request body (through its ``$ref``)."""

    required: bool
    description: str  # as written
    media: tuple[Media, ...]  # in the spec's order (empty: no content)


@dataclass(frozen=True)
class Response:
    """One response of an operation (through its ``$ref``), at ``pointer`` (``.../responses/<status>``)."""

    status: str  # "200", "4XX", "default"
    pointer: str
    media: tuple[Media, ...]  # in the spec's order (empty: no body)


@dataclass(frozen=True)
class Operation:
    method: str  # lower case, as in the spec: get, post...
    path: str
    pointer: str  # /paths/<path>/<method>
    operation_id: str  # the spec's, or the one the model made from the method and path
    summary: str
    description: str
    # the path item's parameters then the operation's own; an own parameter of the same name and location
    # replaces the path item's in its place
    parameters: tuple[Parameter, ...]
    body: Body | None  # None: no requestBody
    responses: tuple[Response, ...]
    # the security requirements that apply (the operation's, else the document's): each alternative the names of
    # the schemes it needs together (an alternative that is no object: empty); None: none written (or no list)
    security: tuple[tuple[str, ...], ...] | None
    extensions: Mapping[str, Any]  # its x-... keys


@dataclass(frozen=True)
class SecurityScheme:
    """A security scheme of ``components/securitySchemes`` (through its ``$ref``), as far as it says how a
    credential is sent."""

    type: str
    scheme: str = ""  # an http scheme's word (bearer, basic), as written
    location: str = ""  # an apiKey's ``in``
    name: str | None = None  # an apiKey's ``name`` (None: not a string)


@dataclass(frozen=True)
class Server:
    """One of the document's ``servers``."""

    url: str | None  # None: no string url
    variables: Mapping[str, str] = field(default_factory=dict)  # name -> its default ("" without one)


@dataclass(frozen=True)
class Paths:
    """What the emitters read of an OpenAPI document beside its schemas."""

    operations: tuple[Operation, ...] = ()
    servers: tuple[Server, ...] = ()
    security_schemes: Mapping[str, SecurityScheme] = field(default_factory=dict)
    extensions: Mapping[str, Any] = field(default_factory=dict)  # the document's x-... keys


@dataclass(frozen=True)
class Written:
    """A request or response body as the model's walk finds it: through its ``$ref`` (``body``), with the place
    it is written (its ``components`` place for a reference to one there, whose ``key`` it has: a shared body's
    schemas are named there, once)."""

    place: str
    key: str | None
    body: Any


@dataclass(frozen=True)
class Walked:
    """An operation as the model's walk of the paths finds it: the dicts its record is read from, and where its
    bodies are written (a shared body's: in ``components``)."""

    path: str
    method: str
    pointer: str
    operation_id: str
    item: Mapping[str, Any]  # the path item, through its $ref
    operation: Mapping[str, Any]
    responses: Mapping[str, Written]  # by status
    request: Written | None  # None: no requestBody


def read(model: SchemaModel, operations: Iterable[Operation]) -> Paths:
    """The records of the document of ``model``, with the ``operations`` its walk of the paths made."""
    document = model.source
    servers = document.get("servers") or []
    schemes = (document.get("components") or {}).get("securitySchemes") or {}
    return Paths(
        operations=tuple(operations),
        servers=tuple(_server(server) for server in servers) if isinstance(servers, list) else (),
        security_schemes=_schemes(document, schemes) if isinstance(schemes, Mapping) else {},
        extensions={str(key): value for key, value in document.items() if str(key).startswith("x-")},
    )


def deref(document: Mapping[str, Any], node: Any) -> Any:
    """An OpenAPI object of the paths through its ``$ref``s (None: a reference to nothing)."""
    seen = 0
    while isinstance(node, Mapping) and isinstance(node.get("$ref"), str) and seen < 32:
        try:
            node = resolve_pointer(document, node["$ref"])
        except KeyError:
            return None
        seen += 1
    return node


def component_key(node: Any, area: str) -> str | None:
    """The key of ``node`` in ``components/<area>`` when it is a reference to one."""
    if isinstance(node, Mapping) and isinstance(node.get("$ref"), str):
        tokens = ref_tokens(node["$ref"])
        if len(tokens) == 3 and tokens[:2] == ["components", area]:
            return tokens[2]
    return None


def operation(model: SchemaModel, walked: Walked) -> Operation:
    """The record of the operation ``walked``, once its bodies are named (``model.bodies``)."""
    document, raw, request = model.source, walked.operation, walked.request
    body = request.body if request is not None else None
    security = raw.get("security", document.get("security"))
    return Operation(
        method=walked.method,
        path=walked.path,
        pointer=walked.pointer,
        operation_id=walked.operation_id,
        summary=str(raw.get("summary", "")),
        description=str(raw.get("description", "")),
        parameters=_parameters(model, walked),
        body=None
        if request is None
        else Body(
            required=bool(body.get("required")) if isinstance(body, Mapping) else False,
            description=str(body.get("description", "")) if isinstance(body, Mapping) else "",
            media=_media(model, body, join_pointer(walked.pointer, "requestBody"), request.place),
        ),
        responses=tuple(
            Response(
                status=status,
                pointer=join_pointer(walked.pointer, "responses", status),
                media=_media(model, response.body, join_pointer(walked.pointer, "responses", status), response.place),
            )
            for status, response in walked.responses.items()
        ),
        security=tuple(
            tuple(str(name) for name in requirement) if isinstance(requirement, Mapping) else ()
            for requirement in security
        )
        if isinstance(security, list)
        else None,
        extensions={str(key): value for key, value in raw.items() if str(key).startswith("x-")},
    )


def _parameters(model: SchemaModel, walked: Walked) -> tuple[Parameter, ...]:
    shared, own = walked.item.get("parameters") or [], walked.operation.get("parameters") or []
    item_pointer = walked.pointer.rsplit("/", 1)[0]
    places = [join_pointer(item_pointer, "parameters", index) for index in range(len(shared))]
    places += [join_pointer(walked.pointer, "parameters", index) for index in range(len(own))]
    merged: dict[tuple[str, str], Parameter] = {}
    for place, raw in zip(places, [*shared, *own], strict=True):
        node = deref(model.source, raw)
        if not isinstance(node, Mapping):
            continue
        name, location = str(node.get("name")), str(node.get("in"))
        examples = [node["example"]] if "example" in node else []
        named = node.get("examples") or {}
        for example in named.values() if isinstance(named, Mapping) else ():
            value = deref(model.source, example)
            if isinstance(value, Mapping) and "value" in value:
                examples.append(value["value"])
        merged[(name, location)] = Parameter(
            name=name,
            location=location,
            required=bool(node.get("required", location == "path")),
            description=str(node.get("description", "")),
            schema=model.schema_at(node["schema"], join_pointer(place, "schema")) if "schema" in node else None,
            examples=tuple(examples),
            pointer=place,
        )
    return tuple(merged.values())


def _media(model: SchemaModel, body: Any, pointer: str, defined: str) -> tuple[Media, ...]:
    """The media types of a request or response body, at ``pointer`` in the operation; ``defined`` is where the
    body is written (its schemas' places in ``model.bodies``)."""
    content = body.get("content") if isinstance(body, Mapping) else None
    if not isinstance(content, Mapping):
        return ()
    found = []
    for media, value in content.items():
        where = join_pointer(pointer, "content", media)
        if not isinstance(value, Mapping):
            found.append(Media(str(media), where, None))
            continue
        schema = None
        if "schema" in value:
            key = model.bodies.get(join_pointer(defined, "content", media, "schema"))
            raw = {"$ref": model.ref_of(key)} if key is not None else value["schema"]
            schema = model.schema_at(raw, join_pointer(where, "schema"))
        named = value.get("examples") or {}
        examples = {}
        for name, example in named.items() if isinstance(named, Mapping) else ():
            resolved = deref(model.source, example)
            if isinstance(resolved, Mapping) and "value" in resolved:
                examples[str(name)] = resolved["value"]
        found.append(Media(str(media), where, schema, examples, (value["example"],) if "example" in value else ()))
    return tuple(found)


def _server(server: Any) -> Server:
    if not isinstance(server, Mapping):
        return Server(None)
    url, given = server.get("url"), server.get("variables")
    variables = given if isinstance(given, Mapping) else {}
    return Server(
        url if isinstance(url, str) else None,
        {str(name): str(value.get("default", "")) for name, value in variables.items() if isinstance(value, Mapping)},
    )


def _schemes(document: Mapping[str, Any], schemes: Mapping[str, Any]) -> dict[str, SecurityScheme]:
    found = {}
    for name, raw in schemes.items():
        scheme = deref(document, raw)
        if isinstance(scheme, Mapping):
            found[str(name)] = SecurityScheme(
                type=str(scheme.get("type", "")),
                scheme=str(scheme.get("scheme", "")),
                location=str(scheme.get("in", "")),
                name=scheme["name"] if isinstance(scheme.get("name"), str) else None,
            )
    return found

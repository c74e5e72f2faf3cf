"""The schema model of one spec: every named schema as nodes, the bodies of its operations named, and the
spec written back in one canonical OpenAPI 3.1 / JSON Schema 2020-12 form for the emitters that read a
document (see ARCHITECTURE.md for which do).

Named schemas are the spec's own (``components/schemas`` or ``$defs``, and a JSON Schema's root), the request
and response bodies written inline in ``paths`` (``<OperationId>Request``, ``<OperationId>Response``, with the
status added only where one operation has several), and the inline objects and enums below them
(generator.schema.naming). An operation without an ``operationId`` gets one from its method and path.
What the model cannot carry (bodies of other media types than JSON, cookie parameters) is a warning with its
place; the rest of the spec still generates. The same walk of the paths makes their typed records
(generator.schema.paths: ``SchemaModel.paths``), which the emitters read instead of any document's paths.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator import names
from generator.problems import Problem, escape_pointer_token, join_pointer
from generator.schema import canonical, examples
from generator.schema import paths as records
from generator.schema.naming import Namer
from generator.schema.nodes import ROOT, Enum, Named, Node
from generator.schema.paths import Paths, Walked, Written, component_key, deref
from generator.schema.read import Reader
from generator.spec_walk import ref_tokens

METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")


@dataclass
class SchemaModel:
    kind: str  # "openapi" or "jsonschema"
    label: str
    source: Mapping[str, Any]  # the spec as loaded (read by nothing but this package)
    named: dict[str, Named] = field(default_factory=dict)
    inline: list[Node] = field(default_factory=list)  # the named inline schemas, in naming order
    # The Python class of every named schema, by key (a named inline schema's key is its name; a JSON Schema's
    # root is ROOT): chosen here, once, for every emitter.
    classes: dict[str, str] = field(default_factory=dict)
    # The named schemas whose values are a class of their own beside null (generator.schema.naming.apart):
    # key -> the values' class.
    values: dict[str, str] = field(default_factory=dict)
    bodies: dict[str, str] = field(default_factory=dict)  # pointer of a body's schema -> its named schema
    operation_ids: dict[str, str] = field(default_factory=dict)  # pointer of an operation -> its operationId
    # the operations, servers, security schemes and extensions of an OpenAPI spec (generator.schema.paths)
    paths: Paths = field(default_factory=Paths)
    warnings: list[Problem] = field(default_factory=list)
    _definitions: dict[str, Any] | None = field(default=None, repr=False)  # for _accepts, made on first need
    _reader: Reader | None = field(default=None, repr=False)  # for schema_at
    _synced: int = field(default=0, repr=False)  # how many named schemas _reader knows

    def class_of(self, key: str) -> str | None:
        """The Python class of the named schema ``key`` (None: the spec has no such schema)."""
        return self.classes.get(key)

    def node(self, key: str) -> Node | None:
        """The node of the named schema ``key`` (None: the spec has no such schema)."""
        item = self.named.get(key)
        return item.node if item is not None else None

    def schema_at(self, raw: Any, pointer: str) -> Node:
        """The node of a schema the model does not name, written in the paths at ``pointer`` (a parameter's, a
        body's: ``raw``, a reference to a named schema where the model named the body), read as the named
        schemas are (generator.schema.read); the questions emitters ask of it are generator.schema.queries."""
        if self._reader is None:
            openapi30 = self.kind == "openapi" and str(self.source.get("openapi", "")).startswith("3.0")
            self._reader = Reader(self.source, self.area, openapi30=openapi30, label=self.label)
        if self._synced != len(self.named):  # the paths are read while their bodies are named: those named since
            for key, item in self.named.items():
                self._reader.named.setdefault(key, item.node)
            self._synced = len(self.named)
        return self._reader.read(raw, pointer)

    @property
    def area(self) -> tuple[str, ...]:
        return ("components", "schemas") if self.kind == "openapi" else ("$defs",)

    def ref_of(self, key: str) -> str:
        if key == ROOT:
            return "#"
        return "#" + "".join("/" + escape_pointer_token(token) for token in (*self.area, key))

    def targets(self) -> dict[str, str]:
        """The schemas a payload can be checked against, by name: the spec's own and the named bodies, with
        their JSON pointers into the canonical document."""
        found = {}
        for key, item in self.named.items():
            if item.origin != "inline":
                found[key] = self.ref_of(key)
        return found

    def example(self, key: str) -> Any:
        """An example body of the named schema ``key`` made from its nodes (generator.schema.examples), or
        ``NO_EXAMPLE``."""
        item = self.named.get(key)
        if item is None:
            return examples.NO_EXAMPLE
        return examples.example(
            item.node, lambda name: self.named[name].node if name in self.named else None, self._accepts
        )

    def _accepts(self, node: Node, value: Any) -> bool:
        """Whether JSON Schema (jsonschema, on the canonical document) accepts ``value`` for ``node``."""
        import jsonschema  # noqa: PLC0415 - only for the examples of a oneOf

        if self._definitions is None:
            entries = self.document()["components" if self.kind == "openapi" else "$defs"]
            entries = entries["schemas"] if self.kind == "openapi" else entries
            self._definitions = json.loads(json.dumps(entries).replace("#/components/schemas/", "#/$defs/"))
        schema = json.loads(json.dumps(canonical.place(node, self.ref_of)).replace("#/components/schemas/", "#/$defs/"))
        if not isinstance(schema, dict):
            return bool(schema)
        return bool(jsonschema.Draft202012Validator({**schema, "$defs": self._definitions}).is_valid(value))

    @property
    def title(self) -> str:
        """The spec's title (OpenAPI's ``info.title``, a JSON Schema's ``title``), or ""."""
        info = self.source.get("info")
        return str((info.get("title") if isinstance(info, Mapping) else None) or self.source.get("title") or "")

    @property
    def description(self) -> str:
        """The first paragraph of the spec's description (``info.description``, or a JSON Schema's), or ""."""
        info = self.source.get("info")
        text = (info.get("description") if isinstance(info, Mapping) else None) or self.source.get("description")
        return str(text or "").strip().split("\n\n", 1)[0]

    def document(self) -> dict[str, Any]:
        """The spec in canonical form (see generator.schema.canonical)."""
        entries = {key: canonical.definition(item.node, self.ref_of) for key, item in self.named.items()}
        entries.update({node.name: canonical.entry(node, self.ref_of) for node in self.inline if node.name})
        if self.kind == "jsonschema":
            root = entries.pop(ROOT, {})
            result = {key: value for key, value in root.items() if key not in ("$defs", "definitions")}
            result["$defs"] = entries
            return result
        result = copy.deepcopy(dict(self.source))
        result["openapi"] = "3.1.0"
        result.setdefault("components", {})
        result["components"] = {**result["components"], "schemas": entries}
        for pointer, key in self.bodies.items():
            _replace(result, pointer, {"$ref": self.ref_of(key)})
        for pointer, operation_id in self.operation_ids.items():
            _replace(result, join_pointer(pointer, "operationId"), operation_id)
        return result


def build(
    document: Mapping[str, Any], kind: str, label: str, root_class: str = ""
) -> tuple[SchemaModel, list[Problem]]:
    """Read a checked spec into its schema model; the problems that stop generation, if any."""
    model = SchemaModel(kind, label, document)
    openapi30 = kind == "openapi" and str(document.get("openapi", "")).startswith("3.0")
    reader = Reader(document, model.area, openapi30=openapi30, label=label)
    area: Any = document
    for token in model.area:
        area = area.get(token, {}) if isinstance(area, Mapping) else {}
    keys = [str(key) for key in (area if isinstance(area, Mapping) else {})]
    classes = names.class_names(keys, taken=[root_class] if root_class else [])
    taken = [*classes.values()]
    if root_class:
        taken.append(root_class)
        model.classes[ROOT] = root_class
        model.named[ROOT] = Named(ROOT, reader.read_named(ROOT) or reader.read({}, ""), "component")
    for key in keys:
        node = reader.read_named(key)
        if node is not None:
            model.named[key] = Named(key, node, "component")
    namer = Namer(taken)
    if kind == "openapi":
        _read_paths(model, reader, namer)
    for key, item in model.named.items():
        model.classes[key] = root_class if key == ROOT else key if item.origin == "body" else classes[key]
    for key, item in list(model.named.items()):
        if key == ROOT:
            namer.visit(item.node, root_class)
        else:
            namer.visit(item.node, key if item.origin == "body" else names.class_name(key))
    model.values = namer.finish({key: item.node for key, item in model.named.items()}, model.classes)
    model.inline = namer.order
    model.classes.update({node.name: node.name for node in model.inline if node.name})
    model.classes.update({name: name for name in model.values.values()})
    return model, reader.problems


def _read_paths(model: SchemaModel, reader: Reader, namer: Namer) -> None:
    """Walk the operations once: give those without an ``operationId`` one, warn about cookie parameters, name
    the JSON bodies, and make each operation's record (generator.schema.paths): ``model.paths``."""
    document = model.source
    operations: list[records.Operation] = []
    shared: dict[str, str] = {}  # pointer of a shared (components) body's schema -> its name
    for path, raw_item in (document.get("paths") or {}).items():
        item = deref(document, raw_item)
        if not isinstance(item, Mapping):
            continue
        for method in METHODS:
            operation = item.get(method)
            if not isinstance(operation, Mapping):
                continue
            pointer = join_pointer("/paths", path, method)
            operation_id = operation.get("operationId")
            if not isinstance(operation_id, str) or not operation_id:
                operation_id = _operation_id(method, str(path))
                model.operation_ids[pointer] = operation_id
            _cookies(model, [*item.get("parameters", []), *operation.get("parameters", [])], pointer)
            responses = {
                str(status): _written(document, response, "responses", join_pointer(pointer, "responses", status))
                for status, response in (operation.get("responses") or {}).items()
            }
            raw = operation.get("requestBody")
            where = join_pointer(pointer, "requestBody")
            request = None if raw is None else _written(document, raw, "requestBodies", where)
            for where, schema, wanted in _bodies(model, responses, request, names.pascal(operation_id)):
                if where not in shared:
                    shared[where] = namer.free(wanted)
                    _add_body(model, reader, where, schema, shared[where])
            walked = Walked(str(path), method, pointer, operation_id, item, operation, responses, request)
            operations.append(records.operation(model, walked))
    model.paths = records.read(model, operations)


def _written(document: Mapping[str, Any], raw: Any, area: str, pointer: str) -> Written:
    """A request or response body through its ``$ref``, written at its ``components/<area>`` place when it is a
    reference to one there, else at ``pointer`` (its place in the operation)."""
    key = component_key(raw, area)
    return Written(join_pointer("/components", area, key) if key else pointer, key, deref(document, raw))


def _bodies(
    model: SchemaModel, responses: Mapping[str, Written], request: Written | None, base: str
) -> Iterator[tuple[str, Any, str]]:
    """(pointer of the schema, schema, wanted name) of each JSON body of an operation: its responses' (the
    status added to the name only where the operation has several bodies of its own) and its request's."""
    found = []
    for status, response in responses.items():
        for place, schema in _json_schemas(model, response.body, response.place, downloads=True):
            found.append((status, place, schema, response.key))
    own = [status for status, _, _, key in found if key is None]
    first = next((status for status in own if status.startswith("2")), own[0] if own else None)
    for status, place, schema, key in found:
        if key is not None:
            yield place, schema, _suffixed(names.pascal(key), "Response")
        elif status == first:
            yield place, schema, base + "Response"
        else:
            yield place, schema, base + "Response" + names.pascal(status.upper())
    if request is not None:
        for place, schema in _json_schemas(model, request.body, request.place):
            yield place, schema, _suffixed(names.pascal(request.key), "Request") if request.key else base + "Request"


def _suffixed(name: str, suffix: str) -> str:
    return name if name.endswith(suffix) else name + suffix


def _add_body(model: SchemaModel, reader: Reader, where: str, schema: Any, name: str) -> None:
    if where in model.bodies:
        return
    ref = schema.get("$ref") if isinstance(schema, Mapping) else None
    key = reader.named_key(ref) if isinstance(ref, str) else None
    if key is not None and not isinstance(reader.named.get(key), Enum):
        return  # a named schema already: the body's model is that schema (an enum is no model: it is wrapped)
    model.named[name] = Named(name, reader.read(schema, where), "body")
    model.bodies[where] = name


def _json_schemas(model: SchemaModel, body: Any, pointer: str, *, downloads: bool = False) -> Iterator[tuple[str, Any]]:
    """The schema of the first JSON media type of a request or response body; a warning for the others, except
    (``downloads``: a response) a binary string, which the clients stream to a file."""
    content = body.get("content") if isinstance(body, Mapping) else None
    if not isinstance(content, Mapping):
        return
    found = False
    for media, value in content.items():
        if not isinstance(value, Mapping) or "schema" not in value:
            continue
        where = join_pointer(pointer, "content", media)
        if str(media).split(";")[0].strip().lower().endswith("json") and not found:
            found = True
            yield join_pointer(where, "schema"), value["schema"]
        elif downloads and _is_binary(deref(model.source, value["schema"])):
            continue
        elif not str(media).split(";")[0].strip().lower().endswith("json"):
            model.warnings.append(
                Problem(model.label, where, f"media type {media!r} is not modelled: only JSON bodies get models")
            )


def _is_binary(schema: Any) -> bool:
    """A ``{type: string, format: binary}`` schema (OpenAPI 3.0's way to say "the bytes", still common in 3.1)."""
    return isinstance(schema, Mapping) and schema.get("type") == "string" and schema.get("format") == "binary"


def _cookies(model: SchemaModel, parameters: list[Any], pointer: str) -> None:
    for index, raw in enumerate(parameters):
        parameter = deref(model.source, raw)
        if isinstance(parameter, Mapping) and parameter.get("in") == "cookie":
            where = join_pointer(pointer, "parameters", index)
            model.warnings.append(
                Problem(
                    model.label,
                    where,
                    f"cookie parameter {parameter.get('name')!r} is not supported: the clients do not send it",
                )
            )


def _operation_id(method: str, path: str) -> str:
    """``get /pets/{petId}/photos`` -> ``getPetsPetIdPhotos``."""
    words = [word for word in re.split(r"[^0-9A-Za-z]+", path) if word]
    return method + "".join(word[:1].upper() + word[1:] for word in words)


def _replace(document: dict[str, Any], pointer: str, value: Any) -> None:
    tokens = ref_tokens("#" + pointer)
    node: Any = document
    try:
        for token in tokens[:-1]:
            node = node[int(token)] if isinstance(node, list) else node[token]
        node[tokens[-1]] = value
    except (KeyError, IndexError, ValueError, TypeError):
        pass  # a place reached through a reference (a shared path item): written where it is defined

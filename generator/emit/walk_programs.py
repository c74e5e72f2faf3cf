"""The programs of the full path's walks (``evaljobs._walk_programs.<api>``), read from the generated models.

The models are imported in a fresh interpreter from the staged package (``programs``); each annotation of
each model becomes a node of the program (see ``evaljobs._walk`` for the kinds). What the walk cannot
mirror exactly becomes an ``unsure`` node, where the runtime leaves the payload to the models: a type that
coerces (not strict), an unknown kind of metadata, a model that refuses unknown fields.
"""

from __future__ import annotations

import ast
import types
import typing
from pathlib import Path
from typing import Any

from generator.problems import GenerationFailed, Problem
from generator.publish.gate import fresh_interpreter, static_gate

ROOT = Path(__file__).resolve().parent.parent.parent

Node = tuple[Any, ...]


def programs(package: Path, apis: list[str]) -> dict[str, tuple[tuple[Node, ...], dict[str, int]]]:
    """api -> (nodes, schema name -> node) for the staged ``package``, read in a fresh interpreter."""
    script = (
        "import sys; sys.path[:0] = [sys.argv[1], sys.argv[2]]\n"
        "from generator.emit.walk_programs import main; main(sys.argv[3:])\n"
    )
    static_gate(package)  # nothing spec-made runs before the gate has read it
    result = fresh_interpreter(script, package, [str(ROOT), *apis], "reading the models")
    found = {}
    for line in result.stdout.splitlines():
        api, _, text = line.partition(" ")
        try:
            found[api] = ast.literal_eval(text)
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            break  # reported below, as a program not read
    if result.returncode != 0 or found.keys() != set(apis):
        tail = result.stderr.strip().splitlines()[-1:] or ["no output"]
        raise GenerationFailed([Problem(package.name, "", f"cannot read the models' annotations: {tail[0]}")])
    return found


def main(apis: list[str]) -> None:
    """In the fresh interpreter: print ``api repr(program)`` for each API."""
    import importlib  # noqa: PLC0415

    for api in apis:
        routes = importlib.import_module(f"evaljobs._routes.{api}")
        models = importlib.import_module(f"evaljobs.{api}.models")
        scannable = importlib.import_module(f"evaljobs._scanner_programs.{api}").NATIVE_TARGETS
        names_of: dict[str, list[str]] = {}
        for name, cls in routes.CLASSES.items():
            names_of.setdefault(cls, []).append(name)
        strict = {cls: names[0] for cls, names in names_of.items() if len(names) == 1 and names[0] in scannable}
        compiler = Compiler(strict)
        targets = {name: compiler.node(getattr(models, cls)) for name, cls in routes.CLASSES.items()}
        print(api, repr((tuple(compiler.nodes), targets)), flush=True)


class Compiler:
    """Turns annotations into the nodes of one program (equal nodes shared, models by class)."""

    def __init__(self, strict: dict[str, str]) -> None:
        self.strict = strict  # model class name -> the schema whose fast type checks it, when only one does
        self.nodes: list[Node] = []
        self._placed: dict[Node, int] = {}
        self._models: dict[type, int] = {}

    def place(self, node: Node) -> int:
        if node not in self._placed:
            self._placed[node] = len(self.nodes)
            self.nodes.append(node)
        return self._placed[node]

    def field(self, field: Any) -> int:
        """The node of a model's field: its annotation, its metadata, and the discriminator it may name."""
        if isinstance(field.discriminator, str):
            return self._checked(field.annotation, tuple(field.metadata), field.discriminator)
        if field.discriminator is not None:
            return self._unsure("a discriminator that is not a field name")
        return self.node(field.annotation, tuple(field.metadata))

    def node(self, annotation: Any, metadata: tuple[Any, ...] = ()) -> int:
        from pydantic import BaseModel  # noqa: PLC0415 - the fresh interpreter's

        if metadata:
            return self._checked(annotation, metadata)
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            base, *extra = typing.get_args(annotation)
            return self.node(base, tuple(extra))
        if origin in (typing.Union, types.UnionType):
            return self._union(typing.get_args(annotation))
        if origin is list:
            return self.place(("list", self.node(typing.get_args(annotation)[0])))
        if origin is dict:
            key, value = typing.get_args(annotation)
            return self.place(("dict", self.node(value))) if key is str else self._unsure(f"keys {key!r}")
        if origin is typing.Literal:
            return self._literal(typing.get_args(annotation))
        if annotation is typing.Any:
            return self.place(("any",))
        if annotation is type(None):
            return self.place(("none",))
        if annotation is str:
            return self.place(("str",))
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            return self._model(annotation)
        if isinstance(annotation, type):
            return self._class(annotation)
        return self._unsure(f"annotation {annotation!r}")

    def _checked(self, annotation: Any, metadata: tuple[Any, ...], discriminator: str | None = None) -> int:
        """An annotation with metadata: ``Strict`` makes int, float and bool exact; bounds, lengths and a
        pattern become a ``checked`` node (the walk checks them; broken, the models decide)."""
        import annotated_types  # noqa: PLC0415
        from pydantic import Strict  # noqa: PLC0415
        from pydantic.fields import FieldInfo  # noqa: PLC0415

        strict = False
        constraints: list[tuple[str, Any]] = []
        names = {
            annotated_types.Ge: "ge",
            annotated_types.Gt: "gt",
            annotated_types.Le: "le",
            annotated_types.Lt: "lt",
            annotated_types.MultipleOf: "multiple_of",
            annotated_types.MinLen: "min_length",
            annotated_types.MaxLen: "max_length",
        }
        pending = list(metadata)
        while pending:
            item = pending.pop(0)
            if isinstance(item, Strict):
                strict = strict or item.strict
            elif type(item) in names:
                name = names[type(item)]
                constraints.append((name, getattr(item, name)))
            elif isinstance(item, FieldInfo):
                pending[:0] = item.metadata
                if item.discriminator is not None:
                    if not isinstance(item.discriminator, str):
                        return self._unsure("a discriminator that is not a field name")
                    discriminator = item.discriminator
            elif hasattr(item, "pattern") and set(vars(item)) <= {"pattern", "strict"}:  # Field(pattern=...)
                if item.pattern is not None:
                    constraints.append(("pattern", str(item.pattern)))
                strict = strict or bool(getattr(item, "strict", False))
            else:
                return self._unsure(f"metadata {item!r}")
        if strict and annotation in (int, float, bool):
            inner = self.place((annotation.__name__,))
        elif strict and annotation is str:
            inner = self.place(("str",))
        elif discriminator is not None:
            inner = self._tagged(annotation, discriminator)
        else:
            inner = self.node(annotation)
        return self.place(("checked", inner, tuple(constraints))) if constraints else inner

    def _union(self, members: tuple[Any, ...]) -> int:
        """A union: null makes it nullable (pydantic reports only the other members then), MISSING (the
        field may be absent) adds nothing the walk checks."""
        kept = [m for m in members if m is not type(None) and _is_type(m)]
        nullable = type(None) in members
        inner = self.node(kept[0]) if len(kept) == 1 else self.place(("union", tuple(self.node(m) for m in kept)))
        return self.place(("nullable", inner)) if nullable else inner

    def _tagged(self, annotation: Any, field_name: str) -> int:
        """A union the models tell apart by a discriminator: ``("union", members, (key, ((tag, member),
        ...)))``, each member a model whose field ``field_name`` is a Literal of its tags."""
        from pydantic import BaseModel  # noqa: PLC0415

        members = [m for m in typing.get_args(annotation) if m is not type(None)]
        if typing.get_origin(annotation) not in (typing.Union, types.UnionType) or not all(
            isinstance(m, type) and issubclass(m, BaseModel) and field_name in m.model_fields for m in members
        ):
            return self._unsure("a discriminated union of other than models")
        key = members[0].model_fields[field_name].alias or field_name
        tags: list[tuple[str, int]] = []
        for member in members:
            literal = member.model_fields[field_name].annotation
            if typing.get_origin(literal) is not typing.Literal:
                return self._unsure(f"a discriminator field of {member.__name__} that is not a Literal")
            index = self.node(member)
            tags.extend((str(tag), index) for tag in typing.get_args(literal))
        members_placed = tuple(dict.fromkeys(index for _, index in tags))
        inner = self.place(("union", members_placed, (key, tuple(tags))))
        return self.place(("nullable", inner)) if type(None) in typing.get_args(annotation) else inner

    def _literal(self, values: tuple[Any, ...]) -> int:
        from pydantic import TypeAdapter, ValidationError  # noqa: PLC0415

        if not all(isinstance(v, str | int | bool) or v is None for v in values):
            return self._unsure("a literal of another kind")
        try:
            TypeAdapter(typing.Literal[values]).validate_python(object())  # type: ignore[arg-type]
        except ValidationError as failure:
            message = str(failure.errors(include_url=False)[0]["msg"])
            return self.place(("literal", values, message.removeprefix("Input should be ")))
        return self._unsure("a literal that takes anything")

    def _class(self, annotation: type) -> int:
        from pydantic import TypeAdapter, ValidationError  # noqa: PLC0415

        from evaljobs._types import DateTime, OpenEnum  # noqa: PLC0415 - the staged package's

        if issubclass(annotation, OpenEnum):
            values = tuple(member.value for member in annotation)
            try:
                TypeAdapter(annotation).validate_python(0)
            except ValidationError as failure:
                message = str(failure.errors(include_url=False)[0]["msg"])
                phrase = message.replace("Input should be ", "one of ")
                return self.place(("enum", annotation.__name__, values, phrase))
            return self._unsure("an enum that takes a number")
        if issubclass(annotation, DateTime):
            return self.place(("datetime", annotation.offset_required, annotation._expected))
        return self._unsure(f"type {annotation.__name__}")  # int, float, bool without Strict coerce

    def _model(self, model: Any) -> int:
        from pydantic import RootModel  # noqa: PLC0415

        if model in self._models:
            return self._models[model]
        index = self._models[model] = self.place(("unsure", f"model {model.__name__} being read"))
        strict = self.strict.get(model.__name__)
        if issubclass(model, RootModel):
            field = model.model_fields["root"]
            node: Node = ("root", model.__name__, self.field(field), strict)
        elif model.model_config.get("extra") != "allow":
            node = ("unsure", f"model {model.__name__} does not allow unknown fields")
        else:
            fields = tuple(
                (field.alias or name, self.field(field), field.is_required())
                for name, field in model.model_fields.items()
            )
            node = ("model", model.__name__, fields, strict)
        del self._placed[self.nodes[index]]
        self.nodes[index] = node
        self._placed.setdefault(node, index)
        return index

    def _unsure(self, why: str) -> int:
        return self.place(("unsure", why))


def _is_type(member: Any) -> bool:
    """Whether a union member is a type to check (not the MISSING sentinel of an optional field)."""
    return isinstance(member, type) or typing.get_origin(member) is not None or member is typing.Any

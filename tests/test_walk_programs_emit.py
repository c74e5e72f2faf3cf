"""generator.emit.walk_programs: the walk's programs compiled from the schema model.

Small specs of the tests' own, one construct per schema (objects with required, optional and typed extra
properties, nested allOf, oneOf with a discriminator with and without a mapping, OpenAPI 3.0's nullable,
enums, const, type lists, arrays, maps, recursion, formats): the nodes compiled for each, and the walk run on
those nodes agreeing with the models (pydantic, generated from the same specs) on payloads each schema
accepts and refuses.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any

import pytest

from generator.build import Api, prepare
from generator.emit.pysource import program_classes, program_node
from generator.emit.walk_programs import Program, program
from generator.runtime._validation import program_nodes
from generator.runtime._validation.program_nodes import (
    Array,
    Checked,
    Float,
    Int,
    Map,
    Model,
    Nullable,
    Root,
    Str,
    Union,
)
from generator.schema.nodes import ROOT
from tests.generation import run_generator, run_python

SNIPPETS_30 = """
openapi: 3.0.3
info: {title: Snippets, version: "1"}
paths: {}
components:
  schemas:
    Thing:
      type: object
      required: [name, size]
      properties:
        name: {type: string, minLength: 2}
        size: {type: integer, minimum: 0, maximum: 10}
        ratio: {type: number, nullable: true}
        note: {type: string, nullable: true}
        at: {type: string, format: date-time}
        email: {type: string, format: email}
        tags: {type: array, items: {type: string}, maxItems: 3}
        labels: {type: object, additionalProperties: {type: integer}}
        level: {type: string, enum: [low, high]}
        odd: {type: string, enum: ["it's", 'say "hi"', "é"]}
        code: {type: string, pattern: "^[A-Z]{3}$"}
        base: {$ref: "#/components/schemas/Base"}
    Closed:
      type: object
      additionalProperties: false
      properties:
        a: {type: string}
    Base:
      type: object
      required: [id]
      properties:
        id: {type: string}
    Merged:
      allOf:
        - $ref: "#/components/schemas/Base"
        - allOf:
            - type: object
              required: [extra]
              properties:
                extra: {type: boolean}
        - type: object
          properties:
            count: {type: integer}
    Cat:
      type: object
      required: [pet_type]
      properties:
        pet_type: {type: string}
        hunts: {type: boolean}
    Dog:
      type: object
      required: [pet_type]
      properties:
        pet_type: {type: string}
        barks: {type: boolean}
    Pet:
      oneOf:
        - $ref: "#/components/schemas/Cat"
        - $ref: "#/components/schemas/Dog"
      discriminator:
        propertyName: pet_type
    Circle:
      type: object
      required: [kind, r]
      properties:
        kind: {type: string}
        r: {type: number}
    Square:
      type: object
      required: [kind, side]
      properties:
        kind: {type: string}
        side: {type: integer}
    Shape:
      oneOf:
        - $ref: "#/components/schemas/Circle"
        - $ref: "#/components/schemas/Square"
      discriminator:
        propertyName: kind
        mapping:
          round: "#/components/schemas/Circle"
          box: "#/components/schemas/Square"
    Tree:
      type: object
      required: [value]
      properties:
        value: {type: integer}
        children:
          type: array
          items: {$ref: "#/components/schemas/Tree"}
    Names:
      type: array
      items: {type: string}
      minItems: 1
    Counts:
      type: object
      additionalProperties: {type: integer, nullable: true}
    Either:
      anyOf:
        - {type: string}
        - {type: integer}
    Status:
      type: string
      enum: ["on", "off"]
    Animal:
      type: object
      required: [kind]
      properties:
        kind: {type: string}
        name: {type: string}
      discriminator:
        propertyName: kind
    Bird:
      type: object
      allOf:
        - $ref: "#/components/schemas/Animal"
        - type: object
          properties:
            wings: {type: integer}
    Fish:
      allOf:
        - $ref: "#/components/schemas/Animal"
        - type: object
          required: [fins]
          properties:
            fins: {type: integer}
            water: {type: string, enum: [salt, fresh]}
    Creature:
      oneOf:
        - $ref: "#/components/schemas/Bird"
        - $ref: "#/components/schemas/Fish"
      discriminator:
        propertyName: kind
    Zoo:
      type: object
      properties:
        star: {$ref: "#/components/schemas/Animal"}
        sealed: {type: object, additionalProperties: false, nullable: true}
"""

SNIPPETS_31 = """
openapi: 3.1.0
info: {title: Snippets 3.1, version: "1"}
paths: {}
components:
  schemas:
    Probe:
      type: object
      required: [kind]
      properties:
        kind: {const: probe}
        maybe: {type: [string, "null"]}
        either: {type: [integer, string]}
        when: {type: [string, "null"], format: date-time}
        small: {type: [number, "null"], exclusiveMinimum: 0, maximum: 1}
        list: {type: [array, "null"], items: {type: integer}}
        any: {}
        rounded: {type: integer, minimum: 1.5, maximum: 10.0}
        scores: {type: array, items: {type: number, minimum: 0}}
        counts: {type: array, items: {type: integer, minimum: 0}}
    Empty:
      type: object
    EmptyClosed:
      type: object
      additionalProperties: false
    Untyped:
      required: [a]
"""


@pytest.fixture(scope="module")
def apis(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Api]:
    folder = tmp_path_factory.mktemp("snippets")
    (folder / "snippets.openapi.yaml").write_text(SNIPPETS_30)
    (folder / "snippets31.openapi.yaml").write_text(SNIPPETS_31)
    return {api.spec.name: api for api in prepare(folder)}


def _program(api: Api) -> Program:
    keys = {name: ROOT if api.root and name == api.root else name for name in api.model.targets()}
    return program(api.model, keys, api.class_of_key, set())


def _expand(nodes: tuple[Any, ...], index: int, seen: tuple[int, ...] = ()) -> Any:
    """The node at ``index`` as a tuple, its kind first, with the nodes it refers to written in place (a cycle
    as ``("@", class)``); the fields of a scalar or an array that the walk's programs leave at their defaults
    (the walk's bounds are in ``Checked`` nodes) left out."""
    node = nodes[index]
    if index in seen:
        return ("@", node.name)
    seen = (*seen, index)
    if isinstance(node, Array | Map | Nullable):
        return (node.kind, _expand(nodes, node[0], seen))
    if isinstance(node, Checked):
        return (node.kind, _expand(nodes, node.node, seen), node.constraints)
    if isinstance(node, Root):
        return (node.kind, node.name, _expand(nodes, node.node, seen))
    if isinstance(node, Model):
        return (node.kind, node.name, {f.key: (_expand(nodes, f.node, seen), f.required) for f in node.fields})
    if isinstance(node, Union):
        members = tuple(_expand(nodes, member, seen) for member in node.members)
        if node.discriminator is not None:
            key, tags = node.discriminator
            return (node.kind, members, key, tuple((tag, nodes[member].name) for tag, member in tags))
        return (node.kind, members)
    if isinstance(node, Str | Int | Float):
        return (node.kind,)
    return (node.kind, *node[:-1])


def _target(api: Api, name: str) -> Any:
    found = _program(api)
    return _expand(found.nodes, found.targets[name])


NUMBER = ("union", (("int",), ("float",)))


def test_an_object_has_its_fields_required_and_optional_with_their_checks(apis: dict[str, Api]) -> None:
    kind, name, fields = _target(apis["snippets"], "Thing")
    assert (kind, name) == ("model", "Thing")
    assert list(fields) == [
        *("name", "size", "ratio", "note", "at", "email", "tags", "labels", "level", "odd", "code", "base"),
    ]
    assert {key for key, (_, required) in fields.items() if required} == {"name", "size"}
    assert fields["name"][0] == ("checked", ("str",), (("min_length", 2),))
    assert fields["size"][0] == ("checked", ("int",), (("ge", 0), ("le", 10)))
    assert fields["ratio"][0] == ("nullable", NUMBER)  # 3.0's nullable
    assert fields["note"][0] == ("nullable", ("str",))
    assert fields["at"][0][:2] == ("datetime", True)
    assert fields["email"][0] == ("str",)  # the models keep other formats as plain strings
    assert fields["tags"][0] == ("checked", ("array", ("str",)), (("max_length", 3),))
    assert fields["labels"][0] == ("map", ("int",))
    assert fields["level"][0] == ("enum", "ThingLevel", ("low", "high"), "one of 'low' or 'high'")
    assert fields["code"][0] == ("checked", ("str",), (("pattern", "^[A-Z]{3}$"),))
    assert fields["base"][0] == ("model", "Base", {"id": (("str",), True)})


def test_a_closed_object_is_left_to_the_models(apis: dict[str, Api]) -> None:
    assert _target(apis["snippets"], "Closed")[0] == "unsure"


def test_a_nested_allof_is_one_model_with_every_member_s_fields(apis: dict[str, Api]) -> None:
    assert _target(apis["snippets"], "Merged") == (
        "model",
        "Merged",
        {"id": (("str",), True), "extra": (("bool",), True), "count": (("int",), False)},
    )


def test_a_discriminator_without_mapping_tags_members_by_their_names(apis: dict[str, Api]) -> None:
    kind, name, inner = _target(apis["snippets"], "Pet")
    assert (kind, name) == ("root", "Pet")
    union, members, key, tags = inner
    assert (union, key, tags) == ("union", "pet_type", (("Cat", "Cat"), ("Dog", "Dog")))
    cat, dog = members
    assert cat[2]["pet_type"] == (("literal", ("Cat",), "'Cat'"), True)  # the models' Literal tag
    assert dog[2]["pet_type"] == (("literal", ("Dog",), "'Dog'"), True)


def test_a_discriminator_with_a_mapping_tags_members_by_it(apis: dict[str, Api]) -> None:
    _, _, (_, members, key, tags) = _target(apis["snippets"], "Shape")
    assert (key, tags) == ("kind", (("round", "Circle"), ("box", "Square")))
    assert members[0][2]["kind"][0] == ("literal", ("round",), "'round'")


def test_recursion_refers_back_to_the_model(apis: dict[str, Api]) -> None:
    found = _program(apis["snippets"])
    tree = found.targets["Tree"]
    fields = {field.key: field.node for field in found.nodes[tree].fields}
    assert found.nodes[fields["children"]] == Array(tree)


def test_roots_enums_and_unions(apis: dict[str, Api]) -> None:
    snippets = apis["snippets"]
    assert _target(snippets, "Names") == ("root", "Names", ("checked", ("array", ("str",)), (("min_length", 1),)))
    assert _target(snippets, "Counts") == ("root", "Counts", ("map", ("nullable", ("int",))))
    assert _target(snippets, "Either") == ("root", "Either", ("union", (("str",), ("int",))))
    assert _target(snippets, "Status") == ("enum", "Status", ("on", "off"), "one of 'on' or 'off'")


def test_const_and_type_lists_of_openapi_3_1(apis: dict[str, Api]) -> None:
    _, _, fields = _target(apis["snippets31"], "Probe")
    assert fields["kind"] == (("literal", ("probe",), "'probe'"), True)
    assert fields["maybe"][0] == ("nullable", ("str",))
    assert fields["either"][0] == ("union", (("int",), ("str",)))
    assert fields["when"][0][0] == "nullable" and fields["when"][0][1][0] == "datetime"
    assert fields["small"][0] == ("checked", ("nullable", NUMBER), (("le", 1), ("gt", 0)))
    assert fields["list"][0] == ("nullable", ("array", ("int",)))
    assert fields["any"][0] == ("any",)


def test_objects_without_properties(apis: dict[str, Api]) -> None:
    """A named ``type: object`` is a model without fields (closed: left to the models); without a type, the
    models take any value."""
    snippets = apis["snippets31"]
    assert _target(snippets, "Empty") == ("model", "Empty", {})
    assert _target(snippets, "EmptyClosed")[0] == "unsure"
    assert _target(snippets, "Untyped") == ("root", "Untyped", ("any",))


def test_the_bounds_of_an_integer_are_integers(apis: dict[str, Api]) -> None:
    _, _, fields = _target(apis["snippets31"], "Probe")
    bounds = fields["rounded"][0][2]
    assert bounds == (("ge", 2), ("le", 10)) and all(type(bound) is int for _, bound in bounds)


def test_an_allof_the_model_does_not_merge_inherits_its_members_fields(apis: dict[str, Api]) -> None:
    """Animal's own discriminator keeps Bird and Fish from being merged: the models make them subclasses of
    Animal and of their inline parts, whose fields come in Python's order (the inline part's, then Animal's),
    the tag redeclared as the literal Creature's discriminator gives it."""
    snippets = apis["snippets"]
    bird = _target(snippets, "Bird")
    assert bird[:2] == ("model", "Bird")
    assert list(bird[2].items()) == [
        ("wings", (("int",), False)),
        ("kind", (("literal", ("Bird",), "'Bird'"), True)),
        ("name", (("str",), False)),
    ]
    _, _, (_, members, key, tags) = _target(snippets, "Creature")
    assert (key, tags) == ("kind", (("Bird", "Bird"), ("Fish", "Fish")))
    assert members[1][2]["fins"] == (("int",), True)
    # where Animal itself is referred to, the models read a union of its subclasses: left to them
    _, _, fields = _target(snippets, "Zoo")
    assert fields["star"][0][0] == "unsure"
    assert fields["sealed"][0][1][0] == "unsure"  # the models drop "no property" beside null


def test_a_constrained_number_in_an_array_is_left_to_the_models(apis: dict[str, Api]) -> None:
    """The models drop the bounds of a number (``StrictInt | StrictFloat``) in an array, a map or a union, and
    keep those of an integer (a root model of its own): the walk does not guess which."""
    _, _, fields = _target(apis["snippets31"], "Probe")
    assert fields["scores"][0][0] == "array" and fields["scores"][0][1][0] == "unsure"
    assert fields["counts"][0] == ("array", ("checked", ("int",), (("ge", 0),)))


def test_only_schemas_with_a_scanner_program_name_it(apis: dict[str, Api]) -> None:
    api = apis["snippets"]
    keys = {name: name for name in api.model.targets()}
    found = program(api.model, keys, api.class_of_key, {"Thing"})
    assert found.nodes[found.targets["Thing"]].scanned == "Thing"
    assert found.nodes[found.targets["Tree"]].scanned is None


# (api, schema, payload, valid for the models)
PAYLOADS: list[tuple[str, str, Any, bool]] = [
    ("snippets", "Thing", {"name": "ab", "size": 3}, True),
    ("snippets", "Thing", {"name": "ab", "size": 3, "unknown": [1]}, True),  # drift, not an error
    ("snippets", "Thing", {"name": "ab"}, False),
    ("snippets", "Thing", {"name": 5, "size": "3"}, False),
    ("snippets", "Thing", {"name": "ab", "size": 11}, False),
    ("snippets", "Thing", {"name": "a", "size": 3}, False),
    ("snippets", "Thing", {"name": "ab", "size": True}, False),
    ("snippets", "Thing", {"name": "ab", "size": 3, "ratio": None, "note": None, "email": "not an email"}, True),
    ("snippets", "Thing", {"name": "ab", "size": 3, "ratio": "1"}, False),
    ("snippets", "Thing", {"name": "ab", "size": 3, "at": "2025-01-01T00:00:00Z"}, True),
    ("snippets", "Thing", {"name": "ab", "size": 3, "at": "2025-01-01"}, False),
    ("snippets", "Thing", {"name": "ab", "size": 3, "tags": ["a", 1]}, False),
    ("snippets", "Thing", {"name": "ab", "size": 3, "tags": ["a", "b", "c", "d"]}, False),
    ("snippets", "Thing", {"name": "ab", "size": 3, "labels": {"a": 1, "b": "2"}}, False),
    ("snippets", "Thing", {"name": "ab", "size": 3, "level": "mid"}, True),  # an unlisted value is drift
    ("snippets", "Thing", {"name": "ab", "size": 3, "level": 1, "odd": 2}, False),
    ("snippets", "Thing", {"name": "ab", "size": 3, "code": "abc"}, False),
    ("snippets", "Thing", {"name": "ab", "size": 3, "base": {}}, False),
    ("snippets", "Thing", [], False),
    ("snippets", "Closed", {"a": "x"}, True),
    ("snippets", "Closed", {"b": "x"}, False),
    ("snippets", "Merged", {"id": "1", "extra": True}, True),
    ("snippets", "Merged", {"id": "1"}, False),
    ("snippets", "Merged", {"extra": 1, "count": "2"}, False),
    ("snippets", "Pet", {"pet_type": "Cat", "hunts": True}, True),
    ("snippets", "Pet", {"pet_type": "Dog", "hunts": True}, True),  # a dog that drifted
    ("snippets", "Pet", {"pet_type": "Dog", "barks": "yes"}, False),
    ("snippets", "Pet", {"pet_type": "Bird"}, False),
    ("snippets", "Pet", {"hunts": True}, False),
    ("snippets", "Shape", {"kind": "round", "r": 1.5}, True),
    ("snippets", "Shape", {"kind": "box", "side": 1.5}, False),
    ("snippets", "Shape", {"kind": "Circle", "r": 1}, False),
    ("snippets", "Tree", {"value": 1, "children": [{"value": 2, "children": [{"value": "3"}]}]}, False),
    ("snippets", "Tree", {"value": 1, "children": [{"value": 2, "children": []}]}, True),
    ("snippets", "Names", ["a"], True),
    ("snippets", "Names", [], False),
    ("snippets", "Names", ["a", None], False),
    ("snippets", "Counts", {"a": 1, "b": None}, True),
    ("snippets", "Counts", {"a": 1.5}, False),
    ("snippets", "Either", "x", True),
    ("snippets", "Either", 2, True),
    ("snippets", "Either", 2.5, False),
    ("snippets", "Status", "on", True),
    ("snippets", "Status", 1, False),
    ("snippets", "Bird", {"kind": "Bird", "wings": 2}, True),
    ("snippets", "Bird", {"kind": "Fish", "wings": "2"}, False),
    ("snippets", "Creature", {"kind": "Fish", "fins": 2, "water": "salt"}, True),
    ("snippets", "Creature", {"kind": "Fish", "wings": 2}, False),
    ("snippets", "Creature", {"kind": "Bird", "name": 3}, False),
    ("snippets31", "Probe", {"kind": "probe"}, True),
    ("snippets31", "Probe", {"kind": "other"}, False),
    ("snippets31", "Probe", {"kind": "probe", "maybe": None, "either": "x", "when": None, "list": None}, True),
    ("snippets31", "Probe", {"kind": "probe", "maybe": 1, "either": 1.5, "when": "x", "list": ["1"]}, False),
    ("snippets31", "Probe", {"kind": "probe", "small": 0}, False),
    ("snippets31", "Probe", {"kind": "probe", "small": 0.5, "any": {"x": [1]}}, True),
    ("snippets31", "Probe", {"kind": "probe", "small": None}, True),
    ("snippets31", "Probe", {"kind": "probe", "rounded": 1}, False),
    ("snippets31", "Probe", {"kind": "probe", "rounded": 2}, True),
    ("snippets31", "Probe", {"kind": "probe", "rounded": 11}, False),
    ("snippets31", "Probe", {"kind": "probe", "scores": [-1], "counts": [1]}, True),
    ("snippets31", "Probe", {"kind": "probe", "scores": ["1"], "counts": [-1]}, False),
    ("snippets31", "Empty", {"a": 1}, True),
    ("snippets31", "Empty", [], False),
    ("snippets31", "EmptyClosed", {}, True),
    ("snippets31", "EmptyClosed", {"a": 1}, False),
    ("snippets31", "Untyped", 5, True),
    ("snippets31", "Untyped", {}, True),
]
# Where the walk leaves the payload to the models (evaljobs._validation.walk): a broken length (5, 12, 35), a
# pattern (16), a closed object (19, 20, 63, 64), a discriminated union without a known tag (27, 28, 31), a
# constrained number in an array (59, 60).
LEFT_TO_THE_MODELS = {5, 12, 16, 19, 20, 27, 28, 31, 35, 59, 60, 63, 64}

AGREEMENT = """
import json, sys
from evaljobs._validation import reference as _pydantic_reference, targets as _registry, walk as _walk

results = []
for api, name, payload, _ in json.loads(sys.argv[1]):
    target = _registry.schema(f"{api}.{name}")
    walked = _walk.errors(payload, api, name)
    models = _pydantic_reference.errors_for(payload, target)
    results.append([
        None if walked is None else [[e.pointer, e.message] for e in walked],
        [[e.pointer, e.message] for e in models],
    ])
print(json.dumps(results))
"""


def test_the_walk_on_the_compiled_programs_agrees_with_the_models(tmp_path: Path) -> None:
    """Generated as `make generate` would: on each payload the walk reports exactly the models' errors, or
    leaves the payload to them only where its program says it cannot be sure."""
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "snippets.openapi.yaml").write_text(SNIPPETS_30)
    (schemas / "snippets31.openapi.yaml").write_text(SNIPPETS_31)
    out = tmp_path / "out"
    result = run_generator("generate", schemas, out)
    assert result.returncode == 0, result.stderr
    code = f"sys.argv[1:] = [{json.dumps(PAYLOADS)!r}]\n" + textwrap.dedent(AGREEMENT)
    ran = run_python("import sys\n" + code, out)
    assert ran.returncode == 0, ran.stderr[-3000:]
    left = set()
    for position, ((api, name, payload, valid), (walked, models)) in enumerate(
        zip(PAYLOADS, json.loads(ran.stdout), strict=True)
    ):
        where = f"{api}.{name} {json.dumps(payload)}"
        assert (not models) == valid, f"{where}: the models say {models}"
        if walked is None:
            left.add(position)
        else:
            assert walked == models, where
    assert left == LEFT_TO_THE_MODELS


def test_a_program_node_is_written_as_a_call_of_its_class() -> None:
    """The programs' nodes are written as calls with the fields that differ from their defaults, by name (the
    kind never), and read back as the same nodes; anything else is refused."""
    struct = program_nodes.Struct((program_nodes.Field(b"id", 1, True),), open=True)
    tagged = Union((2, 3), program_nodes.Discriminator("type", (("cat", 2), ("dog", 3))))
    assert program_node(Array(3)) == "Array(item=3)"
    assert program_node(Int(0)) == "Int(low=0)"
    assert program_node(struct) == "Struct(fields=(Field(key=b'id', node=1, required=True),), open=True)"
    assert program_classes((struct, tagged, Str())) == ["Discriminator", "Field", "Str", "Struct", "Union"]
    for node in (Array(3), Int(0), struct, tagged, Map(1, 0, 4), program_nodes.Unsure("why"), Float(0.5, None, True)):
        assert eval(program_node(node), vars(program_nodes)) == node  # (our own text, in a test)
    with pytest.raises(ValueError, match="not a program node"):
        program_node(("array", 3))

"""The schema model changes no meaning: for random OpenAPI 3.1 schemas (nested allOf, unions, nullable type
lists, references, maps, closed objects) and random JSON values, JSON Schema accepts a value under the
canonical document the model writes exactly when it accepts it under the spec as written.

This holds the model's rewrites (allOf merged, properties two members define combined, inline schemas named and
moved to entries of their own, allOf: [X] read as X) to the one rule that matters: never change what is valid.
"""

from __future__ import annotations

import json
from typing import Any

import jsonschema
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.schema import build

KEYS = ("a", "b", "c")
NAMES = ("S0", "S1", "S2", "S3")


def _schema(depth: int, refs: tuple[str, ...]) -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.fixed_dictionaries({"type": st.sampled_from(["string", "integer", "number", "boolean"])}),
        st.fixed_dictionaries({"type": st.just("string"), "minLength": st.integers(0, 2)}),
        st.fixed_dictionaries({"type": st.just("integer"), "maximum": st.integers(-1, 3)}),
        st.fixed_dictionaries({"type": st.just(["string", "null"])}),
        st.fixed_dictionaries(
            {"enum": st.lists(st.sampled_from(["x", "y", None]), min_size=1, max_size=3, unique=True)}
        ),
        st.just({}),
    )
    leaves = st.one_of(
        scalars, *([st.sampled_from([{"$ref": f"#/components/schemas/{r}"} for r in refs])] if refs else [])
    )
    if depth == 0:
        return leaves
    inner = _schema(depth - 1, refs)
    objects = st.builds(
        _object,
        st.dictionaries(st.sampled_from(KEYS), inner, max_size=3),
        st.lists(st.sampled_from(KEYS), max_size=2, unique=True),
        st.sampled_from([None, True, False, "schema", "schema"]),
        st.one_of(inner, st.just({"type": "boolean"})),
        st.booleans(),
    )
    return st.one_of(
        leaves,
        objects,
        st.builds(lambda members: {"allOf": members}, st.lists(objects, min_size=2, max_size=3)),
        st.fixed_dictionaries({"type": st.just("array"), "items": inner}),
        st.builds(lambda members: {"allOf": members}, st.lists(st.one_of(objects, inner), min_size=1, max_size=3)),
        st.builds(
            lambda members, own: {"allOf": members, **own},
            st.lists(objects, min_size=1, max_size=2),
            objects.map(lambda o: {k: v for k, v in o.items() if k in ("properties", "required")}),
        ),
        st.builds(
            lambda members, kind: {kind: members},
            st.lists(inner, min_size=1, max_size=3),
            st.sampled_from(["anyOf", "oneOf"]),
        ),
    )


def _object(
    properties: dict[str, Any], required: list[str], additional: Any, extra: Any, nullable: bool
) -> dict[str, Any]:
    result: dict[str, Any] = {"type": ["object", "null"] if nullable else "object", "properties": properties}
    if required:
        result["required"] = required
    if additional == "schema":
        result["additionalProperties"] = extra
    elif additional is not None:
        result["additionalProperties"] = additional
    return result


@st.composite
def _specs(draw: st.DrawFn) -> dict[str, Any]:
    schemas = {name: draw(_schema(2, NAMES[:index])) for index, name in enumerate(NAMES)}
    return {"openapi": "3.1.0", "info": {"title": "t", "version": "1"}, "paths": {}, "components": {"schemas": schemas}}


_VALUES = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(-2, 4), st.sampled_from([1.5, "", "x", "y", "long text"])),
    lambda children: st.one_of(
        st.lists(children, max_size=2), st.dictionaries(st.sampled_from((*KEYS, "z")), children, max_size=4)
    ),
    max_leaves=8,
)


def _validator(document: dict[str, Any], name: str) -> jsonschema.Draft202012Validator:
    text = json.dumps(document["components"]["schemas"]).replace("#/components/schemas/", "#/$defs/")
    return jsonschema.Draft202012Validator({"$defs": json.loads(text), "$ref": f"#/$defs/{name}"})


@settings(max_examples=300, deadline=None, database=None, suppress_health_check=list(HealthCheck))
@given(_specs(), st.lists(_VALUES, min_size=1, max_size=12))
def test_the_canonical_document_accepts_exactly_what_the_spec_accepts(spec: dict[str, Any], values: list[Any]) -> None:
    model, problems = build(spec, "openapi", "t")
    assert problems == []
    canonical = model.document()
    for name in NAMES:
        written, read = _validator(spec, name), _validator(canonical, name)
        for value in values:
            assert written.is_valid(value) == read.is_valid(value), (name, value, canonical["components"]["schemas"])

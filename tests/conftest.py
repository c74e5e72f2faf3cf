"""Shared fixtures: the specs as data, and the response models of each API."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest

from generator.load.document import load_document
from generator.schema import build

ROOT = Path(__file__).resolve().parent.parent
SCHEMAS = ROOT / "schemas"
APIS = ("nemo_evaluator", "gradient")


@cache
def spec(api: str) -> dict[str, Any]:
    """The spec as data (cached: callers must not change it)."""
    document, problems = load_document(SCHEMAS / f"{api}.openapi.yaml", api)
    assert not problems, problems
    assert document is not None
    return document


@cache
def model_document(api: str) -> dict[str, Any]:
    """The spec as the schema model reads it (generator/schema: its canonical document), which the
    strategies of tests/strategies.py draw payloads from, as every emitter of the generator does."""
    schema_model, problems = build(spec(api), "openapi", api)
    assert not problems, problems
    return schema_model.document()


def documented_examples(api: str) -> Iterator[tuple[str, str, str, str, Any]]:
    """(operationId, status, example name, model name, value) of every response example of a spec."""
    document = spec(api)
    for path_item in document["paths"].values():
        for operation in path_item.values():
            for status, response in operation.get("responses", {}).items():
                media = response.get("content", {}).get("application/json", {})
                model = media.get("schema", {}).get("$ref", "").rsplit("/", 1)[-1]
                for name, example in media.get("examples", {}).items():
                    yield operation["operationId"], status, name, model, example["value"]


def response_models(api: str) -> list[str]:
    """Names of the models of every response body of a spec (success and error), in spec order."""
    names: list[str] = []
    for path_item in spec(api)["paths"].values():
        for operation in path_item.values():
            for response in operation.get("responses", {}).values():
                ref = response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref")
                if ref and ref.rsplit("/", 1)[-1] not in names:
                    names.append(ref.rsplit("/", 1)[-1])
    return names


def model(api: str, name: str) -> Any:
    return getattr(importlib.import_module(f"evaljobs.{api}.models"), name)


@pytest.fixture(scope="session")
def specs() -> dict[str, dict[str, Any]]:
    return {api: spec(api) for api in APIS}


@pytest.fixture(scope="module")
def mock() -> Iterator[Any]:
    """One mock server per test module that asks for it (the client, mock and wait tests)."""
    from tests.loopback import serving

    with serving() as server:
        yield server


@pytest.fixture
def fresh_mock(mock: Any) -> None:
    """The mock with no injected faults and no recorded requests."""
    mock.clear()

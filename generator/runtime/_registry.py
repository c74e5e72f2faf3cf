"""Find the generated API packages, their response models and operations, by name."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from functools import cache
from types import ModuleType

import evaljobs
from evaljobs._api import Operation
from evaljobs._types import Model


@dataclass(frozen=True)
class Target:
    """A model to validate against, named ``api.Name`` in reports."""

    api: str
    name: str
    model: type[Model]

    @property
    def label(self) -> str:
        return f"{self.api}.{self.name}"


def package(api: str) -> ModuleType:
    if api not in evaljobs.APIS:
        raise LookupError(f"unknown API {api!r}; known: {', '.join(evaljobs.APIS)}")
    return importlib.import_module(f"evaljobs.{api}")


def operations(api: str) -> tuple[Operation, ...]:
    found: tuple[Operation, ...] = getattr(package(api), "OPERATIONS", ())
    return found


def schema(label: str) -> Target:
    """The model named ``api.Name``; raises LookupError with the known names."""
    api, _, name = label.partition(".")
    models = package(api).models
    model = getattr(models, name, None)
    if not (isinstance(model, type) and issubclass(model, Model)):
        raise LookupError(f"{api} has no model {name!r}")
    return Target(api, name, model)


def endpoint(text: str) -> list[Target]:
    """The success models of the operations that ``METHOD PATH`` names (a template or a concrete path)."""
    method, _, path = text.strip().partition(" ")
    path = path.strip().split("?", 1)[0]
    if not method or not path.startswith("/"):
        raise LookupError(f"expected 'METHOD /path', found {text!r}")
    found = []
    for api in evaljobs.APIS:
        for operation in operations(api):
            model = operation.success_model
            if model is not None and operation.match(method, path) is not None:
                found.append(Target(api, model.__name__, model))
    if not found:
        raise LookupError(f"no operation of any spec matches {text!r}")
    return found


@cache
def response_targets() -> tuple[Target, ...]:
    """The success models of every operation of every API: the candidates of schema detection."""
    seen: dict[str, Target] = {}
    for api in evaljobs.APIS:
        for operation in operations(api):
            model = operation.success_model
            if model is not None:
                target = Target(api, model.__name__, model)
                seen.setdefault(target.label, target)
        root = getattr(package(api), "ROOT", None)
        if root is not None:
            seen.setdefault(f"{api}.{root.__name__}", Target(api, root.__name__, root))
    return tuple(seen.values())

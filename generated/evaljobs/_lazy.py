"""Attributes of a package imported on first use (PEP 562), so ``import evaljobs.<api>`` stays cheap: the
models, httpx and the clients load when a program first touches them."""

from __future__ import annotations

import importlib
import sys
from collections.abc import Callable, Mapping

__all__ = ["lazy_attributes"]


def lazy_attributes(package: str, attributes: Mapping[str, str]) -> Callable[[str], object]:
    """A module ``__getattr__`` for ``package``: ``attributes`` maps a name to ``".module"`` (a submodule) or
    ``".module:name"`` (a name in it), relative to the package. The value is cached on the module."""

    def __getattr__(name: str) -> object:
        target = attributes.get(name)
        if target is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        module_name, _, attribute = target.partition(":")
        module = importlib.import_module(module_name, package)
        value = getattr(module, attribute) if attribute else module
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__

"""Render the package files of generated/ from jinja2 templates (templates/evaljobs mirrors the output tree)."""

from __future__ import annotations

import keyword
import math
from pathlib import Path
from typing import Any

import jinja2

TEMPLATES = Path(__file__).parent / "templates" / "evaljobs"


def py_literal(value: Any) -> str:
    """A Python literal for JSON-like data from a spec; refuses anything else."""
    if value is None or isinstance(value, bool | int | str):
        return repr(value)
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"{value!r} has no Python literal")
        return repr(value)
    if isinstance(value, list | tuple):
        inner = ", ".join(py_literal(item) for item in value)
        return f"({inner},)" if len(value) == 1 else f"({inner})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{py_literal(str(key))}: {py_literal(item)}" for key, item in value.items()) + "}"
    raise ValueError(f"{type(value).__name__} has no Python literal")


def docstring(text: Any) -> str:
    """Text made safe inside a triple-quoted docstring."""
    cleaned = str(text or "").replace("\\", "\\\\").replace('"""', '\\"\\"\\"').strip()
    return cleaned[:-1] + '\\"' if cleaned.endswith('"') else cleaned


def identifier(name: str) -> str:
    if not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"{name!r} is not a Python identifier")
    return name


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(py=py_literal, docstring=docstring, identifier=identifier)
    return env


def render(env: jinja2.Environment, template: str, **context: Any) -> str:
    return env.get_template(template).render(**context)

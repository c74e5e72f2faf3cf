"""Render the package files of generated/ from jinja2 templates (templates/evaljobs mirrors the output tree).

Spec text reaches a template only through the filters of generator.emit.pysource: ``py`` (a checked literal),
``node`` (a node of a validator's program, its values checked literals), ``docstring``, ``comment`` and
``identifier``. Nothing is escaped automatically (``autoescape`` is for HTML).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2

from generator.emit.pysource import comment, docstring, identifier, literal, program_node

TEMPLATES = Path(__file__).parent.parent / "templates" / "evaljobs"

py_literal = literal
__all__ = ["TEMPLATES", "comment", "docstring", "environment", "identifier", "py_literal", "render"]


def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        trim_blocks=True,
        lstrip_blocks=True,
        autoescape=False,
    )
    env.filters.update(py=literal, node=program_node, docstring=docstring, comment=comment, identifier=identifier)
    return env


def render(env: jinja2.Environment, template: str, **context: Any) -> str:
    return env.get_template(template).render(**context)

"""Read a spec file (YAML or JSON) into plain data, refusing what would silently change its meaning
or could exhaust the machine: duplicate keys, values JSON does not have (NaN, bytes, sets), lone
surrogates, files over MAX_BYTES, nesting deeper than MAX_DEPTH, and YAML aliases that expand to more
than MAX_VALUES values (a "billion laughs" bomb) or into themselves.
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import Any

import yaml

from generator.problems import Problem, join_pointer

MAX_BYTES = 8 * 1024 * 1024
MAX_DEPTH = 64
MAX_VALUES = 1_000_000


class _SpecLoader(yaml.SafeLoader):
    """YAML 1.2-like loading: duplicate keys are errors, `yes`/`on` stay strings, dates stay strings."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            if key in seen:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
            seen.add(key)
        mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
        return mapping


_SpecLoader.yaml_implicit_resolvers = {
    first: [
        (tag, regexp)
        for tag, regexp in resolvers
        if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_SpecLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)


def _refuse_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"duplicate key {key!r}")
        result[key] = value
    return result


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def load_document(path: Path, label: str) -> tuple[Any, list[Problem]]:
    """Load ``path``; on failure return ``None`` and a problem naming the place."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(MAX_BYTES + 1)
    except OSError as error:
        return None, [Problem(label, "", f"cannot read: {error}")]
    if len(raw) > MAX_BYTES:
        return None, [Problem(label, "", f"the file is larger than {MAX_BYTES // (1024 * 1024)} MiB; refused")]
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        return None, [Problem(label, "", f"not UTF-8: {error}")]
    kind = path.suffix.lstrip(".").upper()
    try:
        if path.suffix == ".json":
            data = json.loads(text, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant)
        else:
            data = yaml.load(text, Loader=_SpecLoader)
    except (ValueError, yaml.YAMLError) as error:
        return None, [Problem(label, "", f"not valid {kind}: {_describe(error)}")]
    except RecursionError:
        return None, [Problem(label, "", f"not valid {kind}: nested too deeply to read")]
    if not isinstance(data, dict):
        return None, [Problem(label, "", f"the document must be a mapping, found {type(data).__name__}")]
    problem = survey(data, label)
    if problem is not None:
        return None, [problem]
    return data, []


def _describe(error: Exception) -> str:
    """One line: where and what (a YAML error's own text spans several lines, with an excerpt)."""
    if isinstance(error, yaml.MarkedYAMLError) and error.problem_mark is not None:
        mark = error.problem_mark
        return f"line {mark.line + 1}, column {mark.column + 1}: {error.problem}"
    return str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__


def survey(data: Any, label: str) -> Problem | None:
    """The first reason to refuse loaded ``data`` as a spec (see the module docstring), or None.

    Iterative, and linear in the number of distinct values: an alias is sized once and counted every time
    it is used, so a bomb is measured without being expanded.
    """
    sizes: dict[int, int] = {}
    heights: dict[int, int] = {}
    on_path: set[int] = set()
    stack: list[tuple[Any, str, int, bool]] = [(data, "", 1, False)]
    while stack:
        node, pointer, depth, finished = stack.pop()
        if not isinstance(node, dict | list):
            problem = _scalar_problem(node)
            if problem:
                return Problem(label, pointer, problem)
            continue
        key = id(node)
        children = list(node.values()) if isinstance(node, dict) else node
        if finished:
            on_path.discard(key)
            sizes[key] = 1 + sum(sizes.get(id(child), 1) for child in children)
            heights[key] = 1 + max((heights.get(id(child), 0) for child in children), default=0)
            if sizes[key] > MAX_VALUES:
                return Problem(label, pointer, f"expands to more than {MAX_VALUES:,} values (YAML aliases?); refused")
            if heights[key] > MAX_DEPTH:
                return Problem(label, pointer, f"nested more than {MAX_DEPTH} levels deep; refused")
            continue
        if key in on_path:
            return Problem(label, pointer, "a YAML alias refers to a value that contains it (infinite document)")
        if key in sizes:
            continue
        if depth > MAX_DEPTH:
            return Problem(label, pointer, f"nested more than {MAX_DEPTH} levels deep; refused")
        on_path.add(key)
        stack.append((node, pointer, depth, True))
        items = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
        for name, child in reversed(items):
            if isinstance(node, dict):
                problem = _key_problem(name)
                if problem:
                    return Problem(label, pointer, problem)
            stack.append((child, join_pointer(pointer, name), depth + 1, False))
    return None


def _key_problem(key: Any) -> str | None:
    if isinstance(key, bool) or not isinstance(key, str | int):
        return f"a mapping key must be a string, found {type(key).__name__} {key!r}"
    if isinstance(key, str):
        return _text_problem(key)
    return None


def _scalar_problem(value: Any) -> str | None:
    if value is None or isinstance(value, bool | int):
        return None
    if isinstance(value, str):
        return _text_problem(value)
    if isinstance(value, float):
        return None if math.isfinite(value) else f"{value!r} is not a JSON number"
    return f"a {type(value).__name__} value is not JSON data"


def _text_problem(text: str) -> str | None:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"text with a lone surrogate ({error.reason} at {error.start}) is not Unicode text"
    return None

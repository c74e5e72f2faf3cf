"""Read a spec file (YAML or JSON) into plain data, refusing what would silently change its meaning."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from generator.problems import Problem


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
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        return None, [Problem(label, "", f"cannot read: {error}")]
    try:
        if path.suffix == ".json":
            data = json.loads(text, object_pairs_hook=_refuse_duplicates, parse_constant=_refuse_constant)
        else:
            data = yaml.load(text, Loader=_SpecLoader)
    except (ValueError, yaml.YAMLError) as error:
        return None, [Problem(label, "", f"not valid {path.suffix.lstrip('.').upper()}: {error}")]
    if not isinstance(data, dict):
        return None, [Problem(label, "", f"the document must be a mapping, found {type(data).__name__}")]
    return data, []

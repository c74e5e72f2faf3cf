"""A hand-written YAML spec as text: read as the generator reads it, and a patch's additions written into it
with its comments and layout kept (``evaljobs suggest --apply``).

PyYAML (a dependency of the generator, not of the package) is imported only here. Each ``add`` of a patch
becomes text inserted after the last line of the mapping or sequence it adds to (block style: lines at the
indentation of its entries; flow style: before its closing bracket); the edited text is read back and must
equal the patched document, else the document is written whole (comments lost), with a word on stderr.
"""

from __future__ import annotations

import json
import re
from typing import Any

from evaljobs._suggest import split_pointer

__all__ = ["dump", "insert", "load", "yaml_module"]


def yaml_module() -> Any:
    """PyYAML; RuntimeError with what to install without it."""
    try:
        import yaml  # noqa: PLC0415 - only to read and write specs
    except ImportError:
        raise RuntimeError("reading a YAML spec needs PyYAML: pip install 'evaljobs[generate]'") from None
    return yaml


def _loader() -> Any:
    """A YAML loader that reads a spec as generator/load/document.py's does: YAML 1.2 booleans only, dates
    kept as text, duplicate keys refused (tests/test_suggest.py checks that both read the specs alike)."""
    yaml = yaml_module()

    class SpecLoader(yaml.SafeLoader):  # type: ignore[misc,name-defined]
        def construct_mapping(self, node: Any, deep: bool = False) -> dict[Any, Any]:
            keys = [self.construct_object(key, deep=deep) for key, _ in node.value]
            duplicate = next((key for index, key in enumerate(keys) if key in keys[:index]), None)
            if duplicate is not None:
                raise yaml.constructor.ConstructorError(None, None, f"duplicate key {duplicate!r}", node.start_mark)
            mapping: dict[Any, Any] = super().construct_mapping(node, deep=deep)
            return mapping

    SpecLoader.yaml_implicit_resolvers = {
        first: [
            (tag, regexp)
            for tag, regexp in resolvers
            if tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:bool")
        ]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }
    SpecLoader.add_implicit_resolver(
        "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
    )
    return SpecLoader


def load(text: str, *, json_text: bool = False) -> Any:
    """The spec document of ``text`` (JSON or YAML); the parser's exception where it is not readable."""
    return json.loads(text) if json_text else yaml_module().load(text, Loader=_loader())


def dump(document: Any) -> str:
    """``document`` as YAML (comments and layout are those of PyYAML, not the original's)."""
    text: str = yaml_module().safe_dump(document, sort_keys=False, allow_unicode=True, width=120)
    return text


def insert(text: str, operations: list[dict[str, Any]]) -> str | None:
    """``text`` with the ``add`` operations written in, its comments and layout kept; None where a place
    cannot be edited as text (an alias, a value the patch replaces)."""
    yaml = yaml_module()
    root = yaml.compose(text, Loader=_loader())
    lines = text.splitlines(keepends=True)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line))
    edits: list[tuple[int, int, str]] = []  # (offset, order, text)
    for order, operation in enumerate(operations):
        tokens = split_pointer(operation["path"])
        container = _node(root, tokens[:-1])
        if container is None:
            return None
        if isinstance(container, yaml.SequenceNode) and tokens[-1] == "-":
            edit = _into_sequence(container, operation["value"], lines, starts)
        elif isinstance(container, yaml.MappingNode) and all(key.value != tokens[-1] for key, _ in container.value):
            edit = _into_mapping(container, tokens[-1], operation["value"], lines, starts)
        else:
            return None
        if edit is None:
            return None
        edits.append((edit[0], order, edit[1]))
    for offset, _, inserted in sorted(edits, reverse=True):
        text = text[:offset] + inserted + text[offset:]
    return text


def _node(root: Any, tokens: list[str]) -> Any:
    yaml = yaml_module()
    node = root
    for token in tokens:
        if isinstance(node, yaml.MappingNode):
            node = next((value for key, value in node.value if key.value == token), None)
        elif isinstance(node, yaml.SequenceNode) and token.isdigit() and int(token) < len(node.value):
            node = node.value[int(token)]
        else:
            return None
    return node


def _last_line(node: Any, lines: list[str]) -> int:
    """The last line (0-based) that holds text of ``node`` (not a blank line or a comment after it)."""
    yaml = yaml_module()
    if isinstance(node, yaml.MappingNode) and _block(node):
        return max(_last_line(part, lines) for pair in node.value for part in pair)
    if isinstance(node, yaml.SequenceNode) and _block(node):
        return max(_last_line(child, lines) for child in node.value)
    end = node.end_mark
    line: int = min(end.line, len(lines) - 1)
    while line > node.start_mark.line:
        visible = lines[line][: end.column] if line == end.line else lines[line]
        if visible.strip() and not visible.lstrip().startswith("#"):
            break
        line -= 1
    return line


def _block(node: Any) -> bool:
    return getattr(node, "flow_style", None) is not True and bool(node.value)  # (an indentless sequence: None)


def _indented(rendered: str, indent: int) -> str:
    return "".join(" " * indent + line for line in rendered.splitlines(keepends=True))


def _flow(value: Any) -> str:
    """``value`` in YAML's flow style, on one line (a mapping's or a sequence's entries, without brackets)."""
    text: str = yaml_module().safe_dump(
        value, default_flow_style=True, sort_keys=False, allow_unicode=True, width=1 << 30
    )
    return text.strip()[1:-1]


def _into_mapping(node: Any, key: str, value: Any, lines: list[str], starts: list[int]) -> tuple[int, str] | None:
    if _block(node):
        indent = node.value[0][0].start_mark.column
        line = _last_line(node, lines) + 1
        rendered = dump({key: value})
        return starts[min(line, len(lines))], _with_newline(lines, line) + _indented(rendered, indent)
    closing = node.end_mark.index - 1  # the closing brace of a flow mapping
    separator = ", " if node.value else ""
    return closing, f"{separator}{_flow({key: value})}"


def _into_sequence(node: Any, value: Any, lines: list[str], starts: list[int]) -> tuple[int, str] | None:
    if _block(node):
        first = node.value[0].start_mark
        dash = lines[first.line].rfind("-", 0, first.column)
        if dash < 0:
            return None
        line = _last_line(node, lines) + 1
        rendered = dump([value])
        return starts[min(line, len(lines))], _with_newline(lines, line) + _indented(rendered, dash)
    closing = node.end_mark.index - 1
    separator = ", " if node.value else ""
    return closing, f"{separator}{_flow([value])}"


def _with_newline(lines: list[str], line: int) -> str:
    """A newline to insert first when the text ends without one where the insertion goes (the file's end)."""
    return "\n" if line >= len(lines) and lines and not lines[-1].endswith("\n") else ""

"""Names for inline schemas that become classes of their own, chosen from their place.

An inline object with properties, or an inline enum, is named after the schema it sits in and the keyword
that holds it: ``Job`` + property ``status`` -> ``JobStatus``; an array's items add ``Item``, a map's values
``Value``, other keywords their own name; among several such members of a ``oneOf``/``anyOf`` each adds
``Option<n>``. A ``title`` names it instead (unless null is allowed beside it: the title then describes the
place). Names are made good class names (generator.names) and unique without regard to case, in spec order;
when the wanted name is taken, the place's name is tried, then the wanted name with ``Inline`` added, and only
then a number. The same spec always gives the same names.

Two kinds of names are given after all the others (``finish``), the wanted name with ``Inline`` added when it
is taken (no place's name is tried):

- the values of a named schema that allows null (an object with properties, or an enum, see ``apart``): the
  models write it as ``anyOf: [<Name>Inline, null]``, the values a class of their own;
- the inline objects and enums inside a schema the model keeps verbatim (a node's ``parts``), named from
  their place as above (a map's entries add their own names, a list's members ``Option<n>`` per keyword).
"""

from __future__ import annotations

from collections.abc import Iterable

from generator import names
from generator.schema.nodes import Enum, Node, Object

_SUFFIX = {"items": "Item", "additionalProperties": "Value"}


def apart(node: Node) -> bool:
    """Whether ``node``, a named schema, allows null beside values that are a class of their own: an object with
    properties, or an enum that keeps its null (null listed among the values of an enum without a type, or a
    type list with null; null listed beside a single other type cannot match and is left out)."""
    if isinstance(node, Object):
        return node.nullable and bool(node.properties)
    if isinstance(node, Enum):
        return node.nullable and bool(node.values) and (node.null_by == "enum") == (node.type is None)
    return False


class Namer:
    def __init__(self, taken: Iterable[str]) -> None:
        self.taken = {name.casefold() for name in taken}
        self.order: list[Node] = []  # the named inline nodes, in the order they were named
        self.later: list[tuple[Node, str]] = []  # the parts met on the way, with their place, named by finish
        self._late = False

    def visit(self, node: Node, name: str) -> None:
        """Name every inline schema below ``node``, itself named ``name``."""
        children = node.children()
        worthy = sum(child.worthy for path, child in children if isinstance(path[-1], int))
        for path, child in children:
            keyword = path[0]
            if keyword == "properties":
                wanted = name + names.pascal(str(path[1]))
            elif isinstance(path[-1], int):
                wanted = name + ("" if worthy <= 1 else f"Option{path[-1] + 1}")
            else:
                wanted = name + _SUFFIX.get(str(keyword), names.pascal(str(keyword)))
            self.inline(child, wanted)
        for path, part in node.parts.items():
            keyword = str(path[0])
            if len(path) == 1:
                wanted = name + _SUFFIX.get(keyword, names.pascal(keyword))
            elif isinstance(path[1], int):
                members = [p for q, p in node.parts.items() if q[0] == keyword and isinstance(q[-1], int)]
                wanted = name + ("" if sum(p.worthy for p in members) <= 1 else f"Option{path[1] + 1}")
            else:
                wanted = name + names.pascal(str(path[1]))
            self.later.append((part, wanted))

    def inline(self, node: Node, place: str) -> None:
        if node.name is not None:
            return  # a node shared by two places (a merged allOf keeps its members' nodes): one class
        if not node.worthy:
            self.visit(node, place)
            return
        title = node.annotations.get("title")
        wanted = names.pascal(title) if isinstance(title, str) and title.strip() and not node.nullable else place
        node.name = self.free(wanted, None if self._late else place)
        self.order.append(node)
        self.visit(node, node.name)

    def finish(self, named: dict[str, Node], classes: dict[str, str]) -> dict[str, str]:
        """Name what is named after all the rest (see the module's docstring): the classes of the values of
        the ``named`` schemas that are ``apart`` (returned, by key), then the parts."""
        self._late = True
        values = {key: self.free(classes[key]) for key, node in named.items() if apart(node)}
        while self.later:
            node, wanted = self.later.pop(0)
            self.inline(node, wanted)
        return values

    def free(self, wanted: str, place: str | None = None) -> str:
        """``wanted`` as a class name no other schema has (see the module's docstring), now taken."""
        for candidate in (wanted, place or wanted, wanted + "Inline"):
            name = names.class_name(candidate)
            if name.casefold() not in self.taken:
                self.taken.add(name.casefold())
                return name
        return names.free_class_name(wanted + "Inline", self.taken)

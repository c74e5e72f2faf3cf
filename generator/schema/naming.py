"""Names for inline schemas that become classes of their own, chosen from their place.

An inline object with properties, or an inline enum, is named after the schema it sits in and the keyword
that holds it: ``Job`` + property ``status`` -> ``JobStatus``; an array's items add ``Item``, a map's values
``Value``, other keywords their own name; among several such members of a ``oneOf``/``anyOf`` each adds
``Option<n>``. A ``title`` names it instead (unless null is allowed beside it: the title then describes the
place). Names are made good class names (generator.names) and unique without regard to case, in spec order;
when the wanted name is taken, the place's name is tried, then the wanted name with ``Inline`` added, and only
then a number. The same spec always gives the same names.
"""

from __future__ import annotations

from collections.abc import Iterable

from generator import names
from generator.schema.nodes import Node

_SUFFIX = {"items": "Item", "additionalProperties": "Value"}


class Namer:
    def __init__(self, taken: Iterable[str]) -> None:
        self.taken = {name.casefold() for name in taken}
        self.order: list[Node] = []  # the named inline nodes, in the order they were named

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

    def inline(self, node: Node, place: str) -> None:
        if node.name is not None:
            return  # a node shared by two places (a merged allOf keeps its members' nodes): one class
        if not node.worthy:
            self.visit(node, place)
            return
        title = node.annotations.get("title")
        wanted = names.pascal(title) if isinstance(title, str) and title.strip() and not node.nullable else place
        node.name = self.free(wanted, place)
        self.order.append(node)
        self.visit(node, node.name)

    def free(self, wanted: str, place: str | None = None) -> str:
        """``wanted`` as a class name no other schema has (see the module's docstring), now taken."""
        for candidate in (wanted, place or wanted, wanted + "Inline"):
            name = names.class_name(candidate)
            if name.casefold() not in self.taken:
                self.taken.add(name.casefold())
                return name
        return names.free_class_name(wanted + "Inline", self.taken)

"""The schemas a payload can be validated against, found through plain-data modules.

Nothing here imports pydantic. The native scanner (the C module ``_evaljobs_scan``, built with the package,
its programs in ``evaljobs._scanner_programs.<api>``) answers "certainly valid" for most payloads without
building a Python object; without it (not built, or ``EVALJOBS_NATIVE=0``) the walk decides everything
(``evaljobs._validation.walk``, its programs in ``evaljobs._walk_programs.<api>``). A target's pydantic model (the
reference, where the walk cannot word an error) is imported only when a payload needs it.
"""

from __future__ import annotations

import importlib
import os
import re
from collections.abc import Mapping
from functools import cache
from types import ModuleType
from typing import Any, NamedTuple

import evaljobs

_PARAMETER = re.compile(r"\{[^{}/]+\}")


class Target:
    """A schema to validate against, named ``api.Name`` (``label``) in reports."""

    __slots__ = (
        "_fields",
        "_model",
        "api",
        "label",
        "lenient_native",
        "name",
        "native",
        "takes_empty",
    )

    native: ScannerCheck | None
    """The native scanner's strict check of this schema (valid without drift or duplicate keys), or None
    without the scanner or a program for the schema. (Built on first use, by __getattr__: afterwards a plain
    attribute, read for every payload.)"""
    lenient_native: ScannerCheck | None
    """The native scanner's lenient check of this schema (valid, drift or not), for a payload already decoded
    strictly; None without one. (Built on first use, as ``native``.)"""

    def __init__(self, api: str, name: str) -> None:
        self.api = api
        self.name = name
        self.label = f"{api}.{name}"
        self._fields: frozenset[str] | None = None
        self._model: Any = None
        # whether {} or [] is valid for the schema without drift: true until the native scanner, once built
        # (see native), tells otherwise; detection then checks that a payload it finds valid is not empty
        self.takes_empty = True

    def __getattr__(self, attribute: str) -> Any:
        """``native`` and ``lenient_native``, on first use (a slot not yet set)."""
        if attribute == "native":
            program = native_program(self.api)
            node = None if program is None else program.targets.get(self.name)
            self.native = None if node is None or program is None else ScannerCheck(program.program, node)
            if node is not None and program is not None:
                scan = program.program.scan
                self.takes_empty = scan(node, b"{}") == VALID or scan(node, b"[]") == VALID
            return self.native
        if attribute == "lenient_native":
            program = native_program(self.api, lenient=True)
            node = None if program is None else program.targets.get(self.name)
            self.lenient_native = None if node is None or program is None else ScannerCheck(program.program, node)
            return self.lenient_native
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {attribute!r}")

    @property
    def scannable(self) -> bool:
        """Whether the native scanner has a program for the schema (whether or not the scanner is built)."""
        return self.name in outline_module(self.api).NATIVE_TARGETS

    @property
    def fields(self) -> frozenset[str]:
        """The top-level property names of the schema (empty unless it is an object with properties)."""
        if self._fields is None:
            outline = outline_module(self.api)
            if self.name in outline.FIELDS:  # a scanner program that is an object
                self._fields = outline.FIELDS[self.name]
            elif self.name in outline.NATIVE_TARGETS:
                self._fields = frozenset()
            else:  # no scanner program: the properties the walk's program has (see evaljobs._validation.walk)
                nodes, targets = check_program(self.api)
                node = nodes[targets[self.name]]
                self._fields = frozenset(f.key for f in node.fields) if node.kind == "model" else frozenset()
        return self._fields

    @property
    def model(self) -> Any:
        """The generated pydantic model (imported on first use)."""
        if self._model is None:
            models = importlib.import_module(f"evaljobs.{self.api}.models")
            self._model = getattr(models, routes_module(self.api).CLASSES[self.name])
        return self._model

    def __repr__(self) -> str:
        return f"Target({self.label!r})"


NATIVE_VARIABLE = "EVALJOBS_NATIVE"  # "0": do without the native scanner (the walk decides alone)


VALID, UNSURE = 1, 0
"""What ``_evaljobs_scan.Program.scan`` answers: valid without drift (VALID), it cannot tell (UNSURE), or a
refusal, a negative number: ``-(depth + 1)`` (how deep in the payload: 0 the top-level value, 1 a member of
it...), less ``TYPED`` when it is certain (a value of the wrong kind or a missing key: the lenient program refuses
it too). The validator reads the two inline, ``outcome <= -TYPED`` and ``(-outcome - 1) % TYPED``: one C call and
one integer, no object, so the common case costs nothing more than the comparison with VALID."""
TYPED = 1 << 20  # in a refusal: drift cannot explain it (native/scan.c's TYPED)


class ResponseRoute(NamedTuple):
    """A response with a JSON body, as ``evaljobs._routes.<api>.ROUTES`` lists them: the operation's method and
    path template, the status as the spec writes it (``200``, ``2XX``, ``default``), the schema's name."""

    method: str
    path: str
    status: str
    schema: str


class ScannerCheck(NamedTuple):
    """One schema's node in a program of the native scanner (``_evaljobs_scan.Program``).

    ``program.scan(node, data)`` answers on JSON bytes with VALID, UNSURE or a refusal (see ``VALID``);
    ``program.accepts(node, data)`` says the same as True, None or False.
    """

    program: Any
    node: int

    def scan(self, data: bytes) -> int:
        return self.program.scan(self.node, data)  # type: ignore[no-any-return]

    def accepts(self, data: bytes) -> bool | None:
        return self.program.accepts(self.node, data)  # type: ignore[no-any-return]


@cache
def native_scanner() -> Any:
    """The native scanner's module (``_evaljobs_scan``), or None: not built, or switched off."""
    if os.environ.get(NATIVE_VARIABLE, "1") == "0":
        return None
    try:
        return importlib.import_module("_evaljobs_scan")
    except ImportError:
        return None


class ScannerProgram(NamedTuple):
    """A program of the native scanner, and the node of each schema in it."""

    program: Any  # _evaljobs_scan.Program
    targets: dict[str, int]


class WalkProgram(NamedTuple):
    """The walk's program of one API (``evaljobs._walk_programs.<api>``): its nodes and each schema's node."""

    nodes: tuple[Any, ...]
    targets: dict[str, int]


@cache
def native_program(api: str, *, lenient: bool = False) -> ScannerProgram | None:
    """The native scanner's program for ``api`` (the strict one, or the lenient one), or None without the
    scanner."""
    scan = native_scanner()
    if scan is None:
        return None
    module = outline_module(api)
    if lenient:
        return ScannerProgram(scan.Program(module.LENIENT), module.LENIENT_TARGETS)
    return ScannerProgram(scan.Program(module.NATIVE), module.NATIVE_TARGETS)


@cache
def check_program(api: str) -> WalkProgram:
    """The walk's program of ``api``."""
    routes_module(api)
    module = importlib.import_module(f"evaljobs._walk_programs.{api}")
    return WalkProgram(module.NODES, module.TARGETS)


def outline_module(api: str) -> ModuleType:
    """The native scanner's programs of ``api`` and each object schema's top-level fields: plain data."""
    routes_module(api)
    return importlib.import_module(f"evaljobs._scanner_programs.{api}")


def routes_module(api: str) -> ModuleType:
    """The operations and schema names of ``api``: plain data, cheap to import."""
    if api not in evaljobs.APIS:
        raise LookupError(f"unknown API {api!r}; known: {', '.join(evaljobs.APIS)}")
    return importlib.import_module(f"evaljobs._routes.{api}")


@cache
def target(api: str, name: str) -> Target:
    return Target(api, name)


def schema(label: str) -> Target:
    """The schema named ``api.Name``; raises LookupError naming the closest known ones."""
    api, _, name = label.partition(".")
    if api not in evaljobs.APIS and not name:  # a bare Name: the API is missing
        found = [f"{each}.{label}" for each in evaljobs.APIS if label in routes_module(each).CLASSES]
        if found:
            raise LookupError(f"expected API.Name, found {label!r}; did you mean {' or '.join(found)}?")
    known = routes_module(api).CLASSES
    if name not in known:
        raise LookupError(f"{api} has no schema {name!r}; {_closest(name, list(known), api)}")
    return target(api, name)


def _closest(name: str, known: list[str], api: str) -> str:
    """The known names most like ``name`` (else the responses' schemas), for an error message."""
    import difflib  # noqa: PLC0415 - for this message only

    lowered = {each.lower(): each for each in known}
    close = [lowered[each] for each in difflib.get_close_matches(name.lower(), lowered, n=5, cutoff=0.6)]
    close += [each for each in known if name and name.lower() in each.lower()]
    listed = list(dict.fromkeys(close))[:8]
    if listed:
        return f"closest: {', '.join(f'{api}.{each}' for each in listed)} (`evaljobs schemas {api}` lists all)"
    routes = routes_module(api)
    responses = [route.schema for route in routes.ROUTES if route.status.startswith("2")] or [routes.ROOT]
    listed = [each for each in dict.fromkeys(responses) if each]
    everything = f"`evaljobs schemas {api}` lists all {len(known)}"
    return f"the responses' schemas: {', '.join(f'{api}.{each}' for each in listed)} ({everything})"


@cache
def _route_patterns(api: str) -> tuple[tuple[str, re.Pattern[str], str, str, str], ...]:
    routes = []
    for method, path, status, name in routes_module(api).ROUTES:
        parts = _PARAMETER.split(path)
        regex = "[^/]+".join(re.escape(part) for part in parts)
        routes.append((method, re.compile(regex), path, status, name))
    return tuple(routes)


def _matches(method: str, path: str, paths: Mapping[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(api, status, schema name) of every response of the operations that ``method`` and ``path`` (within each
    spec: ``paths``, where given) name."""
    within = paths if paths is not None else dict.fromkeys(evaljobs.APIS, path)
    return [
        (api, status, name)
        for api, each in within.items()
        for route_method, pattern, template, status, name in _route_patterns(api)
        if route_method == method.upper() and (each == template or pattern.fullmatch(each))
    ]


def endpoint(text: str) -> list[Target]:
    """The success schemas of the operations that ``METHOD PATH`` names (a template or a concrete path)."""
    method, _, path = text.strip().partition(" ")
    path = path.strip().split("?", 1)[0]
    if not method or not path.startswith("/"):
        raise LookupError(f"expected 'METHOD /path', found {text!r}")
    found = [target(api, name) for api, status, name in _matches(method, path) if status.startswith("2")]
    if not found:
        raise LookupError(f"no operation of any spec matches {text!r}")
    return list(dict.fromkeys(found))


def response(method: str, path: str, status: int, paths: Mapping[str, str] | None = None) -> list[Target]:
    """The schemas of the response ``status`` of the operation at ``method`` ``path`` (a captured exchange):
    the exact status, else its class (``4XX``), else ``default``; empty when no spec has the operation.
    ``paths``: the path within each spec the exchange can belong to, in place of ``path`` (others left out)."""
    matches = _matches(method, path, paths)
    for wanted in (str(status), f"{str(status)[:1]}XX", "default"):
        found = [target(api, name) for api, declared, name in matches if declared.upper() == wanted.upper()]
        if found:
            return list(dict.fromkeys(found))
    return []


@cache
def response_targets() -> tuple[Target, ...]:
    """The candidates of schema detection: every success schema of every API (a JSON Schema file's root)."""
    found: list[Target] = []
    for api in evaljobs.APIS:
        module = routes_module(api)
        names = [route.schema for route in module.ROUTES if route.status.startswith("2")]
        names = names or ([module.ROOT] if module.ROOT else [])
        found.extend(target(api, name) for name in names)
    return tuple(dict.fromkeys(found))

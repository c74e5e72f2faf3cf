"""The full path without pydantic: every error and every drift of a decoded payload, with JSON pointers.

Both walks follow a *program* generated from the spec's schema model (``evaljobs._walk_programs.<api>``, made
by ``generator.emit.walk_programs``, the same model the pydantic models are generated from): flat nodes
referring to each other by index, one per annotation of the models, each a NamedTuple of
``evaljobs._validation.program_nodes`` (which says what each kind means). Nothing here imports pydantic, so
explaining a payload costs no model build, in the command's process or in each ``--jobs`` worker.

The error walk gives what the models would say, or nothing at all: when it meets what it does not model
(a bound a value breaks, any pattern, a construct the program marks unsure, a payload nested too deeply),
``errors`` returns None and the models decide (``evaljobs._validation.reference``). Tests hold the two to the
same answers.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from functools import cache, lru_cache
from typing import Any, NamedTuple

from orjson import dumps as _encode

from evaljobs._datetimes import EXPECTED, LOCAL_EXPECTED, problem
from evaljobs._report import Drift, Error, Report, describe, pointer_token
from evaljobs._validation.program_nodes import (
    AnyValue,
    Array,
    Bool,
    Checked,
    DateTime,
    Enum,
    Float,
    Int,
    Literal,
    Map,
    Model,
    Null,
    Nullable,
    Root,
    Str,
    Struct,
    Union,
)
from evaljobs._validation.targets import UNSURE, VALID, Target, check_program, native_program, outline_module

__all__ = ["Detail", "check", "closest", "drift", "errors", "errors_for", "merge", "program", "report", "valid_for"]

Node = Any  # a node of evaljobs._validation.program_nodes (a NamedTuple; dispatched on by its type)
Program = tuple[Node, ...]
Detail = tuple[str, Any, str | None, str]
"""One finding of an error walk: (pointer, value found there or ``...`` when missing, the phrase of what was
expected or None when a required field is missing, a hint)."""

_FLOAT_INTS = 2**63  # an integer where a number goes: beyond this, leave pydantic's conversion to pydantic


class Unsure(Exception):
    """The walk met something it does not model: the models decide."""


Explain = Callable[[Any, Target], list[Error]]
"""Every error of a decoded payload read as a target (``errors_for``; the models' own:
``_pydantic_reference.errors_for``)."""


def errors_for(value: Any, target: Target) -> list[Error]:
    """Every error of ``value`` read as ``target``: the walk's, or the models' where it is not sure."""
    found = errors(value, target.api, target.name)
    if found is None:
        from evaljobs._validation import reference as _pydantic_reference  # noqa: PLC0415 - pydantic, only for what the walk leaves

        return _pydantic_reference.errors_for(value, target)
    return found


def valid_for(value: Any, target: Target) -> bool:
    """Whether ``value`` is valid as ``target`` (drift allowed)."""
    found = errors(value, target.api, target.name)
    if found is None:
        from evaljobs._validation import reference as _pydantic_reference  # noqa: PLC0415 - pydantic, only for what the walk leaves

        return _pydantic_reference.valid_for(value, target)
    return not found


def report(
    value: Any, targets: Sequence[Target], source: str, explain: Explain = errors_for, *, detect: bool = False
) -> Report:
    """The report against the target that fits ``value`` best: the one that knows most of its top-level
    keys, then fewest errors, then least drift (an all-optional schema accepts any object, so errors alone
    cannot tell which schema a payload answers). Drift is walked only for the finalists. ``detect``: the
    targets are detection's candidates, which ``value`` must show it is one of (``evaljobs._validation.detection``)."""
    from evaljobs._validation.validator import finalists  # noqa: PLC0415 - (validator imports this module when needed)

    if detect:
        from evaljobs._validation import detection as _detection  # noqa: PLC0415 - (it imports targets, as this does)

        matched = _detection.matching(value, targets)
        if not matched:
            return _detection.unmatched(value, targets, source)
        targets = matched
    return report_among(value, finalists(value, targets), source, explain)


def report_among(
    value: Any, candidates: Sequence[Target], source: str, explain: Explain = errors_for, *, decoded: bool = False
) -> Report:
    """:func:`report` when ``candidates`` are already the finalists of ``value`` (``decoded``: see drift)."""
    if len(candidates) == 1:
        return check(value, candidates[0], source, explain, decoded=decoded)
    reset = _DECODED.set(decoded)
    try:
        found = _errors_of_candidates(value, candidates, explain)
    finally:
        _DECODED.reset(reset)
    fewest = min(len(errors) for errors, _ in found)
    best: Report | None = None
    for errors, target in found:
        if len(errors) != fewest:
            continue
        candidate = Report(
            source, target.label, errors=errors, drift=drift(value, target.api, target.name, decoded=decoded)
        )
        if best is None or len(candidate.drift) < len(best.drift):
            best = candidate
    assert best is not None
    return best


CANDIDATE_ERRORS = 100
"""How many errors a candidate may have before its walk stops, while another candidate may have fewer."""


def _errors_of_candidates(
    value: Any, candidates: Sequence[Target], explain: Explain
) -> list[tuple[list[Error], Target]]:
    """The errors of ``value`` as each candidate, in order, leaving out candidates that cannot have the fewest:
    each walk stops past CANDIDATE_ERRORS errors (a v1 jobs page read as a v2 one: an error in each of its
    thousands of jobs); those candidates are walked to the end only when no other has that few."""
    if explain is not errors_for:
        return [(explain(value, target), target) for target in candidates]
    found: list[tuple[list[Error], Target] | None] = []
    for target in candidates:
        reset = _LIMIT.set([CANDIDATE_ERRORS, CANDIDATE_ERRORS])
        try:
            found.append((explain(value, target), target))
        except _TooMany:
            found.append(None)
        finally:
            _LIMIT.reset(reset)
    done = [item for item in found if item is not None]
    if len(done) < len(found) and not (done and min(len(errors) for errors, _ in done) <= CANDIDATE_ERRORS):
        return [
            (explain(value, target), target) if item is None else item
            for item, target in zip(found, candidates, strict=True)
        ]
    return done


def check(value: Any, target: Target, source: str, explain: Explain = errors_for, *, decoded: bool = False) -> Report:
    """The report on ``value`` read as ``target`` (``decoded``: see drift)."""
    reset = _DECODED.set(decoded)
    try:
        errors = explain(value, target)
    finally:
        _DECODED.reset(reset)
    return Report(source, target.label, errors, drift(value, target.api, target.name, decoded=decoded))


program = check_program  # the nodes of an API, and the node of each schema


def errors(value: Any, api: str, name: str) -> list[Error] | None:
    """Every error of ``value`` read as schema ``name`` of ``api``, as the models report them; None when
    the walk cannot be sure of them (the models decide then)."""
    nodes, targets = program(api)
    found: list[Detail] = []
    reset = _PASSABLE.set(_skipper(api) if _DECODED.get() else None)
    try:
        _errors(nodes, targets[name], value, "", found)
    except (Unsure, RecursionError):
        return None
    finally:
        _PASSABLE.reset(reset)
    return merge(found)


# A payload decoded from JSON (see drift): the error walk may then pass over the items of an array that the
# native scanner finds valid (without drift), on their JSON again, instead of walking each (a 24 MB page
# broken in its last item: one item walked, not 25,000).
_DECODED: ContextVar[bool] = ContextVar("_DECODED", default=False)
# While candidates are compared: [the most errors worth finding, the number of details at which to count
# the errors (distinct pointers) again]; past the first, the walk raises _TooMany.
_LIMIT: ContextVar[list[int] | None] = ContextVar("_LIMIT", default=None)


class _TooMany(Exception):
    """More errors than the candidate with the fewest may have: this one cannot be chosen."""


def _over_limit(found: list[Detail], limit: list[int]) -> None:
    if len(found) > limit[1]:
        if len({detail[0] for detail in found}) > limit[0]:
            raise _TooMany
        limit[1] = 2 * len(found)


class Passable(NamedTuple):
    """What lets the walk pass over a part the native scanner finds valid without drift: the strict program,
    the node of each schema in it, and of a list of each schema's values."""

    program: Any  # _evaljobs_scan.Program
    singles: dict[str, int]
    lists: dict[str, int]


_PASSABLE: ContextVar[Passable | None] = ContextVar("_PASSABLE", default=None)


def _scanned(skipper: Passable, name: str, value: Any, *, many: bool) -> int:
    """The native scanner's answer on ``value`` (a list of such values if ``many``) encoded again, for schema
    ``name``: VALID (without drift), UNSURE (no node, an integer beyond 64 bits), else a refusal."""
    program_, singles, lists = skipper  # (unpacked: faster than three attribute lookups, on a hot path)
    node = (lists if many else singles).get(name)
    if node is None:
        return UNSURE
    try:
        outcome: int = program_.scan(node, _encode(value))
    except TypeError:  # (orjson's JSONEncodeError) an integer beyond 64 bits
        return UNSURE
    return outcome


def _scanned_valid(skipper: Passable, name: str, value: Any, *, many: bool) -> bool:
    return _scanned(skipper, name, value, many=many) == VALID


def merge(details: Iterable[Detail]) -> list[Error]:
    """The errors of ``details``, one per pointer in order of appearance: the alternatives of a union are
    joined into one message ("expected a string or an object; found number 5")."""
    found_at: dict[str, Any] = {}
    expected: dict[str, list[str]] = {}
    hints: dict[str, str] = {}
    for pointer, value, phrase, hint in details:
        found_at.setdefault(pointer, value)
        phrases = expected.setdefault(pointer, [])
        if phrase is None:
            if hint:
                hints[pointer] = hint
        elif phrase not in phrases:
            phrases.append(phrase)
    result = []
    for pointer, phrases in expected.items():
        found = found_at[pointer]
        if found is ...:
            name = pointer.rsplit("/", 1)[-1].replace("~1", "/").replace("~0", "~")
            result.append(Error(pointer, f"missing required field {name!r}{hints.get(pointer, '')}"))
        else:
            result.append(Error(pointer, f"expected {' or '.join(phrases)}; found {describe(found)}"))
    return result


def missing(pointer: str, owner: dict[str, Any], name: str) -> Detail:
    """The detail of the required field ``name`` missing from the object ``owner`` at ``pointer``."""
    close = closest(name, [k for k in owner if isinstance(k, str) and k != name])
    hint = f" (the object has {close!r}: a misspelling?)" if close else ""
    return (f"{pointer}/{pointer_token(name)}", ..., None, hint)


def _errors(nodes: Program, index: int, value: Any, pointer: str, found: list[Detail]) -> None:
    node = nodes[index]
    handler = _BY_KIND.get(node[-1])  # (its kind: a tuple's last item is read faster than its type is found)
    if handler is None:  # an Unsure node (why it is), or one the walk does not take
        raise Unsure(getattr(node, "why", node.kind))
    handler(nodes, node, value, pointer, found)


Handler = Callable[[Program, Any, Any, str, list[Detail]], None]
_SCALARS: dict[type, tuple[type, str]] = {Str: (str, "a string"), Int: (int, "an integer"), Bool: (bool, "a boolean")}


def _scalar(nodes: Program, node: Str | Int | Bool, value: Any, pointer: str, found: list[Detail]) -> None:
    kind, phrase = _SCALARS[type(node)]
    if type(value) is not kind:  # (not isinstance: a boolean is no integer here)
        found.append((pointer, value, phrase, ""))


def _float(nodes: Program, node: Float, value: Any, pointer: str, found: list[Detail]) -> None:
    if type(value) is int:
        if not -_FLOAT_INTS <= value <= _FLOAT_INTS:
            raise Unsure("a large integer for a number")
    elif type(value) is not float:
        found.append((pointer, value, "a number", ""))


def _null(nodes: Program, node: Null, value: Any, pointer: str, found: list[Detail]) -> None:
    if value is not None:
        found.append((pointer, value, "null", ""))


def _model(nodes: Program, node: Model, value: Any, pointer: str, found: list[Detail]) -> None:
    if type(value) is not dict:
        found.append((pointer, value, "an object", ""))
        return
    cached = _MODEL_FIELDS.get(id(node))
    if cached is None or cached[0] is not node:
        cached = _MODEL_FIELDS[id(node)] = (node, tuple((*field, type(nodes[field.node])) for field in node.fields))
    for key, child, required, kind in cached[1]:
        if key in value:
            item = value[key]
            # most fields are fine: a string where a string goes needs no call and no pointer
            if type(item) is _PLAIN.get(kind) or kind is AnyValue or (item is None and kind is Nullable):
                continue
            _errors(nodes, child, item, f"{pointer}/{_field_token(key)}", found)
        elif required:
            found.append(missing(pointer, value, key))


# A model node's fields as plain tuples (key, node, required, the type of that node), by the id of the model
# node (kept beside them, so that an id reused by another node is not mistaken for it): unpacking a plain tuple
# is twice as fast as unpacking a NamedTuple, in the walk's busiest loop.
_MODEL_FIELDS: dict[int, tuple[Model, tuple[tuple[str, int, bool, type], ...]]] = {}


# the nodes that a value of one exact type always satisfies (an open enum takes any string)
_PLAIN: dict[type, type] = {**{kind: exact for kind, (exact, _) in _SCALARS.items()}, Float: float, Enum: str}


@lru_cache(maxsize=4096)  # the fields of the models: a few hundred names
def _field_token(key: str) -> str:
    return pointer_token(key)


def _nullable(nodes: Program, node: Nullable, value: Any, pointer: str, found: list[Detail]) -> None:
    if value is not None:
        _errors(nodes, node.node, value, pointer, found)


def _array(nodes: Program, node: Array, value: Any, pointer: str, found: list[Detail]) -> None:
    if type(value) is not list:
        found.append((pointer, value, "an array", ""))
        return
    index = node.item
    item = nodes[index]
    if type(item) is AnyValue:
        return
    skipper = _PASSABLE.get()
    limit = _LIMIT.get()  # (read once for all the items)
    name = item.scanned if type(item) in (Model, Root) else None
    if skipper is None or name is None:
        for position, child in enumerate(value):
            _errors(nodes, index, child, f"{pointer}/{position}", found)
            if limit is not None:
                _over_limit(found, limit)
    elif not _scanned_valid(skipper, name, value, many=True):
        for position, child in enumerate(value):
            if type(child) is not dict or not _scanned_valid(skipper, name, child, many=False):
                _errors(nodes, index, child, f"{pointer}/{position}", found)
                if limit is not None:
                    _over_limit(found, limit)


def _map(nodes: Program, node: Map, value: Any, pointer: str, found: list[Detail]) -> None:
    if type(value) is not dict:
        found.append((pointer, value, "an object", ""))
    elif type(nodes[node.value]) is not AnyValue:
        for key, child in value.items():
            _errors(nodes, node.value, child, f"{pointer}/{pointer_token(key)}", found)


def _union(nodes: Program, node: Union, value: Any, pointer: str, found: list[Detail]) -> None:
    """Valid if a member takes the value; else every member's errors, in order (as the models say). A union
    with a discriminator checks the member its tag names; without a known tag the models word the error."""
    if node.discriminator is not None:
        member = _tagged(node, value)
        if member is None:
            raise Unsure("a discriminated union without a known tag")
        _errors(nodes, member, value, pointer, found)
        return
    tried: list[Detail] = []
    for member in node.members:
        start = len(tried)
        _errors(nodes, member, value, pointer, tried)
        if len(tried) == start:
            return
    found += tried


def _tagged(node: Union, value: Any) -> int | None:
    """The member of a discriminated union that ``value``'s tag names, or None."""
    assert node.discriminator is not None
    key, tags = node.discriminator
    tag = value.get(key) if type(value) is dict else None
    return next((member for name, member in tags if name == tag), None) if type(tag) is str else None


def _enum(nodes: Program, node: Enum, value: Any, pointer: str, found: list[Detail]) -> None:
    if type(value) is not str:  # an open enum: any string is valid (an unlisted one is drift)
        found.append((pointer, value, node.expected, ""))


def _literal(nodes: Program, node: Literal, value: Any, pointer: str, found: list[Detail]) -> None:
    if not _same_kind(value, node.values):
        found.append((pointer, value, node.expected, ""))


def _datetime(nodes: Program, node: DateTime, value: Any, pointer: str, found: list[Detail]) -> None:
    offset_required = node.offset_required
    wrong = problem(value, offset_required, EXPECTED if offset_required else LOCAL_EXPECTED)
    if wrong is not None:
        found.append((pointer, value, wrong[1], ""))


def _root(nodes: Program, node: Root, value: Any, pointer: str, found: list[Detail]) -> None:
    _errors(nodes, node.node, value, pointer, found)


def _checked(nodes: Program, node: Checked, value: Any, pointer: str, found: list[Detail]) -> None:
    """The inner node's errors; without any, the constraints: a broken bound of a number is worded as the
    models word it, as is the models' "at most 0 items" of an object (the empty object of "this object or the
    empty one"); other broken constraints (lengths, patterns, multiples) are the models' to word."""
    start = len(found)
    _errors(nodes, node.node, value, pointer, found)
    if len(found) == start and not _within(value, node.constraints):
        if node.constraints == (("max_length", 0),) and type(value) is dict:
            found.append((pointer, value, "an empty object", ""))
            return
        phrase = _broken_bound(value, node.constraints)
        if phrase is None:
            raise Unsure("a bound or pattern broken")
        found.append((pointer, value, phrase, ""))


_BOUNDS = {"ge": "greater than or equal to", "gt": "greater than", "le": "less than or equal to", "lt": "less than"}


def _broken_bound(value: Any, constraints: tuple[tuple[str, Any], ...]) -> str | None:
    """What the models say of a number that breaks a bound (``less than or equal to 100``), or None when the
    constraints are not bounds of a number alone or the bound is not written as the models write it."""
    if type(value) not in (int, float) or any(name not in _BOUNDS for name, _ in constraints):
        return None
    for name, bound in constraints:
        if not _within(value, ((name, bound),)):
            text = _number_text(bound)
            return None if text is None else f"{_BOUNDS[name]} {text}"
    return None


def _number_text(number: Any) -> str | None:
    """A bound as the models' messages write it (Rust's: ``100.0`` is ``100``, no exponent), or None."""
    if type(number) is int:
        return str(number)
    if type(number) is float and number.is_integer() and abs(number) < 2**53:
        return str(int(number))
    text = repr(number)
    return text if type(number) is float and "e" not in text and "n" not in text else None


def _any(nodes: Program, node: AnyValue, value: Any, pointer: str, found: list[Detail]) -> None:
    return


_HANDLERS: dict[type[Any], Handler] = {
    AnyValue: _any,
    Str: _scalar,
    Int: _scalar,
    Bool: _scalar,
    Float: _float,
    Null: _null,
    Model: _model,
    Nullable: _nullable,
    Array: _array,
    Map: _map,
    Union: _union,
    Enum: _enum,
    Literal: _literal,
    DateTime: _datetime,
    Root: _root,
    Checked: _checked,
}
"""The walk's handler of each kind of node (an ``Unsure`` node has none: the walk raises Unsure there)."""
_BY_KIND: dict[str, Handler] = {kind._field_defaults["kind"]: handler for kind, handler in _HANDLERS.items()}
"""The same by the name of the kind, a node's last field (see evaljobs._validation.program_nodes)."""


def _same_kind(value: Any, values: tuple[Any, ...]) -> bool:
    """Whether ``values`` has ``value`` as the same JSON kind (``True == 1`` in Python, not in JSON)."""
    return any(type(known) is type(value) and known == value for known in values)


def _within(value: Any, constraints: tuple[tuple[str, Any], ...]) -> bool:
    """Whether ``value`` meets every constraint (bounds, lengths) of a ``Checked`` node; never with a
    pattern, which is the models' to check."""
    if value is None:
        return True  # the node took null: its bounds are for the values it checks
    for name, bound in constraints:
        if name in ("min_length", "max_length"):
            if not isinstance(value, str | list | dict):
                return False
            size = len(value)
            if (size < bound) if name == "min_length" else (size > bound):
                return False
        elif name == "pattern":
            return False  # the models' regular expressions are not Python's (``$`` before a final newline...)
        else:
            if isinstance(value, bool) or not isinstance(value, int | float):
                return False
            if name == "ge" and not value >= bound:
                return False
            if name == "gt" and not value > bound:
                return False
            if name == "le" and not value <= bound:
                return False
            if name == "lt" and not value < bound:
                return False
            if name == "multiple_of":
                return False  # pydantic's float arithmetic decides
    return True


# ---------------------------------------------------------------------------------------------------------
# Drift: the same program, walked for unknown fields and unlisted enum values. Each node is turned once into
# a shape: what an object, array or string found there is checked as.


class _Shape:
    __slots__ = ("enum", "enum_values", "items", "models", "tagged", "trivial", "values")

    def __init__(self, nodes: Program, index: int, shapes: dict[int, _Shape]) -> None:
        shapes[index] = self  # (a recursive schema finds its shape while it is being built)
        members = _members(nodes, index)
        # a discriminated union: the union node, whose tag chooses the model
        unions = [nodes[i] for i in _unions(nodes, index)]
        self.tagged: Union | None = next((u for u in unions if u.discriminator is not None), None)
        self.models = tuple(m for m in members if type(nodes[m]) in (Model, Root))
        enums = [nodes[m] for m in members if type(nodes[m]) is Enum]
        takes_any_string = any(type(nodes[m]) is Str for m in members)
        self.values: _Shape | None = None
        self.items: _Shape | None = None
        for member in members:
            node = nodes[member]
            if type(node) is Map and self.values is None:
                self.values = _shape(nodes, node.value, shapes)
            elif type(node) is Array and self.items is None:
                self.items = _shape(nodes, node.item, shapes)
        # the strings a string found here may be without drift (None: any string), and the enum named
        self.enum: Enum | None = enums[0] if enums else None
        self.enum_values: frozenset[str] | None = None
        if enums and not takes_any_string:
            self.enum_values = frozenset(value for enum in enums for value in enum.values)
        self.trivial = not (self.models or self.enum_values is not None or self.values or self.items)


def _members(nodes: Program, index: int) -> tuple[int, ...]:
    """The alternatives of a node, unions, nullables and checks looked through, null left out."""
    node = nodes[index]
    if type(node) is Union:
        return tuple(m for member in node.members for m in _members(nodes, member))
    if type(node) in (Nullable, Checked):
        return _members(nodes, node.node)
    if type(node) is Null:
        return ()
    return (index,)


def _unions(nodes: Program, index: int) -> list[int]:
    """The union nodes at ``index``, nullables and checks looked through."""
    node = nodes[index]
    if type(node) in (Nullable, Checked):
        return _unions(nodes, node.node)
    return [index] if type(node) is Union else []


def _shape(nodes: Program, index: int, shapes: dict[int, _Shape]) -> _Shape:
    found = shapes.get(index)
    return found if found is not None else _Shape(nodes, index, shapes)


@cache
def _shapes(api: str) -> dict[int, _Shape]:
    return {}


def drift(value: Any, api: str, name: str, *, decoded: bool = False) -> list[Drift]:
    """Every drift in ``value`` read as schema ``name`` of ``api``, in document order. ``decoded``: ``value``
    was read from JSON (dicts, lists, strings, numbers, booleans, None only), so the native scanner can tell
    the parts without drift on their JSON again (a value from a caller may hold a UUID that reads as a
    string there)."""
    nodes, targets = program(api)
    walk = _DriftWalk(api, nodes, decoded)
    where = walk.shape(targets[name])
    if not where.trivial:
        walk.walk(value, where, "")
    return walk.found


class _DriftWalk:
    __slots__ = ("api", "found", "nodes", "shapes", "skipper")

    def __init__(self, api: str, nodes: Program, decoded: bool) -> None:
        self.api = api
        self.nodes = nodes
        self.shapes = _shapes(api)
        self.skipper = _skipper(api) if decoded else None
        self.found: list[Drift] = []

    def shape(self, index: int) -> _Shape:
        return _shape(self.nodes, index, self.shapes)

    def walk(self, value: Any, where: _Shape, pointer: str) -> None:
        if isinstance(value, dict):
            if where.models:
                model = where.models[0]
                chosen = _tagged(where.tagged, value) if where.tagged is not None else None
                if chosen is not None:  # the member the discriminator names
                    model = chosen
                elif len(where.models) > 1:  # the first of those that know most of its keys
                    model = max(where.models, key=lambda m: len(_keys(self.nodes, m) & value.keys()))
                self.walk_model(value, model, pointer)
            elif where.values is not None and not where.values.trivial:
                for key, child in value.items():
                    self.walk(child, where.values, f"{pointer}/{pointer_token(key)}")
        elif isinstance(value, list):
            items = where.items
            if items is not None and not items.trivial:
                only = items.models[0] if len(items.models) == 1 else None
                if only is not None and self.accepted(value, self.nodes[only].scanned, many=True):
                    return  # an array the strict program accepts whole has no drift (one call for all its items)
                for index, child in enumerate(value):
                    if only is not None and type(child) is dict:  # an array of objects: no call per item
                        self.walk_model(child, only, f"{pointer}/{index}")
                    else:
                        self.walk(child, items, f"{pointer}/{index}")
        elif isinstance(value, str) and where.enum_values is not None and value not in where.enum_values:
            self.found.append(_unknown_enum_value(value, where, pointer))

    def walk_model(self, value: dict[str, Any], index: int, pointer: str) -> None:
        node = self.nodes[index]
        if pointer and self.accepted(value, node.scanned):
            return  # below the root: accepted by the strict program, so without drift
        if type(node) is Root:
            inner = self.shape(node.node)
            if not inner.trivial:
                self.walk(value, inner, pointer)
            return
        shapes = _field_shapes(self, index)
        for key, child in value.items():
            where = shapes.get(key)
            if where is None:
                self.found.append(_unknown_field(key, shapes, node.name, pointer))
            elif where.trivial:
                continue
            elif type(child) is str and where.enum_values is not None:  # the common case, without a call
                if child not in where.enum_values:
                    self.found.append(_unknown_enum_value(child, where, f"{pointer}/{pointer_token(key)}"))
            elif type(child) in (dict, list):
                self.walk(child, where, f"{pointer}/{pointer_token(key)}")

    def accepted(self, value: Any, name: str | None, *, many: bool = False) -> bool:
        """Whether the scanner's strict program of schema ``name`` accepts ``value`` (a list of such values if
        ``many``), encoded again: valid without drift, so the walk can pass over it. Where the scanner cannot
        tell, or without it, the walk goes on (which costs time, never a finding)."""
        if name is None or self.skipper is None:
            return False
        return _scanned(self.skipper, name, value, many=many) == VALID


_FIELD_SHAPES: dict[tuple[str, int], dict[str, _Shape]] = {}


def _field_shapes(walk: _DriftWalk, index: int) -> dict[str, _Shape]:
    """JSON key -> shape of each field of the model node ``index``, in the model's order."""
    found = _FIELD_SHAPES.get((walk.api, index))
    if found is None:
        found = {field.key: walk.shape(field.node) for field in walk.nodes[index].fields}
        _FIELD_SHAPES[walk.api, index] = found
    return found


def _unknown_field(key: str, shapes: dict[str, _Shape], model: str, pointer: str) -> Drift:
    close = closest(key, shapes)
    hint = f"; did you mean {close!r}?" if close else ""
    message = f"field {key!r} is not in the spec of {model}{hint}"
    return Drift(f"{pointer}/{pointer_token(key)}", "unknown_field", message)


def _keys(nodes: Program, index: int) -> frozenset[str]:
    node = nodes[index]
    return frozenset(("root",) if type(node) is Root else (field.key for field in node.fields))


def _unknown_enum_value(value: str, where: _Shape, pointer: str) -> Drift:
    enum = where.enum
    assert enum is not None  # enum_values is set only with an enum
    listed = ", ".join(repr(known) for known in enum.values)
    return Drift(pointer, "unknown_enum_value", f"{value!r} is not a value of {enum.name} ({listed})")


def added_at_root(data: bytes, value: Any, api: str, name: str) -> list[Drift] | None:
    """The drift of ``value`` read as schema ``name`` (``data``: its JSON, decoded strictly: no duplicate key)
    when it is only fields the root does not declare: the strict program with its root left open (an unknown
    key there takes any value) accepts ``data``, one scan instead of the walk (``drift`` finds the same).
    None when it does not, or cannot tell."""
    opened = _root_opened(api)
    if opened is None or type(value) is not dict:
        return None
    program_, roots = opened
    root = roots.get(name)
    if root is None or program_.scan(root, data) != VALID:
        return None
    nodes, targets = program(api)
    walk = _DriftWalk(api, nodes, True)
    index = walk.shape(targets[name]).models[0]  # (a single model: see _root_opened)
    shapes = _field_shapes(walk, index)
    return [_unknown_field(key, shapes, nodes[index].name, "") for key in value if key not in shapes]


@cache
def _root_opened(api: str) -> tuple[Any, dict[str, int]] | None:
    """The strict program of ``api`` with, for each schema whose strict node is a closed object declaring the
    same fields as the walk's one model of it, a copy of that node left open (made on the first drift: one more node per
    schema), and the node of each; None without the scanner."""
    program_ = native_program(api)
    if program_ is None:
        return None
    module = outline_module(api)
    nodes, roots = list(module.NATIVE), {}
    walk_nodes, walk_targets = program(api)
    shapes = _shapes(api)
    for name, index in module.NATIVE_TARGETS.items():
        where = _shape(walk_nodes, walk_targets[name], shapes) if name in walk_targets else None
        if where is None or len(where.models) != 1 or where.tagged is not None:
            continue  # (not one model: the walk chooses among several)
        plain, model = nodes[index], walk_nodes[where.models[0]]
        if plain[-1] != "struct" or type(model) is not Model:  # (the scanner's nodes are plain tuples, kind last)
            continue
        node = Struct(*plain)
        if node.open or {field[0].decode() for field in node.fields} != {field.key for field in model.fields}:
            continue  # (the two programs do not read the object alike: the walk tells)
        roots[name] = len(nodes)
        nodes.append(node._replace(open=True))
    return type(program_.program)(tuple(nodes)), roots


@cache
def _skipper(api: str) -> Passable | None:
    """The native scanner's strict program of ``api`` (the one the targets share), None without the scanner."""
    program = native_program(api)
    return None if program is None else Passable(program.program, program.targets, outline_module(api).NATIVE_LISTS)


def closest(name: str, known: Iterable[str]) -> str | None:
    """The known name ``name`` is most likely a misspelling of (similarity at least 0.75), or None."""
    return _closest(name, tuple(known))


@lru_cache(maxsize=4096)  # captures repeat their shapes: the same names meet the same fields again
def _closest(name: str, known: tuple[str, ...]) -> str | None:
    import difflib  # noqa: PLC0415 - only for a name the spec does not know

    nearby = [k for k in known if abs(len(k) - len(name)) <= max(2, len(name) // 4)]
    found = difflib.get_close_matches(name, nearby, n=1, cutoff=0.75) if nearby else []
    return found[0] if found else None

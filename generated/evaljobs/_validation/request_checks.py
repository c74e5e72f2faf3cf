"""What a captured request (a HAR entry's) is checked for, against the operation its method and path match.

- Its JSON body against the operation's request body schema (every error and drift with its JSON pointer into
  the body, through the validator); a required body that was not sent is an error; a body sent to an operation
  that declares none is drift (``undocumented_request_body``: the request goes beyond the spec, as an unknown
  field does).
- Its path parameters (from the template) and query parameters (decoded): a required one missing, a value that
  is not of the parameter's type (integer, number, boolean, an enum), and, as drift of severity info, a query
  parameter the operation does not document (``undocumented_parameter``).
- A request no operation matches is drift: ``undocumented_method`` where an operation has its path (with
  another method), else ``undocumented_endpoint``; a response status the operation does not document (nor its
  class, ``4XX``, nor ``default``) is the response's drift, ``undocumented_status``.

The operations are the plain data of ``evaljobs._routes.<api>.REQUESTS``: no model or pydantic import.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote

import evaljobs
from evaljobs._inputs import Request
from evaljobs._report import Drift, Error, ErrorKind, Report
from evaljobs._validation.targets import routes_module

if TYPE_CHECKING:
    from evaljobs._validation.validator import Validator

__all__ = ["RequestFindings", "check", "coverage", "undocumented", "undocumented_status"]

_PARAMETER = re.compile(r"\{([^{}/]+)\}")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_BOOLEAN = ("true", "false")
_ARTICLE = {"integer": "an integer", "number": "a number", "boolean": "true or false"}


@dataclass(frozen=True)
class ParameterSpec:
    """A path or query parameter, as ``REQUESTS`` describes it: ``type`` the JSON type of its value (``items``:
    of each item of an array), ``enum`` its values as text."""

    name: str
    location: str
    required: bool = False
    type: str = "string"
    items: str = "string"
    enum: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestSpec:
    """What an operation takes: parameters, and a body (``body_media_types`` empty: none; ``body_schema`` the
    JSON body's schema, None for a schema without a name, which is only checked to be JSON)."""

    api: str
    operation_id: str
    method: str
    path: str
    pattern: re.Pattern[str]
    """Matches a concrete path, a group for each path parameter (``path_names``, in path order)."""
    path_names: tuple[str, ...]
    parameters: tuple[ParameterSpec, ...]
    body_media_types: tuple[str, ...] = ()
    body_schema: str | None = None
    body_required: bool = False
    statuses: tuple[str, ...] = ()
    """The response statuses the operation documents, as the spec writes them (``200``, ``4XX``, ``default``)."""

    def documents(self, status: int) -> bool:
        """Whether the operation documents the response ``status``: itself, its class or ``default``."""
        return _documenting(self, status) is not None

    @property
    def json_body(self) -> bool:
        return any(_json(media) for media in self.body_media_types)


@dataclass(frozen=True)
class RequestFindings:
    """The request's errors and drift (each marked as the request's), and the operation it was checked against."""

    operation: RequestSpec
    errors: list[Error]
    drift: list[Drift]


def check(request: Request, prefer: Sequence[str] = ()) -> RequestFindings | None:
    """The findings of ``request`` against the operation its method and path match (an API in ``prefer`` first:
    the API of the response's schema); None when no operation of any spec matches."""
    found = _operation(request.method, request.path, prefer)
    if found is None:
        return None
    operation, values = found
    findings = RequestFindings(operation, [], [])
    _check_parameters(operation, values, request.query, findings)
    _check_body(operation, request, findings)
    return findings


def undocumented(request: Request) -> Drift:
    """The drift of a request that no operation of any spec matches: its method, where operations have its path,
    else its endpoint."""
    methods = sorted(
        {
            operation.method
            for api in evaljobs.APIS
            for operation in _operations(api)
            if operation.pattern.fullmatch(request.path)
        }
    )
    if methods:
        message = (
            f"{request.method.upper()} is not an operation of {request.path} (the specs have {', '.join(methods)})"
        )
        return Drift("", "undocumented_method", message, side="request")
    message = f"no operation of any spec has the path {request.path}"
    return Drift("", "undocumented_endpoint", message, side="request")


def undocumented_status(operation: RequestSpec, status: int) -> Drift | None:
    """The response's drift when ``operation`` does not document ``status``; None when it does."""
    if operation.documents(status):
        return None
    listed = ", ".join(operation.statuses) or "none"
    message = f"{operation.operation_id} ({operation.api}) does not document status {status} (it documents {listed})"
    return Drift("", "undocumented_status", message, side="response")


def _operation(method: str, path: str, prefer: Sequence[str]) -> tuple[RequestSpec, dict[str, str]] | None:
    """The operation of ``method`` and ``path`` and its path parameters' values: the template with the fewest
    parameters wins (``/jobs/latest`` over ``/jobs/{id}``), then an API of ``prefer``, then spec order."""
    best: tuple[tuple[int, int], RequestSpec, dict[str, str]] | None = None
    for api in evaljobs.APIS:
        for operation in _operations(api):
            if operation.method != method.upper():
                continue
            matched = operation.pattern.fullmatch(path)
            if matched is None:
                continue
            rank = (len(operation.path_names), 0 if api in prefer else 1)
            if best is None or rank < best[0]:
                values = {
                    name: unquote(value) for name, value in zip(operation.path_names, matched.groups(), strict=True)
                }
                best = (rank, operation, values)
    return None if best is None else (best[1], best[2])


@cache
def _operations(api: str) -> tuple[RequestSpec, ...]:
    return tuple(_spec(api, entry) for entry in getattr(routes_module(api), "REQUESTS", ()))


def _spec(api: str, entry: dict[str, Any]) -> RequestSpec:
    path = str(entry["path"])
    parts = _PARAMETER.split(path)
    regex = "".join(re.escape(part) if index % 2 == 0 else "([^/]+)" for index, part in enumerate(parts))
    return RequestSpec(
        api=api,
        operation_id=str(entry["operation_id"]),
        method=str(entry["method"]),
        path=path,
        pattern=re.compile(regex),
        path_names=tuple(parts[1::2]),
        parameters=tuple(
            ParameterSpec(
                name=str(each["name"]),
                location=str(each["in"]),
                required=bool(each.get("required", False)),
                type=str(each.get("type", "string")),
                items=str(each.get("items", "string")),
                enum=tuple(str(value) for value in each.get("enum", ())),
            )
            for each in entry.get("parameters", ())
        ),
        body_media_types=tuple(entry.get("body_media_types", ())),
        body_schema=entry.get("body_schema"),
        body_required=bool(entry.get("body_required", False)),
        statuses=tuple(str(status) for status in entry.get("statuses", ())),
    )


def _check_parameters(
    operation: RequestSpec, path_values: dict[str, str], query: Sequence[tuple[str, str]], findings: RequestFindings
) -> None:
    sent: dict[str, list[str]] = {name: [value] for name, value in path_values.items()}
    given: dict[str, list[str]] = {}
    for name, value in query:
        given.setdefault(name, []).append(value)
    for parameter in operation.parameters:
        values = given.get(parameter.name, []) if parameter.location == "query" else sent.get(parameter.name, [])
        if not values and parameter.required:
            message = f"required {parameter.location} parameter {parameter.name!r} is missing"
            findings.errors.append(_error(parameter, "missing_parameter", message))
        for value in values:
            problem = _value_problem(parameter, value)
            if problem is not None:
                findings.errors.append(_error(parameter, "invalid_parameter", problem))
    documented = sorted(parameter.name for parameter in operation.parameters if parameter.location == "query")
    for name in given:
        if name not in documented:
            listed = ", ".join(documented) or "none"
            message = f"{name!r} is not a query parameter of {operation.operation_id} (documented: {listed})"
            findings.drift.append(Drift("", "undocumented_parameter", message, "request", name, "query"))


def _error(parameter: ParameterSpec, kind: ErrorKind, message: str) -> Error:
    return Error("", message, "request", kind, parameter.name, parameter.location)


def _value_problem(parameter: ParameterSpec, value: str) -> str | None:
    """What is wrong with one value of ``parameter`` (an array's: each item, written repeated or comma-separated)."""
    if parameter.type == "array":
        for item in value.split(","):
            problem = _scalar_problem(parameter.items, (), item)
            if problem is not None:
                return problem
        return None
    return _scalar_problem(parameter.type, parameter.enum, value)


def _scalar_problem(kind: str, enum: tuple[str, ...], value: str) -> str | None:
    wrong = (
        (kind == "integer" and not _INTEGER.fullmatch(value))
        or (kind == "number" and not _NUMBER.fullmatch(value))
        or (kind == "boolean" and value.lower() not in _BOOLEAN)
    )
    if wrong:
        return f"expected {_ARTICLE[kind]}; found {value!r}"
    if enum and value not in enum:
        return f"expected one of {', '.join(repr(each) for each in enum)}; found {value!r}"
    return None


def _check_body(operation: RequestSpec, request: Request, findings: RequestFindings) -> None:
    name = operation.operation_id
    if request.body is None:
        if operation.body_required:
            message = f"{name} requires a request body ({', '.join(operation.body_media_types)}); none was sent"
            findings.errors.append(Error("", message, "request", "missing_request_body"))
        return
    if not operation.body_media_types:
        message = f"{name} takes no request body; one was sent ({request.media_type or 'no content type'})"
        findings.drift.append(Drift("", "undocumented_request_body", message, "request"))
        return
    if request.body_problem is not None:
        findings.errors.append(Error("", request.body_problem, "request", "invalid_request_body"))
        return
    if not operation.json_body or (request.media_type and not _json(request.media_type)):
        return  # not JSON: another media type, not checked here
    report = _body_report(operation, request.body)
    findings.errors.extend(
        Error(error.pointer, error.message, "request", "invalid_request_body") for error in report.errors
    )
    findings.drift.extend(Drift(drift.pointer, drift.kind, drift.message, "request") for drift in report.drift)


def _json(media: str) -> bool:
    base = media.split(";", 1)[0].strip().lower()
    return base.endswith(("/json", "+json"))


def _body_report(operation: RequestSpec, body: bytes) -> Report:
    """The validator's report on a JSON body; where the body's schema has no name the validator knows, only
    whether it is JSON."""
    validator = _validator(f"{operation.api}.{operation.body_schema}") if operation.body_schema else None
    if validator is not None:
        return validator.check(body, operation.operation_id)
    from evaljobs._validation.decode import PayloadError, decode  # noqa: PLC0415 - only when a body is checked

    try:
        decode(body)
    except PayloadError as error:
        return Report(operation.operation_id, None, [Error(error.pointer, str(error))])
    return Report(operation.operation_id, None)


@cache
def _validator(label: str) -> Validator | None:
    """The validator of a request body's schema (None: the validator does not know it)."""
    from evaljobs._validation.validator import Validator  # noqa: PLC0415 - only when a body is checked

    try:
        return Validator(schema=label)
    except LookupError:
        return None


def coverage(seen: Mapping[tuple[str, str, int], int]) -> dict[str, Any]:
    """What the exchanges ``seen`` (per api, operationId and status) reached of every spec: the operations, and
    the response statuses each documents (a status counts for the one that documents it: itself, else its
    class ``4XX``, else ``default``), with totals."""
    by_operation = []
    statuses_seen = statuses_total = operations_seen = 0
    for api in evaljobs.APIS:
        for operation in _operations(api):
            reached = sorted(status for each, name, status in seen if (each, name) == (api, operation.operation_id))
            documented = list(operation.statuses)
            hit = {_documenting(operation, status) for status in reached} - {None}
            by_operation.append(
                {
                    "api": api,
                    "operation": operation.operation_id,
                    "method": operation.method,
                    "path": operation.path,
                    "seen": [str(status) for status in reached],
                    "documented": documented,
                    "documented_seen": [status for status in documented if status in hit],
                }
            )
            operations_seen += bool(reached)
            statuses_seen += len(hit)
            statuses_total += len(documented)
    return {
        "operations": {"seen": operations_seen, "total": len(by_operation)},
        "statuses": {"seen": statuses_seen, "total": statuses_total},
        "by_operation": by_operation,
    }


def _documenting(operation: RequestSpec, status: int) -> str | None:
    """The key of ``operation``'s responses that documents ``status``: itself, else its class, else default."""
    keys = {key.upper(): key for key in operation.statuses}
    for wanted in (str(status), f"{str(status)[:1]}XX", "DEFAULT"):
        if wanted in keys:
            return keys[wanted]
    return None

"""What the mock server checks of a request before it answers, as the spec says: a bearer token where the
operation's security asks for one (401; only the given one when the server has a ``token``), the type and bounds
of each path parameter, the required query parameters and the type of each (``integer``, ``number``,
``boolean``, an enum, an array's items) with their bounds (``minimum``, ``maximum``), and the JSON request body
against its schema (through ``evaljobs.validate``; an enum value the schema does not list is refused here, where
a response's would be drift).

The parameters' rules and words are ``evaljobs validate``'s on a captured request (``request_checks
.parameter_problem`` and ``missing_message``, over the same table, ``REQUESTS``): what one refuses, the other
reports.

A refused parameter or body is answered with the spec's 422 when it documents one, else its 400, else 422 for
a body and 400 for a query, in the error shape the spec declares for that status (``routes.error_answer``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import parse_qs

from evaljobs._mock.routes import Answer, Route, error_answer
from evaljobs._validation.request_checks import ParameterSpec, missing_message, parameter_problem

__all__ = ["check_auth", "check_body", "check_path", "check_query"]


def check_auth(route: Route, headers: Mapping[str, str], expected: str | None = None) -> Answer | None:
    """A 401 when the operation needs a bearer token and the request has none (or not ``expected``, when given)."""
    if route.request is None or not route.request.bearer_auth:
        return None
    scheme, _, token = (headers.get("Authorization") or "").partition(" ")
    if scheme.lower() == "bearer" and token.strip() and (expected is None or token.strip() == expected):
        return None
    return error_answer(
        route,
        route.documents("401") or "401",
        "mock: this operation needs a bearer token (Authorization: Bearer ...)",
        headers={"WWW-Authenticate": "Bearer"},
    )


def check_query(route: Route, query: str) -> Answer | None:
    """An error answer naming each missing required query parameter and each value of the wrong type."""
    values = parse_qs(query, keep_blank_values=True)
    problems = []
    for parameter in route.parameters:
        if parameter.location != "query":
            continue
        given = values.get(parameter.name)
        if not given:
            if parameter.required:
                problems.append((f"/{parameter.name}", missing_message(parameter)))
            continue
        for value in given:
            problem = parameter_problem(parameter, value)
            if problem:
                problems.append((f"/{parameter.name}", _worded(parameter, problem)))
    if not problems:
        return None
    status = route.documents("422", "400") or "400"
    return error_answer(route, status, "; ".join(message for _, message in problems), problems=problems, where="query")


def check_path(route: Route, parameters: Mapping[str, str]) -> Answer | None:
    """An error answer naming each path parameter whose value is not of its type or out of its bounds (an integer
    id given ``1.5``). Not its enum: a value the spec does not list is answered as an unknown id is."""
    problems = []
    for parameter in route.parameters:
        value = parameters.get(parameter.name)
        if parameter.location == "path" and value is not None:
            problem = parameter_problem(parameter, value, enum=False)
            if problem:
                problems.append((f"/{parameter.name}", _worded(parameter, problem)))
    if not problems:
        return None
    status = route.documents("422", "400") or "400"
    return error_answer(route, status, "; ".join(message for _, message in problems), problems=problems, where="path")


def _worded(parameter: ParameterSpec, problem: str) -> str:
    """A problem of one value, with the parameter it is of: ``query parameter 'page': expected an integer; ..."""
    return f"{parameter.location} parameter {parameter.name!r}: {problem}"


def check_body(route: Route, body: bytes, content_type: str) -> Answer | None:
    """An error answer when the operation takes a JSON body and this one is missing, not JSON, or breaks the
    body's schema (each error with its JSON pointer)."""
    taken = route.request
    if taken is None or (taken.body_schema is None and not taken.body_required):
        return None
    status = route.documents("422", "400") or "422"
    if not body.strip():
        if taken.body_required:
            return error_answer(route, status, "mock: this operation needs a JSON request body")
        return None
    media = content_type.split(";", maxsplit=1)[0].strip().lower()
    if media and not media.endswith("json"):
        return error_answer(route, status, f"mock: expected a JSON request body; found Content-Type {media!r}")
    try:
        payload = json.loads(body)
    except ValueError as error:
        return error_answer(route, status, f"mock: the request body is not JSON: {error}")
    if taken.body_schema is None:  # an inline schema: the mock does not know it
        return None
    from evaljobs._validation.validator import validate  # noqa: PLC0415 - the validator loads only when a body comes

    report = validate(payload, schema=f"{route.api}.{taken.body_schema}")
    # a server checks a request as the spec says: an enum value it does not list is refused (for a response, the
    # models' tolerant reading makes it drift); a field it does not list is let through, as FastAPI does
    unlisted = [drift for drift in report.drift if drift.kind == "unknown_enum_value"]
    if report.valid and not unlisted:
        return None
    problems = [(error.pointer, error.message) for error in report.errors]
    problems += [(drift.pointer, drift.message) for drift in unlisted]
    summary = "; ".join(f"{pointer or '/'}: {message}" for pointer, message in problems[:10])
    message = f"mock: the request body breaks {taken.body_schema}: {summary}"
    return error_answer(route, status, message, problems=problems)

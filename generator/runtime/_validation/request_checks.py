"""What a captured request (a HAR entry's) is checked for, against the operation its method and path match.

- Its JSON body against the operation's request body schema (every error and drift with its JSON pointer into
  the body, through the validator); a required body that was not sent is an error; a body sent to an operation
  that declares none is drift (``undocumented_request_body``: the request goes beyond the spec, as an unknown
  field does).
- Its path parameters (from the template) and query parameters (decoded): a required one missing, a value that
  is not of the parameter's type (integer, number, boolean, an enum; an array's items) or out of its bounds
  (``minimum``, ``maximum``), and, as drift of severity info, a query parameter the operation does not document
  (``undocumented_parameter``). These rules (``parameter_problem``, ``missing_message``) are the mock server's
  too (``evaljobs._mock.checks``), which answers them with 400/422.
- Its header parameters as its query parameters; a header neither the operation nor HTTP itself defines (nor
  a credential of its security, nor one ``--ignore-header`` names) is drift of severity info
  (``undocumented_header``).
- Its credentials: none of the operation's security alternatives met is an error (``security_not_met``).
- Its body's media type, and the response's, among those the operation documents (``unexpected_content_type``).
- A request no operation matches is drift: ``undocumented_method`` where an operation has its path (with
  another method), else ``undocumented_endpoint``; with ``--match host``, a request to a host no spec lists
  (nor ``--server``) is ``undocumented_server``; a response status the operation does not document (nor its
  class, ``4XX``, nor ``default``) is the response's drift, ``undocumented_status``.

Which spec an exchange belongs to (``Matching``): by its path alone, the default, with a spec server's base path
taken off where it has one (``/api/v3/pets`` for ``/pets`` of ``https://host/api/v3``); ``--match basepath``:
only below a server's base path; ``--match host``: only on a server's scheme, host and port. ``--server URL``
names the server the capture was made against, in place of the specs' own.

The operations are the plain data of ``evaljobs._routes.<api>.REQUESTS``: no model or pydantic import. The mock
server reads the same table (``request_spec``: parameters, body, bearer token).
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import unquote, urlsplit

import evaljobs
from evaljobs._inputs import Request
from evaljobs._report import Drift, Error, ErrorKind, Report
from evaljobs._validation.targets import routes_module

if TYPE_CHECKING:
    from evaljobs._validation.validator import Validator

__all__ = [
    "Matching",
    "ParameterSpec",
    "RequestFindings",
    "check",
    "coverage",
    "locate",
    "missing_message",
    "parameter_problem",
    "request_spec",
    "undocumented",
    "undocumented_status",
    "unexpected_response_type",
]

_PARAMETER = re.compile(r"\{([^{}/]+)\}")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_BOOLEAN = ("true", "false")
_ARTICLE = {"integer": "an integer", "number": "a number", "boolean": "true or false"}
# Request headers HTTP itself, browsers, proxies and tracing define: never an API's own parameters.
_HTTP_HEADERS = frozenset(
    {
        "accept",
        "accept-charset",
        "accept-encoding",
        "accept-language",
        "access-control-request-headers",
        "access-control-request-method",
        "authorization",
        "baggage",
        "cache-control",
        "connection",
        "content-encoding",
        "content-length",
        "content-md5",
        "content-type",
        "cookie",
        "date",
        "dnt",
        "early-data",
        "expect",
        "forwarded",
        "from",
        "host",
        "if-match",
        "if-modified-since",
        "if-none-match",
        "if-range",
        "if-unmodified-since",
        "keep-alive",
        "max-forwards",
        "origin",
        "pragma",
        "priority",
        "proxy-authorization",
        "proxy-connection",
        "range",
        "referer",
        "sentry-trace",
        "te",
        "trailer",
        "traceparent",
        "tracestate",
        "transfer-encoding",
        "upgrade",
        "upgrade-insecure-requests",
        "user-agent",
        "via",
        "warning",
        "x-amzn-trace-id",
        "x-correlation-id",
        "x-http-method-override",
        "x-real-ip",
        "x-request-id",
        "x-requested-with",
    }
)
_HTTP_HEADER_PREFIXES = ("sec-", "x-forwarded-", "x-b3-", "x-envoy-", "x-datadog-", "cf-", "x-amz-")
_SCHEME_WORD = re.compile(r"[A-Za-z][A-Za-z0-9-]*")
MatchMode = Literal["path", "basepath", "host"]


@dataclass(frozen=True)
class Matching:
    """How exchanges are matched to the specs (``--match``, ``--server``) and which request headers are nobody's
    concern (``--ignore-header``, names in lower case, a trailing ``*`` for a prefix)."""

    mode: MatchMode = "path"
    servers: tuple[str, ...] = ()
    ignore_headers: tuple[str, ...] = ()

    def paths(self, request: Request) -> dict[str, str]:
        """The path ``request`` has within each spec it can belong to (its servers' base paths taken off):
        api -> path; a spec it cannot belong to (another host, outside its base path) is left out."""
        found: dict[str, str] = {}
        sent = urlsplit(request.url) if request.url else None
        for api in evaljobs.APIS:
            servers = [urlsplit(url) for url in (self.servers or routes_servers(api))]
            if self.mode == "host":
                servers = [each for each in servers if sent is not None and _same_origin(sent, each)]
            bases = [each.path.rstrip("/") for each in servers]
            if self.mode == "path":
                bases.append("")
            for base in sorted(set(bases), key=len, reverse=True):
                if request.path == base or request.path.startswith(base + "/"):
                    found[api] = request.path[len(base) :] or "/"
                    break
        return found

    def ignores(self, header: str) -> bool:
        return any(fnmatch.fnmatchcase(header, pattern) for pattern in self.ignore_headers)


BY_PATH = Matching()
"""The default matching: by the path alone."""


def _same_origin(sent: Any, server: Any) -> bool:
    """Whether a request's URL went to ``server`` (a relative server URL: any host). Default ports count as given."""
    if not server.netloc:
        return True
    ports = {"http": 80, "https": 443}
    try:
        sent_port = sent.port or ports.get(sent.scheme)
        server_port = server.port or ports.get(server.scheme)
    except ValueError:
        return False
    return (sent.scheme, (sent.hostname or "").lower(), sent_port) == (
        server.scheme,
        (server.hostname or "").lower(),
        server_port,
    )


def routes_servers(api: str) -> tuple[str, ...]:
    return tuple(getattr(routes_module(api), "SERVERS", ()))


@dataclass(frozen=True)
class Credential:
    """A credential a security requirement asks for (see ``REQUESTS``' ``security``)."""

    location: str
    name: str
    scheme: str = ""

    def shown(self) -> str:
        if self.location == "header":
            word = f"{self.scheme.capitalize()} " if self.scheme else ""
            return f"header {self.name}: {word}..."
        return f"{self.location} parameter {self.name}"


@dataclass(frozen=True)
class ParameterSpec:
    """A path, query or header parameter, as ``REQUESTS`` describes it: ``type`` the JSON type of its value
    (``items``: of each item of an array), ``enum`` its values as text, ``minimum`` and ``maximum`` the inclusive
    bounds of an integer or number, ``default`` its value when none is sent (for the mock's pages)."""

    name: str
    location: str
    required: bool = False
    type: str = "string"
    items: str = "string"
    enum: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None
    default: Any = None


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
    response_media_types: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    """Status (as ``statuses`` writes it) -> the media types of its body (no key: the spec documents no body)."""
    security: tuple[tuple[Credential, ...], ...] = ()

    def documents(self, status: int) -> bool:
        """Whether the operation documents the response ``status``: itself, its class or ``default``."""
        return _documenting(self, status) is not None

    @property
    def json_body(self) -> bool:
        return any(_json(media) for media in self.body_media_types)

    @property
    def bearer_auth(self) -> bool:
        """Whether every alternative of the operation's security asks for a bearer token (what the mock asks)."""
        return bool(self.security) and all(
            any(each == Credential("header", "authorization", "bearer") for each in alternative)
            for alternative in self.security
        )


@dataclass(frozen=True)
class RequestFindings:
    """The request's errors and drift (each marked as the request's), and the operation it was checked against."""

    operation: RequestSpec
    errors: list[Error]
    drift: list[Drift]


def check(
    request: Request,
    prefer: Sequence[str] = (),
    matching: Matching = BY_PATH,
    paths: Mapping[str, str] | None = None,
) -> RequestFindings | None:
    """The findings of ``request`` against the operation its method and path match (an API in ``prefer`` first:
    the API of the response's schema); None when no operation of any spec matches. ``paths``: the request's path
    within each spec (``Matching.paths``), when the caller has it already."""
    found = _operation(request.method, matching.paths(request) if paths is None else paths, prefer)
    if found is None:
        return None
    operation, values = found
    findings = RequestFindings(operation, [], [])
    headers: dict[str, list[str]] = {}
    for name, value in request.headers:
        headers.setdefault(name, []).append(value)
    _check_parameters(operation, values, request.query, headers, findings)
    _check_headers(operation, headers, matching, findings)
    _check_security(operation, request, headers, matching, findings)
    _check_body(operation, request, headers, findings)
    return findings


def undocumented(request: Request, matching: Matching = BY_PATH, paths: Mapping[str, str] | None = None) -> Drift:
    """The drift of a request that no operation of any spec matches: its server (``--match host``: no spec is
    served where it went), else its method, where operations have its path, else its endpoint."""
    paths = matching.paths(request) if paths is None else paths
    servers = matching.servers or tuple(dict.fromkeys(url for api in evaljobs.APIS for url in routes_servers(api)))
    sent = urlsplit(request.url) if request.url else None
    if matching.mode == "host" and not any(sent and _same_origin(sent, urlsplit(url)) for url in servers):
        host = sent.netloc.rpartition("@")[2] if sent else "(no URL)"
        message = f"{host} is not a server of any spec (servers: {', '.join(servers) or 'none'})"
        return Drift("", "undocumented_server", message, side="request")
    methods = sorted(
        {
            operation.method
            for api, path in paths.items()
            for operation in _operations(api)
            if operation.pattern.fullmatch(path)
        }
    )
    if methods:
        message = (
            f"{request.method.upper()} is not an operation of {request.path} (the specs have {', '.join(methods)})"
        )
        return Drift("", "undocumented_method", message, side="request")
    message = f"no operation of any spec has the path {request.path}"
    return Drift("", "undocumented_endpoint", message, side="request")


def locate(request: Request, matching: Matching) -> dict[str, str]:
    """The request's path within each spec it can belong to (see ``Matching.paths``)."""
    return matching.paths(request)


def unexpected_response_type(operation: RequestSpec, status: int, media_type: str) -> Drift | None:
    """The response's drift when its body's ``media_type`` is not one ``operation`` documents for ``status`` (or
    the status documents no body); None when it is, or when the status is not documented at all (that is
    ``undocumented_status``)."""
    key = _documenting(operation, status)
    if key is None or not media_type:
        return None
    documented = operation.response_media_types.get(key, ())
    if any(_media_matches(media_type, each) for each in documented):
        return None
    listed = ", ".join(documented) if documented else "no body"
    message = f"{operation.operation_id} documents {listed} for status {key}; the response is {media_type}"
    return Drift("", "unexpected_content_type", message, side="response")


def undocumented_status(operation: RequestSpec, status: int) -> Drift | None:
    """The response's drift when ``operation`` does not document ``status``; None when it does."""
    if operation.documents(status):
        return None
    listed = ", ".join(operation.statuses) or "none"
    message = f"{operation.operation_id} ({operation.api}) does not document status {status} (it documents {listed})"
    return Drift("", "undocumented_status", message, side="response")


def _operation(
    method: str, paths: Mapping[str, str], prefer: Sequence[str]
) -> tuple[RequestSpec, dict[str, str]] | None:
    """The operation of ``method`` and the path (within each spec: ``paths``) and its path parameters' values: the
    template with the fewest parameters wins (``/jobs/latest`` over ``/jobs/{id}``), then an API of ``prefer``,
    then spec order."""
    best: tuple[tuple[int, int], RequestSpec, dict[str, str]] | None = None
    for api, path in paths.items():
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


def request_spec(api: str, operation_id: str) -> RequestSpec | None:
    """What ``api``'s operation ``operation_id`` takes (None for an operation ``REQUESTS`` does not list)."""
    return next((each for each in _operations(api) if each.operation_id == operation_id), None)


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
                minimum=each.get("minimum"),
                maximum=each.get("maximum"),
                default=each.get("default"),
            )
            for each in entry.get("parameters", ())
        ),
        body_media_types=tuple(entry.get("body_media_types", ())),
        body_schema=entry.get("body_schema"),
        body_required=bool(entry.get("body_required", False)),
        statuses=tuple(str(status) for status in entry.get("statuses", ())),
        response_media_types={
            str(status): tuple(media) for status, media in entry.get("response_media_types", {}).items()
        },
        security=tuple(
            tuple(Credential(str(each["in"]), str(each["name"]), str(each.get("scheme", ""))) for each in alternative)
            for alternative in entry.get("security", ())
        ),
    )


def _check_parameters(
    operation: RequestSpec,
    path_values: dict[str, str],
    query: Sequence[tuple[str, str]],
    headers: Mapping[str, list[str]],
    findings: RequestFindings,
) -> None:
    sent: dict[str, list[str]] = {name: [value] for name, value in path_values.items()}
    given: dict[str, list[str]] = {}
    for name, value in query:
        given.setdefault(name, []).append(value)
    by_location = {"path": sent, "query": given, "header": headers}
    for parameter in operation.parameters:
        values = by_location.get(parameter.location, {}).get(parameter.name, [])
        if not values and parameter.required:
            findings.errors.append(_error(parameter, "missing_parameter", missing_message(parameter)))
        for value in values:
            problem = parameter_problem(parameter, value)
            if problem is not None:
                findings.errors.append(_error(parameter, "invalid_parameter", problem))
    documented = sorted(parameter.name for parameter in operation.parameters if parameter.location == "query")
    credentials = {each.name for alternative in operation.security for each in alternative if each.location == "query"}
    for name in given:
        if name not in documented and name not in credentials:
            listed = ", ".join(documented) or "none"
            message = f"{name!r} is not a query parameter of {operation.operation_id} (documented: {listed})"
            findings.drift.append(Drift("", "undocumented_parameter", message, "request", name, "query"))


def _check_headers(
    operation: RequestSpec, headers: Mapping[str, list[str]], matching: Matching, findings: RequestFindings
) -> None:
    """Headers that neither the operation (its header parameters, its credentials) nor HTTP define: info."""
    documented = {parameter.name for parameter in operation.parameters if parameter.location == "header"}
    documented |= {each.name for alternative in operation.security for each in alternative if each.location == "header"}
    for name in headers:
        if name in documented or name in _HTTP_HEADERS or name.startswith(_HTTP_HEADER_PREFIXES):
            continue
        if matching.ignores(name):
            continue
        listed = ", ".join(sorted(documented)) or "none"
        message = f"header {name!r} is not a parameter of {operation.operation_id} (documented headers: {listed})"
        findings.drift.append(Drift("", "undocumented_header", message, "request", name, "header"))


def _check_security(
    operation: RequestSpec,
    request: Request,
    headers: Mapping[str, list[str]],
    matching: Matching,
    findings: RequestFindings,
) -> None:
    """An error when no alternative of the operation's security has each of its credentials in the request. A
    capture that recorded no request header at all cannot tell, and a header ``--ignore-header`` names is not
    judged (a browser's "sanitized" HAR leaves Authorization out): such a credential counts as shown."""
    if not operation.security:
        return
    query = {name for name, _ in request.query}
    cookies = {
        part.split("=", 1)[0].strip() for value in headers.get("cookie", ()) for part in value.split(";") if "=" in part
    }

    def shown(credential: Credential) -> bool:
        if credential.location == "query":
            return credential.name in query
        if credential.location == "cookie":
            return credential.name in cookies or not request.headers or matching.ignores("cookie")
        if not request.headers or matching.ignores(credential.name):
            return True
        return any(_credential_value(value, credential.scheme) for value in headers.get(credential.name, ()))

    if any(all(shown(each) for each in alternative) for alternative in operation.security):
        return
    wanted = " or ".join(" and ".join(each.shown() for each in alternative) for alternative in operation.security)
    message = f"{operation.operation_id} needs credentials ({wanted}); the request has none that fit"
    findings.errors.append(Error("", message, "request", "security_not_met"))


def _credential_value(value: str, scheme: str) -> bool:
    """Whether a header's ``value`` can be the credential: not empty, and, for an HTTP scheme, not another
    scheme's (``Basic ...`` for a bearer token); a value a recorder redacted whole still counts as shown."""
    word, _, rest = value.strip().partition(" ")
    if not word:
        return False
    if not scheme or not rest.strip() or not _SCHEME_WORD.fullmatch(word):
        return True
    return word.lower() == scheme


def _media_matches(sent: str, documented: str) -> bool:
    """Whether the media type ``sent`` is one ``documented`` allows (``*/*``, ``application/*``; parameters and
    case aside)."""
    sent_base = sent.split(";", 1)[0].strip().lower()
    wanted = documented.split(";", 1)[0].strip().lower()
    if wanted in ("*/*", sent_base):
        return True
    return wanted.endswith("/*") and sent_base.startswith(wanted[:-1])


def _error(parameter: ParameterSpec, kind: ErrorKind, message: str) -> Error:
    return Error("", message, "request", kind, parameter.name, parameter.location)


def missing_message(parameter: ParameterSpec) -> str:
    """The problem of a required ``parameter`` the request does not send."""
    return f"required {parameter.location} parameter {parameter.name!r} is missing"


def parameter_problem(parameter: ParameterSpec, value: str, *, enum: bool = True) -> str | None:
    """What is wrong with one value of ``parameter`` as the request sends it (decoded text; an array's: each
    item, written repeated or comma-separated), None when it is acceptable: its type, its bounds, then (unless
    ``enum`` is false) its enum. The one rule of both the validator's findings and the mock's 400/422."""
    if parameter.type == "array":
        for item in value.split(","):
            problem = _scalar_problem(parameter.items, item)
            if problem is not None:
                return problem
        return None
    problem = _scalar_problem(parameter.type, value, parameter.minimum, parameter.maximum)
    if problem is None and enum and parameter.enum and value not in parameter.enum:
        problem = f"expected one of {', '.join(repr(each) for each in parameter.enum)}; found {value!r}"
    return problem


def _scalar_problem(kind: str, value: str, minimum: float | None = None, maximum: float | None = None) -> str | None:
    wrong = (
        (kind == "integer" and not _INTEGER.fullmatch(value))
        or (kind == "number" and not _NUMBER.fullmatch(value))
        or (kind == "boolean" and value.lower() not in _BOOLEAN)
    )
    if wrong:
        return f"expected {_ARTICLE[kind]}; found {value!r}"
    if kind not in ("integer", "number") or (minimum is None and maximum is None):
        return None
    number = float(value)
    if minimum is not None and number < minimum:
        return f"expected at least {_bound(minimum)}; found {value!r}"
    if maximum is not None and number > maximum:
        return f"expected at most {_bound(maximum)}; found {value!r}"
    return None


def _bound(number: float) -> str:
    """A bound as the spec writes it: ``1``, ``0.5``."""
    return str(int(number)) if float(number).is_integer() else repr(number)


def _check_body(
    operation: RequestSpec, request: Request, headers: Mapping[str, list[str]], findings: RequestFindings
) -> None:
    name = operation.operation_id
    media_type = request.media_type or next(iter(headers.get("content-type", ())), "")
    if (
        request.body is not None
        and media_type
        and operation.body_media_types
        and not any(_media_matches(media_type, each) for each in operation.body_media_types)
    ):
        listed = ", ".join(operation.body_media_types)
        message = f"{name} takes {listed}; the request body is {media_type}"
        findings.drift.append(Drift("", "unexpected_content_type", message, "request"))
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

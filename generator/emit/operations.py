"""The operations of an OpenAPI document: what each path and method takes and returns, as the templates need it.

Besides the responses, an operation carries what the client and mock templates render: its parameters with
their Python names and types, the example the mock serves for each status, and the ``x-evaljobs-*``
extensions read here (pagination, job status, the job lifecycle role, the mock's unknown-id answer), checked
with their places.

Everything is read from the schema model: the paths from its typed records (``model.paths``,
generator.schema.paths: operations, parameters, bodies, responses and media types, security, servers,
extensions, their $refs resolved), never from a document; every question about a schema (a parameter's type,
bounds and enum, a field at a dotted path, a binary body) from its nodes (generator.schema.queries).
"""

from __future__ import annotations

import keyword
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.problems import Problem, join_pointer
from generator.schema import SchemaModel, paths, queries
from generator.schema.examples import NO_EXAMPLE
from generator.schema.nodes import Ref

JOB_STATES = ("queued", "running", "succeeded", "failed", "cancelled")
# The parts an operation plays in a job's lifecycle (``x-evaljobs-job``).
JOB_ROLES = ("create", "list", "get", "cancel", "delete", "results", "download")
# Security schemes whose credential is a bearer token in the Authorization header.
_BEARER_SCHEMES = ("oauth2", "openIdConnect")
# Names a generated client method or keyword argument must not take: the clients' own members and options.
RESERVED_METHODS = frozenset({"close", "aclose", "wait", "with_options", "with_raw_response", "base_url"})
RESERVED_KEYWORDS = frozenset(
    {"self", "timeout", "max_retries", "body", "validate_request", "destination", "on_progress"}
)


@dataclass(frozen=True)
class Parameter:
    name: str
    location: str
    required: bool
    description: str
    python_name: str = ""
    # "str", "int", "float", "bool" or "list[...]" of those; ``enum_model`` names an enum component instead
    python_type: str = "str"
    enum_model: str | None = None
    # the parameter's documented example values (``example`` / ``examples``); the mock knows these ids
    examples: tuple[Any, ...] = ()
    # the values of its enum (through a $ref or an anyOf with null), which the mock checks
    enum: tuple[Any, ...] = ()
    default: Any = None
    # the inclusive bounds of an integer or number value, which the mock checks
    minimum: float | None = None
    maximum: float | None = None

    @property
    def json_type(self) -> str:
        """The JSON Schema type the mock checks a value against: string, integer, number, boolean or array."""
        kind = self.python_type.split("[")[0]
        return {"int": "integer", "float": "number", "bool": "boolean", "list": "array"}.get(kind, "string")


@dataclass(frozen=True)
class Pagination:
    """``x-evaljobs-pagination`` of a list operation, with the model of one item of a page."""

    style: str  # "cursor" or "page"
    items_field: str
    item_model: str | None
    cursor_param: str = ""
    next_field: str = ""
    page_param: str = ""
    size_param: str = ""
    total_pages_field: str = ""
    # the Python attribute of each step of items_field in the page's models ("": an undeclared key, which
    # the models keep among their extra fields)
    items_attrs: tuple[str, ...] = ()


@dataclass(frozen=True)
class JobStatus:
    """``x-evaljobs-job-status`` of an operation that reports one job's status, with the normalized state of
    each value of the status enum (from the enum's ``x-evaljobs-job-states``)."""

    state_field: str
    states: dict[str, str]
    progress_field: str = ""
    message_field: str = ""


@dataclass(frozen=True)
class JobRole:
    """``x-evaljobs-job`` of an operation: its part in a job's lifecycle (one of ``JOB_ROLES``) and where the job
    id is: for ``create`` the dotted path of the new job's id in the 2xx JSON response (a list there: one job per
    element), for ``list`` nothing, for the others the name of the path parameter that holds it."""

    role: str
    id: str = ""


@dataclass(frozen=True)
class RequestBody:
    """A JSON request body: the component it is a ``$ref`` to (None for an inline schema), and whether it must
    be sent."""

    model: str | None
    required: bool
    description: str = ""


@dataclass(frozen=True)
class Download:
    """A 2xx response whose body is bytes (``type: string, format: binary``), not JSON: the clients stream it to
    a file. ``accept`` lists its media types, as the request's Accept header."""

    status: str
    accept: str


@dataclass(frozen=True)
class Credential:
    """One credential a security requirement asks for: where it is sent (``in``: header, query or cookie),
    under which ``name`` (a header's in lower case), and for an HTTP scheme its ``scheme`` word (bearer, basic)
    that begins the Authorization header's value."""

    location: str
    name: str
    scheme: str = ""

    def as_data(self) -> dict[str, str]:
        found = {"in": self.location, "name": self.name}
        if self.scheme:
            found["scheme"] = self.scheme
        return found


@dataclass(frozen=True)
class OperationSpec:
    operation_id: str
    method: str
    path: str
    summary: str
    parameters: tuple[Parameter, ...]
    # status code ("200", "404", "default") -> model name of the JSON body, or None without one
    responses: dict[str, str | None] = field(default_factory=dict)
    extensions: Mapping[str, Any] = field(default_factory=dict)
    description: str = ""
    python_name: str = ""
    pagination: Pagination | None = None
    job_status: JobStatus | None = None
    # status code -> the example body the mock serves (``complete`` first, documentation examples last)
    examples: dict[str, Any] = field(default_factory=dict)
    # the status the mock answers for a path parameter value that is not among the parameter's examples
    unknown_id_status: str | None = None
    request_body: RequestBody | None = None
    # the media types of its request body as the spec lists them, JSON or not (empty: it declares no body)
    request_media_types: tuple[str, ...] = ()
    job: JobRole | None = None
    # its security requirements: alternatives, each the credentials it needs together (empty: none asked)
    security: tuple[tuple[Credential, ...], ...] = ()
    # status code -> the media types of that response's body as the spec lists them (no key: no body)
    response_media_types: dict[str, tuple[str, ...]] = field(default_factory=dict)
    # the media type of the first 2xx response ("" without a body): application/json, or a download's type
    success_media_type: str = ""
    download: Download | None = None

    @property
    def path_parameters(self) -> tuple[Parameter, ...]:
        """The path parameters in the order they appear in the path."""
        order = re.findall(r"\{([^{}/]+)\}", self.path)
        by_name = {p.name: p for p in self.parameters if p.location == "path"}
        return tuple(by_name[name] for name in order if name in by_name)

    @property
    def query_parameters(self) -> tuple[Parameter, ...]:
        return tuple(p for p in self.parameters if p.location == "query")

    @property
    def success_model(self) -> str | None:
        """The model of the first 2xx response with a JSON body."""
        return next((model for status, model in self.responses.items() if status.startswith("2") and model), None)

    @property
    def error_models(self) -> dict[str, str]:
        """Status (``404``, ``4XX``, ``default``) -> the model of the error body, for every non-2xx response."""
        return {status: model for status, model in self.responses.items() if not status.startswith("2") and model}


def snake_case(name: str) -> str:
    """``getEvaluationJobStatusV2`` -> ``get_evaluation_job_status_v2``; a keyword gets a trailing ``_``."""
    text = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    text = re.sub(r"\W+", "_", text).strip("_").lower()
    if text[:1].isdigit():
        text = f"_{text}"
    return f"{text}_" if keyword.iskeyword(text) else text


def extract(model: SchemaModel) -> tuple[list[OperationSpec], list[Problem]]:
    """The operations of the OpenAPI spec of ``model``, from its records of the paths (``model.paths``); the model
    answers every question about a schema and makes the body the mock serves for a success (and an unknown
    id's) response that has no example (``SchemaModel.example``)."""
    label = model.label
    operations: list[OperationSpec] = []
    problems: list[Problem] = _check_root(model.paths, label)
    unknown_id = model.paths.extensions.get("x-evaljobs-mock-unknown-id")
    names: dict[str, str] = {}
    for operation in model.paths.operations:
        path, pointer, operation_id = operation.path, operation.pointer, operation.operation_id
        python_name = snake_case(operation_id)
        if python_name in names or python_name in RESERVED_METHODS or python_name.startswith("iter_"):
            taken = names.get(python_name, "a member of the clients")
            problems.append(
                Problem(
                    label,
                    pointer,
                    f"operationId {operation_id!r} makes the method name {python_name!r}, which {taken} already has",
                )
            )
        names[python_name] = operation_id
        parameters = tuple(_parameter(model, parameter) for parameter in operation.parameters)
        responses: dict[str, str | None] = {}
        examples: dict[str, Any] = {}
        for response in operation.responses:
            body, problem = _body_model(model, response)
            responses[response.status] = body
            problems.extend(problem)
            example = _mock_example(response)
            if example is not None:
                examples[response.status] = example[0]
        success = next((m for s, m in responses.items() if s.startswith("2") and m), None)
        served = {next((s for s, m in responses.items() if s.startswith("2") and m), "")}
        if "{" in path:  # the mock answers an unknown id in the path with this status
            served.add(str(unknown_id))
        for status in served & responses.keys() - examples.keys():
            body = responses[status]
            made = model.example(body) if body else NO_EXAMPLE
            if made is not NO_EXAMPLE:
                examples[status] = made
        pagination, found = _pagination(model, operation, parameters, success)
        problems.extend(found)
        job_status, found = _job_status(model, operation, success)
        problems.extend(found)
        job, found = _job_role(model, operation, success, parameters)
        problems.extend(found)
        sent = operation.body
        operations.append(
            OperationSpec(
                operation_id=operation_id,
                method=operation.method.upper(),
                path=path,
                summary=operation.summary,
                parameters=parameters,
                responses=responses,
                extensions=operation.extensions,
                description=operation.description,
                python_name=python_name,
                pagination=pagination,
                job_status=job_status,
                examples=examples,
                request_body=_request_body(sent),
                request_media_types=_media_types(sent.media) if sent else (),
                job=job,
                security=_security(model.paths, operation),
                response_media_types={r.status: _media_types(r.media) for r in operation.responses if r.media},
                success_media_type=_success_media_type(operation),
                download=None if success else _download(model, operation),
                unknown_id_status=str(unknown_id) if unknown_id is not None and str(unknown_id) in responses else None,
            )
        )
    return operations, problems


def _check_root(found: paths.Paths, label: str) -> list[Problem]:
    """The document-level extensions the clients and the mock read."""
    problems = []
    extensions = found.extensions
    envs = extensions.get("x-evaljobs-base-url-env", [])
    if not (isinstance(envs, list) and all(isinstance(name, str) and name for name in envs)):
        problems.append(Problem(label, "/x-evaljobs-base-url-env", "expected a list of environment variable names"))
    for key in ("x-evaljobs-token-env", "x-evaljobs-request-id-header"):
        if key in extensions and not (isinstance(extensions[key], str) and extensions[key]):
            problems.append(Problem(label, f"/{key}", "expected a non-empty string"))
    status = extensions.get("x-evaljobs-mock-unknown-id")
    if status is not None and not re.fullmatch(r"[45][0-9][0-9]", str(status)):
        problems.append(Problem(label, "/x-evaljobs-mock-unknown-id", "expected a 4xx or 5xx status code"))
    if found.servers and found.servers[0].url is None:
        problems.append(Problem(label, "/servers/0", "the first server needs a url"))
    return problems


def _parameter(model: SchemaModel, parameter: paths.Parameter) -> Parameter:
    """A parameter as the templates render it: its Python name and type, and what the mock checks."""
    schema = parameter.schema
    python_type, enum_model = queries.python_type(schema, model.node)
    python_name = snake_case(parameter.name) or "value"
    if python_name in RESERVED_KEYWORDS:
        python_name += "_"
    minimum, maximum = queries.bounds(schema, model.node)
    return Parameter(
        name=parameter.name,
        location=parameter.location,
        required=parameter.required,
        description=" ".join(parameter.description.split()),
        python_name=python_name,
        python_type=python_type,
        enum_model=enum_model,
        examples=parameter.examples,
        enum=queries.enum_values(schema, model.node),
        default=queries.default(schema, model.node),
        minimum=minimum,
        maximum=maximum,
    )


def _media_types(media: tuple[paths.Media, ...]) -> tuple[str, ...]:
    """The media types of a body as the spec lists them, JSON or not."""
    return tuple(one.media_type for one in media)


def _json_media(media: tuple[paths.Media, ...]) -> paths.Media | None:
    """The first JSON media type of a request or response body."""
    return next((one for one in media if one.is_json), None)


def _body_model(model: SchemaModel, response: paths.Response) -> tuple[str | None, list[Problem]]:
    """The named schema of a response's JSON body (None: no JSON body)."""
    found = _json_media(response.media)
    if found is None or found.schema is None:
        return None, []
    if not isinstance(found.schema, Ref):
        return None, [
            Problem(
                model.label,
                join_pointer(response.pointer, "content"),
                ("a response body must be a $ref to a named schema in components/schemas (it names the model)"),
            )
        ]
    return found.schema.target, []


def _request_body(body: paths.Body | None) -> RequestBody | None:
    """The operation's JSON request body, if it has one (other media types are not sent by the clients)."""
    found = _json_media(body.media) if body is not None else None
    if body is None or found is None:
        return None
    return RequestBody(
        model=found.schema.target if isinstance(found.schema, Ref) else None,
        required=body.required,
        description=" ".join(body.description.split()),
    )


def _download(model: SchemaModel, operation: paths.Operation) -> Download | None:
    """The first 2xx response whose media types are all binary strings (an operation without a JSON success)."""
    for response in operation.responses:
        if not response.status.startswith("2"):
            continue
        binary = [
            media.media_type
            for media in response.media
            if media.schema is not None and queries.is_binary(media.schema, model.node)
        ]
        if binary and len(binary) == len(response.media):
            return Download(status=response.status, accept=", ".join(binary))
    return None


def _mock_example(response: paths.Response) -> tuple[Any] | None:
    """The example the mock serves for a response: ``complete`` (valid for the official SDKs too), else the first
    one whose name does not start with ``docs``, else the first documentation example; None without examples."""
    media = _json_media(response.media)
    if media is None:
        return None
    if media.examples:
        names = sorted(media.examples, key=lambda name: (name != "complete", name.startswith("docs")))
        return (media.examples[names[0]],)
    if media.example:
        return (media.example[0],)
    return None


def _field(model: SchemaModel, key: str, dotted: str) -> queries.Field | None:
    """The field at ``dotted`` (``pagination.total_pages``) inside the named schema ``key``, or None."""
    node = model.node(key)
    return queries.field(node, dotted, model.node) if node is not None else None


def _pagination(
    model: SchemaModel, operation: paths.Operation, parameters: tuple[Parameter, ...], success: str | None
) -> tuple[Pagination | None, list[Problem]]:
    label = model.label
    raw = operation.extensions.get("x-evaljobs-pagination")
    if raw is None:
        return None, []
    where = join_pointer(operation.pointer, "x-evaljobs-pagination")
    required = {"cursor": ("cursor_param", "next_field", "items_field"), "page": ("page_param", "items_field")}
    style = raw.get("style") if isinstance(raw, Mapping) else None
    if style not in required:
        return None, [Problem(label, where, "expected {style: cursor | page, ...}")]
    fields = {
        key: raw.get(key)
        for key in ("cursor_param", "next_field", "page_param", "size_param", "items_field", "total_pages_field")
    }
    missing = [key for key in required[style] if not isinstance(fields[key], str) or not fields[key]]
    if missing:
        return None, [Problem(label, where, f"a {style} pagination needs {', '.join(missing)}")]
    if success is None:
        return None, [Problem(label, where, "a paginated operation needs a 2xx JSON response")]
    if operation.body is not None:
        return None, [Problem(label, where, "the clients page only through operations without a request body")]
    query = {p.name for p in parameters if p.location == "query"}
    param = fields["cursor_param"] if style == "cursor" else fields["page_param"]
    if param not in query:
        return None, [Problem(label, where, f"{param!r} is not a query parameter of this operation")]
    items = _field(model, success, str(fields["items_field"]))
    if items is None or not queries.is_array(items.node, model.node):
        return None, [Problem(label, where, f"{fields['items_field']!r} is not an array field of {success}")]
    item_model = queries.array_item_model(items.node, model.node)
    text = {key: str(value) if isinstance(value, str) else "" for key, value in fields.items()}
    return Pagination(style=str(style), item_model=item_model, items_attrs=items.attributes, **text), []


def _job_status(
    model: SchemaModel, operation: paths.Operation, success: str | None
) -> tuple[JobStatus | None, list[Problem]]:
    label = model.label
    raw = operation.extensions.get("x-evaljobs-job-status")
    if raw is None:
        return None, []
    where = join_pointer(operation.pointer, "x-evaljobs-job-status")
    if not (isinstance(raw, Mapping) and isinstance(raw.get("state_field"), str) and raw["state_field"]):
        return None, [Problem(label, where, "expected {state_field: <dotted path>, progress_field?, message_field?}")]
    if success is None:
        return None, [Problem(label, where, "a job status operation needs a 2xx JSON response")]
    if len(re.findall(r"\{[^{}/]+\}", operation.path)) != 1:
        return None, [Problem(label, where, "a job status operation takes exactly one path parameter (the job id)")]
    state_field = raw["state_field"]
    state = _field(model, success, state_field)
    if state is None:
        return None, [Problem(label, where, f"{success} has no field {state_field!r}")]
    mapping = queries.extension(state.node, "x-evaljobs-job-states", model.node)
    if not isinstance(mapping, Mapping):
        return None, [Problem(label, where, f"the enum of {success}.{state_field} has no x-evaljobs-job-states")]
    states: dict[str, str] = {}
    problems = []
    for state, values in mapping.items():
        if state not in JOB_STATES or not isinstance(values, list):
            problems.append(
                Problem(
                    label,
                    where,
                    f"x-evaljobs-job-states: unknown state {state!r} "
                    f"(expected {', '.join(JOB_STATES)} with lists of values)",
                )
            )
            continue
        for value in values:
            states[str(value)] = str(state)
    optional = {key: raw.get(key, "") for key in ("progress_field", "message_field")}
    for key, dotted in optional.items():
        if dotted and (not isinstance(dotted, str) or _field(model, success, dotted) is None):
            problems.append(Problem(label, where, f"{key}: {success} has no field {dotted!r}"))
    if problems:
        return None, problems
    return JobStatus(state_field=state_field, states=states, **{k: str(v) for k, v in optional.items()}), []


def _job_role(
    model: SchemaModel, operation: paths.Operation, success: str | None, parameters: tuple[Parameter, ...]
) -> tuple[JobRole | None, list[Problem]]:
    label = model.label
    raw = operation.extensions.get("x-evaljobs-job")
    if raw is None:
        return None, []
    where = join_pointer(operation.pointer, "x-evaljobs-job")
    usage = f"expected {{role: {' | '.join(JOB_ROLES)}, id: <the job id's place>}}"
    if not isinstance(raw, Mapping):
        return None, [Problem(label, where, usage)]
    role, job_id = raw.get("role"), raw.get("id")
    unknown = sorted(str(key) for key in raw if key not in ("role", "id"))
    if unknown:
        return None, [Problem(label, where, f"unknown keys {', '.join(map(repr, unknown))}: {usage}")]
    if role not in JOB_ROLES:
        return None, [Problem(label, join_pointer(where, "role"), f"unknown role {role!r}: {usage}")]
    at = join_pointer(where, "id")
    if role == "list":
        if job_id is not None:
            return None, [Problem(label, at, "a list operation takes no id (its items are the jobs)")]
        return JobRole(role=str(role)), []
    if not isinstance(job_id, str) or not job_id:
        what = "the dotted path of the new job's id in the response" if role == "create" else "a path parameter"
        return None, [Problem(label, at, f"a {role} operation needs an id: {what}")]
    if role == "create":
        if success is None:
            return None, [Problem(label, where, "a create operation needs a 2xx JSON response (it holds the new id)")]
        if _field(model, success, job_id) is None:
            return None, [Problem(label, at, f"{success} has no field {job_id!r}")]
        return JobRole(role="create", id=job_id), []
    names = [p.name for p in parameters if p.location == "path"]
    if job_id not in names:
        found = ", ".join(map(repr, names)) or "none"
        return None, [Problem(label, at, f"{job_id!r} is not a path parameter of this operation (it has {found})")]
    return JobRole(role=str(role), id=job_id), []


def _security(found: paths.Paths, operation: paths.Operation) -> tuple[tuple[Credential, ...], ...]:
    """The operation's security requirements (else the document's): each alternative's credentials. An empty
    alternative (``{}``: none needed) makes the whole empty, as does a scheme this reading does not know (mutual
    TLS: nothing a capture shows), so that no request is blamed for a credential it could not have shown."""
    if operation.security is None:
        return ()
    alternatives: list[tuple[Credential, ...]] = []
    for requirement in operation.security:
        if not requirement:
            return ()
        credentials = []
        for name in requirement:
            scheme = found.security_schemes.get(name)
            credential = _credential(scheme) if scheme is not None else None
            if credential is None:
                return ()
            credentials.append(credential)
        alternatives.append(tuple(dict.fromkeys(credentials)))
    return tuple(alternatives)


def _credential(scheme: paths.SecurityScheme) -> Credential | None:
    if scheme.type in _BEARER_SCHEMES:
        return Credential("header", "authorization", "bearer")
    if scheme.type == "http":
        return Credential("header", "authorization", scheme.scheme.lower())
    if scheme.type == "apiKey" and scheme.location in ("header", "query", "cookie") and scheme.name is not None:
        return Credential(scheme.location, scheme.name.lower() if scheme.location == "header" else scheme.name)
    return None


def _success_media_type(operation: paths.Operation) -> str:
    """The media type of the first 2xx response ("" when it has no body), its parameters left out."""
    for response in operation.responses:
        if response.status.startswith("2"):
            return response.media[0].media_type.split(";")[0].strip() if response.media else ""
    return ""

"""The mock server's view of each operation (``Route``: the operation and the examples it serves), a request
it received (``RecordedRequest``), what it answers (``Answer``) and error bodies in the shape the spec declares
for their status.

Shared by the server (``evaljobs._mock.server``), its request checks (``checks``) and its jobs (``jobs``).
"""

from __future__ import annotations

import copy
import importlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import evaljobs
from evaljobs._api import Operation
from evaljobs._validation.request_checks import ParameterSpec, RequestSpec, request_spec

__all__ = ["Answer", "RecordedRequest", "Route", "code_of", "error_answer", "json_bytes", "routes", "thaw"]


@dataclass(frozen=True)
class Answer:
    """One HTTP answer: a whole ``body``, or ``chunks`` streamed (with ``length`` as Content-Length when it is
    known, else in chunked transfer encoding)."""

    status: int
    body: bytes = b""
    content_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    chunks: Iterable[bytes] | None = None
    length: int | None = None


@dataclass(frozen=True)
class RecordedRequest:
    """A request the mock received (for tests: how many attempts, which headers, which query)."""

    method: str
    path: str
    query: str
    headers: Mapping[str, str]
    body: bytes = b""


@dataclass(frozen=True)
class Route:
    api: str
    operation: Operation
    responses: Mapping[str, Any]
    known_ids: Mapping[str, tuple[str, ...]]
    unknown_id_status: str | None
    request_id_header: str | None
    request: RequestSpec | None = None
    """What the operation takes (parameters, body, credentials), from the table ``evaljobs validate`` reads too
    (``evaljobs._routes.<api>.REQUESTS``, through ``request_checks.request_spec``)."""

    @property
    def parameters(self) -> tuple[ParameterSpec, ...]:
        """The operation's path, query and header parameters."""
        return self.request.parameters if self.request is not None else ()

    @property
    def success_status(self) -> str:
        """The first 2xx status with an example, else the spec's first 2xx (``2XX`` included), else 200."""
        return next((s for s in [*self.responses, *self.operation.responses] if s.startswith("2")), "200")

    @property
    def success_code(self) -> int:
        return code_of(self.success_status)

    def documents(self, *statuses: str) -> str | None:
        """The first of ``statuses`` the spec declares a response for."""
        return next((status for status in statuses if status in self.operation.responses), None)

    def example(self, status: str) -> Any:
        """A fresh, mutable copy of the example served for ``status`` (``default`` for an error without one),
        or None."""
        found = self.responses.get(status)
        if found is None and not status.startswith("2"):
            found = self.responses.get("default")
        return thaw(found) if found is not None else None


def routes(apis: tuple[str, ...] | None = None) -> list[Route]:
    """The routes of every OpenAPI package of ``evaljobs`` (or of ``apis``), in order."""
    found = []
    for api in apis or evaljobs.APIS:
        try:
            examples = importlib.import_module(f"evaljobs.{api}._examples")
            operations = importlib.import_module(f"evaljobs.{api}._operations").OPERATIONS
        except ModuleNotFoundError:  # a JSON Schema package: models only
            continue
        for operation in operations:
            operation_id = operation.operation_id
            found.append(
                Route(
                    api=api,
                    operation=operation,
                    responses=examples.RESPONSES.get(operation_id, {}),
                    known_ids=examples.KNOWN_IDS.get(operation_id, {}),
                    unknown_id_status=examples.UNKNOWN_ID_STATUS.get(operation_id),
                    request_id_header=examples.REQUEST_ID_HEADER,
                    request=request_spec(api, operation_id),
                )
            )
    return found


def code_of(status: str) -> int:
    """The HTTP status of a spec's status key: ``"4XX"`` is answered as 400."""
    return int(status) if status.isdigit() else int(status[0]) * 100


def error_answer(
    route: Route | None,
    status: str,
    message: str,
    *,
    problems: Sequence[tuple[str, str]] = (),
    headers: Mapping[str, str] | None = None,
    fill: bool = True,
    where: str = "body",
) -> Answer:
    """An error answer of ``status`` in the shape the spec declares for it (its example, else the default
    response's), with ``message`` (and the ``problems``, pointer and message each, of a refused request) written
    into it unless ``fill`` is false (an unknown id: the spec's example as it is); ``{"detail": message}`` where
    the spec shows no shape."""
    example = route.example(status) if route is not None else None
    if example is None:
        body: Any = _unexampled_error(route, status, message, problems, where)
    else:
        body = _fill_error(example, message, problems, where) if fill else example
    return Answer(code_of(status), json_bytes(body), "application/json", dict(headers or {}))


def _unexampled_error(
    route: Route | None, status: str, message: str, problems: Sequence[tuple[str, str]], where: str
) -> Any:
    """The body of an error the spec declares without an example: ``{"detail": message}``, or FastAPI's
    ``{"detail": [{"loc", "msg", "type"}]}`` where the status's model refuses a string detail."""
    plain = {"detail": message}
    model = route.operation.responses.get(status) if route is not None else None
    if model is None:
        return plain
    try:
        model.model_validate(plain)
    except ValueError:
        entries = [
            {"loc": _location(where, pointer), "msg": text, "type": "value_error"}
            for pointer, text in problems or [("", message)]
        ]
        return {"detail": entries}
    return plain


def _location(where: str, pointer: str) -> list[str | int]:
    """FastAPI's ``loc`` of a problem: where it is (``body``, ``query``), then the pointer's steps."""
    return [where, *(int(p) if p.isdigit() else p for p in pointer.split("/")[1:])]


def _fill_error(example: Any, message: str, problems: Sequence[tuple[str, str]], where: str) -> Any:
    """FastAPI's ``{"detail": [{"loc", "msg", "type"}]}`` gets one entry per problem; otherwise the first string
    field named like a message gets ``message``."""
    if not isinstance(example, dict):
        return example
    detail = example.get("detail")
    if isinstance(detail, list) and detail and isinstance(detail[0], dict):
        shape = detail[0]
        entries = []
        for pointer, text in problems or [("", message)]:
            entry = copy.deepcopy(shape)
            if "loc" in entry:
                entry["loc"] = _location(where, pointer)
            if "msg" in entry:
                entry["msg"] = text
            if "type" in entry:
                entry["type"] = "value_error"
            entries.append(entry)
        example["detail"] = entries
        return example
    if not _write_message(example, message):
        example.setdefault("detail", message)
    return example


_MESSAGE_KEYS = ("detail", "message", "msg", "error_description", "description", "error")


def _write_message(node: dict[str, Any], message: str, depth: int = 0) -> bool:
    for key in _MESSAGE_KEYS:
        if isinstance(node.get(key), str):
            node[key] = message
            return True
    if depth < 3:
        return any(_write_message(value, message, depth + 1) for value in node.values() if isinstance(value, dict))
    return False


def thaw(value: Any) -> Any:
    """A deep, mutable copy of a rendered example (whose arrays are tuples)."""
    if isinstance(value, dict):
        return {key: thaw(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [thaw(item) for item in value]
    return value


def json_bytes(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()

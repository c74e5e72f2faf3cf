"""The mock server's jobs: created by the spec's ``create`` operation, moving through their states on a clock,
listed, cancelled, deleted, with results and downloads once they have succeeded.

The operations of a job come from the spec's ``x-evaljobs-job`` roles. Each ``create`` operation heads a family;
every other role joins the family of the create operation whose path shares the most segments with its own.

- **Ids**: a new id has the shape of the seed example's (``job-`` and 22 lower-case letters and digits if the
  example's is ``job-dq1pjj6vj5p64xaeqgvuk4``), so a ``pattern`` or ``format: uuid`` still holds.
- **Bodies**: an operation's answer for a created job is its seed example with the seed id replaced by the job's,
  the request's string fields copied where the example has them (``name``), creation and update times filled in
  the example's format, and the status fields of ``x-evaljobs-job-status`` (state, progress, message) written
  from the job's state, with the enum value ``x-evaljobs-job-states`` maps to it.
- **States**: by default queued, running after 1 s, succeeded after 3 s, in mock seconds (``MockClock``:
  ``speed`` times real time, plus what ``advance`` added). A request header ``X-Mock-Schedule:
  running=0.5,failed=2`` sets a job's own schedule; cancel moves a job that is not done to cancelled.
- **Create with a list of ids** (``id`` names an array field): one job per element of the request body's first
  top-level array (at least one).
- The seed examples stay fixed jobs: their ids are answered from the examples, as without this module, until a
  delete (answered from its example too): 404 after, as for a created job, until ``clear()``.
"""

from __future__ import annotations

import json
import random
import string
import threading
import time
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from math import ceil
from typing import Any
from urllib.parse import parse_qs

from evaljobs._api import JobStatusFields, Pagination
from evaljobs._clients.jobs import dig
from evaljobs._mock.downloads import download_answer
from evaljobs._mock.routes import Answer, RecordedRequest, Route, error_answer, json_bytes

__all__ = [
    "DEFAULT_SCHEDULE",
    "SCHEDULE_HEADER",
    "JobStore",
    "MockClock",
    "MockJob",
    "asks_for_page",
    "page_of",
    "parse_schedule",
]

STATES = ("queued", "running", "succeeded", "failed", "cancelled")
TERMINAL = ("succeeded", "failed", "cancelled")
SCHEDULE_HEADER = "X-Mock-Schedule"
DEFAULT_SCHEDULE: tuple[tuple[float, str], ...] = ((0.0, "queued"), (1.0, "running"), (3.0, "succeeded"))
"""When a created job reaches each state, in mock seconds after its creation."""
# Statuses a refusal because of the job's state is answered with, the first the spec documents; else 409.
_STATE_CONFLICT = ("409", "425", "400", "412")
_CREATED_KEYS = ("created_at", "createdAt", "created", "creation_time", "queued_at", "submitted_at")
_UPDATED_KEYS = ("updated_at", "updatedAt", "modified_at", "last_modified", "last_updated")
_TOTAL_KEYS = ("total", "total_results", "total_count", "total_items", "count")
_PAGE_KEYS = ("page", "current_page")
_SIZE_KEYS = ("page_size", "per_page", "size", "limit")


class MockClock:
    """Mock seconds: real seconds times ``speed``, plus whatever ``advance`` added."""

    def __init__(self, speed: float = 1.0) -> None:
        if not speed > 0:
            raise ValueError(f"speed must be > 0, found {speed!r}")
        self.speed = speed
        self._started = time.monotonic()
        self._offset = 0.0

    def now(self) -> float:
        return (time.monotonic() - self._started) * self.speed + self._offset

    def advance(self, seconds: float) -> float:
        if not seconds >= 0:
            raise ValueError(f"seconds must be >= 0, found {seconds!r}")
        self._offset += seconds
        return self.now()


def parse_schedule(text: str) -> tuple[tuple[float, str], ...]:
    """``running=0.5,failed=2`` -> queued at 0, running at 0.5, failed at 2 (ValueError if malformed)."""
    steps: list[tuple[float, str]] = [(0.0, "queued")]
    for part in text.split(","):
        state, sep, seconds = part.strip().partition("=")
        if not sep or state.strip() not in STATES:
            raise ValueError(f"expected state=seconds with a state of {', '.join(STATES)}; found {part.strip()!r}")
        try:
            at = float(seconds)
        except ValueError:
            raise ValueError(f"{state.strip()}: {seconds!r} is not a number of seconds") from None
        if not at >= steps[-1][0]:
            raise ValueError("the states' times must not decrease")
        steps.append((at, state.strip()))
    return tuple(steps)


@dataclass
class MockJob:
    """A job created on the mock: when (mock seconds), its schedule, and a state forced by cancel or control."""

    id: str
    family: str
    created: float
    created_wall: datetime
    schedule: tuple[tuple[float, str], ...]
    request: Any = None
    forced: tuple[float, str] | None = None

    def state(self, now: float) -> str:
        if self.forced is not None and now >= self.forced[0]:
            return self.forced[1]
        age = now - self.created
        current = self.schedule[0][1]
        for at, state in self.schedule:
            if age >= at:
                current = state
        return current

    def changed(self, now: float) -> float:
        """When (mock seconds) the job last changed state: its creation, a step of its schedule, or a forced state."""
        if self.forced is not None and now >= self.forced[0]:
            return self.forced[0]
        age = now - self.created
        return self.created + max((at for at, _ in self.schedule if at <= age), default=0.0)

    def progress(self, now: float) -> float:
        """0 while queued, 100 once succeeded, in between while running; a stopped job keeps where it was."""
        end = now if self.forced is None else min(now, self.forced[0])
        state = self.state(end)
        if state == "succeeded":
            return 100.0
        started = next((at for at, s in self.schedule if s == "running"), None)
        finish = next((at for at, s in self.schedule if s in TERMINAL), None)
        if started is None or end - self.created < started:
            return 0.0
        if finish is None or finish <= started:
            return 50.0
        return round(max(0.0, min(99.0, 100 * (end - self.created - started) / (finish - started))), 1)

    def to_json(self, now: float) -> dict[str, Any]:
        return {
            "id": self.id,
            "family": self.family,
            "state": self.state(now),
            "progress": self.progress(now),
            "age": round(now - self.created, 3),
            "schedule": [{"state": state, "at": at} for at, state in self.schedule],
        }


@dataclass
class _Family:
    """The operations of one kind of job: a create operation and the roles that joined it."""

    name: str
    api: str
    roles: dict[str, list[Route]] = field(default_factory=dict)
    seed_ids: set[str] = field(default_factory=set)
    id_shape: str = ""
    # the fields that may hold a job's id in a body: ``id``, the create response's field, the path parameters
    id_keys: set[str] = field(default_factory=lambda: {"id"})

    def routes(self, role: str) -> list[Route]:
        return self.roles.get(role, [])

    @property
    def status_fields(self) -> list[JobStatusFields]:
        found = [r.operation.job_status for rs in self.roles.values() for r in rs if r.operation.job_status]
        return [status for index, status in enumerate(found) if status not in found[:index]]


class JobStore:
    """The jobs of a mock server and the answers of the operations that have a job role."""

    def __init__(self, routes: Iterable[Route], clock: MockClock, *, download_size: int = 64 * 1024) -> None:
        self.clock = clock
        self.download_size = download_size
        self.jobs: dict[str, MockJob] = {}
        # the seed jobs deleted since the last clear(): 404 from then on, like a created job's
        self.deleted_seeds: set[tuple[str, str]] = set()
        self._lock = threading.Lock()
        self._random = random.Random()
        self._families: dict[str, _Family] = {}
        self._family_of: dict[tuple[str, str], _Family] = {}
        self._join(list(routes))

    def _join(self, routes: list[Route]) -> None:
        """Group the job operations of each API into families, one per collection path (``/v1/jobs`` for
        ``POST /v1/jobs`` and ``GET /v1/jobs/{job_id}``); a collection without a get operation joins the family
        whose path shares the most segments with its own."""
        groups: dict[tuple[str, str], list[Route]] = {}
        for route in routes:
            if route.operation.job is not None:
                groups.setdefault((route.api, _collection(route)), []).append(route)
        anchors = [key for key, group in groups.items() if any(_role(r) == "get" for r in group)]
        anchors = anchors or [key for key, group in groups.items() if any(_role(r) == "create" for r in group)]
        for (api, collection), group in groups.items():
            candidates = [key for key in anchors if key[0] == api]
            if not candidates:
                continue
            anchor = (
                (api, collection)
                if (api, collection) in anchors
                else max(candidates, key=lambda key: _shared_segments(key[1], collection))
            )
            name = f"{anchor[0]} {anchor[1]}"
            family = self._families.setdefault(name, _Family(name=name, api=api))
            for route in group:
                family.roles.setdefault(_role(route), []).append(route)
                self._family_of[(route.api, route.operation.operation_id)] = family
        for family in self._families.values():
            for routes_of_role in family.roles.values():
                for route in routes_of_role:  # the documented values of the job id parameter, not of others
                    family.seed_ids.update(route.known_ids.get(_id_of(route), ()))
            for route in family.routes("create"):
                found = dig(route.example(route.success_status), _id_of(route))
                family.seed_ids.update(str(v) for v in (found if isinstance(found, list) else [found]) if v is not None)
            family.id_shape = min(family.seed_ids, default="job-")
            family.id_keys.update(_id_of(route).rsplit(".", 1)[-1] for rs in family.roles.values() for route in rs)
            family.id_keys.discard("")

    def family_of(self, route: Route) -> _Family | None:
        return self._family_of.get((route.api, route.operation.operation_id))

    def knows(self, job_id: str) -> bool:
        with self._lock:
            return job_id in self.jobs

    # --- the operations --------------------------------------------------------------------------------------

    def answer(self, route: Route, parameters: Mapping[str, str], request: RecordedRequest) -> Answer | None:
        """The answer of an operation with a job role, or None to answer from the examples (a seed job, or an
        operation of no family)."""
        family = self.family_of(route)
        job_role = route.operation.job
        if family is None or job_role is None:
            return None
        if job_role.role == "create":
            return self._create(family, route, request.body, request.headers)
        if job_role.role == "list":
            return self._list(family, route, request.query)
        job_id = parameters.get(job_role.id, "")
        if job_id in family.seed_ids and not self.knows(job_id):
            with self._lock:
                deleted = (family.name, job_id) in self.deleted_seeds
                if job_role.role == "delete" and not deleted:
                    self.deleted_seeds.add((family.name, job_id))
            if not deleted:
                return None  # the seed example's answer (a delete's too, once)
        with self._lock:
            job = self.jobs.get(job_id)
            if job is not None and job.family != family.name:
                job = None
        if job is None:
            status = route.unknown_id_status or route.documents("404") or "404"
            return error_answer(route, status, f"mock: no job {job_id!r}", fill=False)
        now = self.clock.now()
        state = job.state(now)
        if job_role.role == "get":
            return self._json(route, self._render(family, route, job, route.example(route.success_status), now))
        if job_role.role == "cancel":
            if state in TERMINAL:
                return self._conflict(route, f"mock: job {job.id!r} is already {state}")
            with self._lock:
                job.forced = (now, "cancelled")
            return self._json(route, self._render(family, route, job, route.example(route.success_status), now))
        if job_role.role == "delete":
            with self._lock:
                self.jobs.pop(job.id, None)
            return self._json(route, self._render(family, route, job, route.example(route.success_status), now))
        if state != "succeeded":
            return self._conflict(route, f"mock: job {job.id!r} is {state}, it has no results until it succeeds")
        if job_role.role == "results" or route.operation.success_media_type.endswith("json"):
            return self._json(route, self._render(family, route, job, route.example(route.success_status), now))
        media = route.operation.success_media_type
        return download_answer(media, self.download_size, job.id, status=route.success_code)

    def _create(self, family: _Family, route: Route, body: bytes, headers: Mapping[str, str]) -> Answer:
        schedule = DEFAULT_SCHEDULE
        text = _header(headers, SCHEDULE_HEADER)
        if text is not None:
            try:
                schedule = parse_schedule(text)
            except ValueError as error:
                return error_answer(route, route.documents("400") or "400", f"mock: bad {SCHEDULE_HEADER}: {error}")
        request = json.loads(body) if body.strip() else None
        id_field = _id_of(route)
        template = route.example(route.success_status)
        many = isinstance(dig(template, id_field), list)
        count = max(1, len(_first_array(request))) if many else 1
        now = self.clock.now()
        wall = datetime.now(UTC)
        with self._lock:
            jobs = [
                MockJob(self._new_id(family.id_shape), family.name, now, wall, schedule, request) for _ in range(count)
            ]
            for job in jobs:
                self.jobs[job.id] = job
        rendered = self._render(family, route, jobs[0], template, now)
        if id_field and isinstance(rendered, dict):
            _set(rendered, id_field, [job.id for job in jobs] if many else jobs[0].id, create=True)
        return self._json(route, rendered)

    def _list(self, family: _Family, route: Route, query: str) -> Answer:
        """The created jobs (newest first), then the example's: a page of them when the operation pages."""
        template = route.example(route.success_status)
        pagination = route.operation.pagination
        items_field = pagination.items_field if pagination else _first_array_field(template)
        seeds = template if isinstance(template, list) else dig(template, items_field) if items_field else None
        seeds = seeds if isinstance(seeds, list) else []
        pattern = seeds[0] if seeds else self._get_example(family)
        # the example item's own id is the job's too, when the list shows other ids than the get operation
        own = {
            str(pattern[key])
            for key in family.id_keys
            if isinstance(pattern, dict) and isinstance(pattern.get(key), str)
        }
        now = self.clock.now()
        with self._lock:
            jobs = [job for job in self.jobs.values() if job.family == family.name]
        created = [self._render(family, route, job, pattern, now, also=own) for job in reversed(jobs)]
        if not created and not asks_for_page(pagination, query):
            return self._json(route, template)  # the seed example, as it is
        if isinstance(template, list):
            return self._json(route, [*created, *seeds])
        if pagination is not None:
            return self._json(route, page_of(route, template, [*created, *seeds], query))
        if items_field and isinstance(template, dict):
            _set(template, items_field, [*created, *seeds])
        return self._json(route, template)

    def _get_example(self, family: _Family) -> Any:
        gets = family.routes("get")
        return gets[0].example(gets[0].success_status) if gets else {}

    # --- control ---------------------------------------------------------------------------------------------

    def listing(self) -> list[dict[str, Any]]:
        now = self.clock.now()
        with self._lock:
            return [job.to_json(now) for job in self.jobs.values()]

    def set_state(self, job_id: str, data: Mapping[str, Any]) -> dict[str, Any]:
        """``{"state": "failed"}`` now, or ``{"schedule": "running=0.5,failed=2"}`` from the job's creation
        (KeyError for an unknown job, ValueError for a bad request)."""
        now = self.clock.now()
        with self._lock:
            job = self.jobs[job_id]
            if "state" in data:
                if data["state"] not in STATES:
                    raise ValueError(f"state is one of {', '.join(STATES)}")
                job.forced = (now, str(data["state"]))
            elif isinstance(data.get("schedule"), str):
                job.schedule = parse_schedule(data["schedule"])
                job.forced = None
            else:
                raise ValueError('expected {"state": ...} or {"schedule": "running=1,succeeded=3"}')
            return job.to_json(now)

    def clear(self) -> None:
        with self._lock:
            self.jobs.clear()
            self.deleted_seeds.clear()

    # --- bodies ----------------------------------------------------------------------------------------------

    def _new_id(self, shape: str) -> str:
        """A fresh id shaped like the seed's ``shape``: a UUID for a UUID, else its prefix (up to the last ``-``)
        and its characters' kinds, lengthened to 12 random characters where the seed's are fewer than 8."""
        for _ in range(1000):
            if _is_uuid(shape):
                made = str(uuid.UUID(int=self._random.getrandbits(128), version=4))
            else:
                prefix, dash, rest = shape.rpartition("-") if "-" in shape else ("", "", shape)
                made = prefix + dash + "".join(_like(char, self._random) for char in rest)
                if len(rest) < 8:
                    made += "".join(self._random.choices(string.ascii_lowercase + string.digits, k=12))
            if made not in self.jobs and made != shape:
                return made
        raise RuntimeError("no fresh id after 1000 attempts")  # pragma: no cover - 36**12 ids

    def _render(
        self, family: _Family, route: Route, job: MockJob, template: Any, now: float, *, also: set[str] | None = None
    ) -> Any:
        """``template`` (an example of the operation) as the body of ``job`` now: a fresh copy."""
        if template is None:
            return None
        body = _replace(template, family.seed_ids | (also or set()), job.id)
        if isinstance(body, dict):
            if isinstance(job.request, dict):
                # the body, or the object an envelope wraps (Gradient's ``{"evaluation_run": {...}}``)
                inner = next(iter(body.values())) if len(body) == 1 else None
                for target in (body, inner) if isinstance(inner, dict) else (body,):
                    for key, value in job.request.items():
                        if isinstance(value, str) and isinstance(target.get(key), str) and key not in ("id", "status"):
                            target[key] = value
            _stamp(body, _CREATED_KEYS, job.created_wall)
            _stamp(body, _UPDATED_KEYS, job.created_wall + timedelta(seconds=job.changed(now) - job.created))
            state = job.state(now)
            for status in ([route.operation.job_status] if route.operation.job_status else []) + family.status_fields:
                _write_status(body, status, state, job.progress(now))
        return body

    @staticmethod
    def _json(route: Route, body: Any) -> Answer:
        if body is None:
            return Answer(route.success_code)
        return Answer(route.success_code, json_bytes(body), "application/json")

    @staticmethod
    def _conflict(route: Route, message: str) -> Answer:
        return error_answer(route, route.documents(*_STATE_CONFLICT) or "409", message)


def asks_for_page(pagination: Pagination | None, query: str) -> bool:
    """Whether ``query`` names a page, a page size or a cursor."""
    if pagination is None:
        return False
    asked = parse_qs(query)
    return any(
        name and name in asked for name in (pagination.page_param, pagination.size_param, pagination.cursor_param)
    )


def page_of(route: Route, template: Any, items: list[Any], query: str) -> Any:
    """``template`` (a list operation's example) holding the page of ``items`` that ``query`` asks for, with its
    page numbers and totals (``x-evaljobs-pagination``: page and size parameters, or a cursor)."""
    pagination = route.operation.pagination
    body = _copy(template) if isinstance(template, dict) else {}
    if pagination is None:
        return body
    values = {key: given[-1] for key, given in parse_qs(query).items()}
    defaults = {p.name: p.default for p in route.parameters if p.location == "query"}
    size_param = pagination.size_param or next((p for p in ("page_size", "per_page", "limit") if p in defaults), "")
    size = _positive(values.get(size_param), _positive(defaults.get(size_param), 10))
    if pagination.style == "cursor":
        start = _positive(values.get(pagination.cursor_param, "").removeprefix("mock-cursor-"), 0, minimum=0)
        number = start // size + 1
    else:
        number = _positive(values.get(pagination.page_param), _positive(defaults.get(pagination.page_param), 1))
        start = (number - 1) * size
    pages = max(1, ceil(len(items) / size))
    _set(body, pagination.items_field, items[start : start + size], create=True)
    if pagination.style == "cursor":
        following = f"mock-cursor-{start + size}" if start + size < len(items) else None
        _set(body, pagination.next_field, following, create=True)
    if pagination.total_pages_field:
        _set(body, pagination.total_pages_field, pages, create=True)
    for holder in _page_holders(body, pagination):
        for key in _TOTAL_KEYS:
            _replace_int(holder, key, len(items))
        for key in (*_PAGE_KEYS, pagination.page_param):
            _replace_int(holder, key, number)
        for key in (*_SIZE_KEYS, size_param):
            _replace_int(holder, key, size)
        _replace_int(holder, "current_page_size", len(items[start : start + size]))
        _replace_int(holder, "pages", pages)
    return body


def _page_holders(body: dict[str, Any], pagination: Pagination) -> list[dict[str, Any]]:
    """The objects that hold page numbers: the body, the parent of ``total_pages_field``, and ``meta``,
    ``pagination`` and ``page_info`` objects."""
    found = [body]
    if "." in pagination.total_pages_field:
        parent = dig(body, pagination.total_pages_field.rsplit(".", 1)[0])
        if isinstance(parent, dict):
            found.append(parent)
    found.extend(body[key] for key in ("meta", "pagination", "page_info") if isinstance(body.get(key), dict))
    return [holder for index, holder in enumerate(found) if all(holder is not other for other in found[:index])]


def _replace_int(holder: dict[str, Any], key: str, value: int) -> None:
    if key and isinstance(holder.get(key), int) and not isinstance(holder.get(key), bool):
        holder[key] = value


def _positive(text: Any, default: int, *, minimum: int = 1) -> int:
    try:
        value = int(text)
    except (TypeError, ValueError):
        return default
    return value if value >= minimum else default


def _write_status(body: dict[str, Any], status: JobStatusFields, state: str, progress: float) -> None:
    """Write the job's state (and progress and message, where their objects are there) into a body that has the
    status field."""
    if dig(body, status.state_field) is None:
        return
    current = dig(body, status.state_field)
    if status.states.get(current) != state:
        value = next((v for v, s in status.states.items() if s == state), None)
        if value is not None:
            _set(body, status.state_field, value)
    if status.progress_field and _has_parent(body, status.progress_field):
        old = dig(body, status.progress_field)
        _set(body, status.progress_field, progress if isinstance(old, float) else round(progress))
    if status.message_field and _has_parent(body, status.message_field):
        _set(body, status.message_field, f"{state} (evaljobs mock)")


def _has_parent(body: Any, dotted: str) -> bool:
    parent = dig(body, dotted.rsplit(".", 1)[0]) if "." in dotted else body
    return isinstance(parent, dict)


def _set(body: Any, dotted: str, value: Any, *, create: bool = False) -> bool:
    keys = dotted.split(".")
    for key in keys[:-1]:
        if not isinstance(body, dict):
            return False
        if not isinstance(body.get(key), dict):
            if not create:
                return False
            body[key] = {}
        body = body[key]
    if not isinstance(body, dict):
        return False
    body[keys[-1]] = value
    return True


def _replace(value: Any, seeds: set[str], new: str) -> Any:
    """A copy of ``value`` with every string that is a seed id (or contains one) holding ``new`` instead."""
    if isinstance(value, dict):
        return {key: _replace(item, seeds, new) for key, item in value.items()}
    if isinstance(value, list):
        return [_replace(item, seeds, new) for item in value]
    if isinstance(value, str) and seeds:
        if value in seeds:
            return new
        for seed in seeds:
            if len(seed) >= 8 and seed in value:
                value = value.replace(seed, new)
    return value


def _copy(value: Any) -> Any:
    return json.loads(json.dumps(value))


def _stamp(body: dict[str, Any], keys: tuple[str, ...], when: datetime, depth: int = 0) -> None:
    """Each string field named one of ``keys`` gets ``when``, written like the example it replaces."""
    for key, value in body.items():
        if key in keys and isinstance(value, str):
            body[key] = _like_datetime(value, when)
        elif isinstance(value, dict) and depth < 3:
            _stamp(value, keys, when, depth + 1)


def _like_datetime(example: str, when: datetime) -> str:
    fraction = "." in example[19:26] if len(example) > 19 else False
    text = when.strftime("%Y-%m-%dT%H:%M:%S") + (f".{when.microsecond:06d}" if fraction else "")
    if example.endswith("Z"):
        return text + "Z"
    if example[-6:-5] in "+-" and example[-3:-2] == ":":
        return text + "+00:00"
    return text


def _like(char: str, rng: random.Random) -> str:
    if char.isdigit():
        return rng.choice(string.digits)
    if char.islower():
        return rng.choice(string.ascii_lowercase + string.digits)
    if char.isupper():
        return rng.choice(string.ascii_uppercase + string.digits)
    return char


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def _first_array(request: Any) -> list[Any]:
    if isinstance(request, dict):
        return next((value for value in request.values() if isinstance(value, list)), [])
    return []


def _first_array_field(template: Any) -> str:
    if isinstance(template, dict):
        return next((key for key, value in template.items() if isinstance(value, list)), "")
    return ""


def _role(route: Route) -> str:
    return route.operation.job.role if route.operation.job is not None else ""


def _id_of(route: Route) -> str:
    """Where the operation's job id is (``x-evaljobs-job``'s ``id``): a path parameter, or the create response's
    field."""
    return route.operation.job.id if route.operation.job is not None else ""


def _collection(route: Route) -> str:
    """The path of the jobs' collection: a create or list operation's own, else the path before the job id."""
    job, path = route.operation.job, route.operation.path
    if job is None or job.role in ("create", "list") or "{" + job.id + "}" not in path:
        return path
    return path[: path.index("{" + job.id + "}")].rstrip("/")


def _shared_segments(one: str, other: str) -> int:
    count = 0
    for first, second in zip(one.strip("/").split("/"), other.strip("/").split("/"), strict=False):
        if first != second:
            break
        count += 1
    return count


def _header(headers: Mapping[str, str], name: str) -> str | None:
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)

"""What a run found, folded: the findings grouped by operation and finding, with counts, and a timeline.

The grouped, HTML and JSON-summary reports are written from a ``Digest`` rather than from the reports themselves:
each batch of input folds its reports into a digest of its own (in the command's process or in a ``--jobs``
worker), and the command's process merges the digests. Its size grows with the distinct groups (an operation
and a finding's kind, side and place) and with the timeline's buckets, which coarsen to stay under
``BUCKETS``, never with the number of payloads.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

from evaljobs._report import Drift, Error, FailOn, Report, Severity

RESPONSE_ERROR = "invalid_response_body"
PAYLOAD_ERROR = "invalid_payload"

KINDS: dict[str, str] = {
    PAYLOAD_ERROR: "The payload breaks its schema: not JSON, a wrong type, a missing required field, a bad format.",
    RESPONSE_ERROR: "The response body breaks the schema its operation documents for its status.",
    "invalid_request_body": "The request body breaks the schema of the operation's request body.",
    "missing_request_body": "The operation requires a request body and none was sent.",
    "missing_parameter": "A required path, query or header parameter is missing.",
    "invalid_parameter": "A parameter's value is not of the type or among the values the spec says.",
    "security_not_met": "The request meets none of the operation's security requirements.",
    "unknown_field": "A body carries a field its schema does not declare.",
    "unknown_enum_value": "A body carries an enum value its schema does not list.",
    "undocumented_parameter": "A query parameter the operation does not document.",
    "undocumented_header": "A request header that neither the operation nor HTTP defines.",
    "undocumented_request_body": "A request body sent to an operation that declares none.",
    "undocumented_endpoint": "A request whose path no operation of any spec has.",
    "undocumented_method": "A request whose path operations have, but not with its method.",
    "undocumented_status": "A response status its operation does not document.",
    "undocumented_server": "A request to a host that is not a server of any spec.",
    "unexpected_content_type": "A body whose media type the operation does not document for it.",
}
"""Every kind of finding and what it means: the rules of the SARIF report."""

SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")
BUCKETS = 4096
"""The most timeline buckets a digest keeps (over all operations) before it doubles their width."""


def kind_of(finding: Error | Drift) -> str:
    """A finding's kind; an error without one (a body's) is ``invalid_response_body`` for a response's,
    ``invalid_payload`` for a bare payload's."""
    if finding.kind is not None:
        return finding.kind
    return RESPONSE_ERROR if finding.side == "response" else PAYLOAD_ERROR


def operation_of(report: Report) -> str:
    """What names a report's operation in a grouped report: ``api.operationId``, else the exchange's request
    line (``GET /nowhere``: no operation has it), else the schema of a bare payload."""
    if report.operation is not None:
        return f"{report.operation[0]}.{report.operation[1]}"
    if report.endpoint is not None:
        return report.endpoint
    return report.schema or "(no schema)"


_INDEX = re.compile(r"(?<=/)\d+(?=/|$)")


def place_of(finding: Error | Drift) -> str:
    """Where a finding is, as a group names it: the place of ``evaljobs._output.where``, with array indices of a
    JSON pointer written ``*`` (``/data/*/status``), so that one field of every item is one group."""
    from evaljobs._output import where  # noqa: PLC0415 - _output imports the formats built on this module

    place = where(finding)
    return _INDEX.sub("*", place) if place.startswith("/") else place


@dataclass(frozen=True, slots=True)
class GroupKey:
    """One group of findings: an operation and a finding's side, severity, kind and place."""

    operation: str
    side: str
    severity: Severity
    kind: str
    place: str


@dataclass(slots=True)
class Group:
    """How often a group's finding occurred, and the first occurrence (its source and message)."""

    count: int
    source: str
    message: str


@dataclass(slots=True)
class OperationCounts:
    """The reports of one operation: how many, how many with errors, valid with drift (severity warning), failing."""

    reports: int = 0
    invalid: int = 0
    drifted: int = 0
    failing: int = 0

    def add(self, other: OperationCounts) -> None:
        self.reports += other.reports
        self.invalid += other.invalid
        self.drifted += other.drifted
        self.failing += other.failing


@dataclass(slots=True)
class Timeline:
    """Reports over time per operation: for each bucket of ``width`` seconds (the bucket's number is its start
    divided by the width), the reports, those with errors and the valid ones with drift (severity warning). The
    width doubles whenever the buckets grow beyond ``BUCKETS``."""

    width: int = 1
    buckets: dict[tuple[str, int], list[int]] = field(default_factory=dict)

    def add(self, operation: str, instant: float, invalid: bool, drifted: bool) -> None:
        counts = self.buckets.setdefault((operation, int(instant // self.width)), [0, 0, 0])
        counts[0] += 1
        counts[1] += invalid
        counts[2] += drifted
        while len(self.buckets) > BUCKETS:
            self.coarsen(self.width * 2)

    def coarsen(self, width: int) -> None:
        """Buckets of ``width`` seconds (a multiple of the current width, both powers of two)."""
        factor = width // self.width
        if factor <= 1:
            return
        merged: dict[tuple[str, int], list[int]] = {}
        for (operation, index), counts in self.buckets.items():
            into = merged.setdefault((operation, index // factor), [0, 0, 0])
            for position, count in enumerate(counts):
                into[position] += count
        self.width, self.buckets = width, merged

    def merge(self, other: Timeline) -> None:
        width = max(self.width, other.width)
        self.coarsen(width)
        theirs = Timeline(other.width, dict(other.buckets))
        theirs.coarsen(width)
        for key, counts in theirs.buckets.items():
            into = self.buckets.setdefault(key, [0, 0, 0])
            for position, count in enumerate(counts):
                into[position] += count
        while len(self.buckets) > BUCKETS:
            self.coarsen(self.width * 2)


@dataclass(slots=True)
class Digest:
    """A run's findings, grouped and counted (see the module's docstring)."""

    groups: dict[GroupKey, Group] = field(default_factory=dict)
    operations: dict[str, OperationCounts] = field(default_factory=dict)
    kinds: Counter[str] = field(default_factory=Counter)
    severities: Counter[str] = field(default_factory=Counter)
    skipped: dict[str, Group] = field(default_factory=dict)
    timeline: Timeline = field(default_factory=Timeline)

    def add(self, report: Report, fail_on: FailOn) -> None:
        operation = operation_of(report)
        counts = self.operations.setdefault(operation, OperationCounts())
        counts.reports += 1
        counts.invalid += not report.valid
        counts.drifted += report.valid and report.drifted  # (as in the summary: among the valid ones)
        counts.failing += report.fails(fail_on)
        findings: list[Error | Drift] = [*report.errors, *report.drift]
        for finding in findings:
            kind = kind_of(finding)
            self.kinds[kind] += 1
            self.severities[finding.severity] += 1
            key = GroupKey(operation, finding.side or "", finding.severity, kind, place_of(finding))
            group = self.groups.get(key)
            if group is None:
                self.groups[key] = Group(1, report.source, finding.message)
            else:
                group.count += 1
        moment = instant(report.started) if report.started else None
        if moment is not None:
            self.timeline.add(operation, moment, not report.valid, report.valid and report.drifted)

    def skip(self, source: str, reason: str) -> None:
        """A capture that is not a payload, grouped by its reason."""
        group = self.skipped.get(reason)
        if group is None:
            self.skipped[reason] = Group(1, source, reason)
        else:
            group.count += 1

    def merge(self, other: Digest) -> None:
        for key, group in other.groups.items():
            mine = self.groups.get(key)
            if mine is None:
                self.groups[key] = Group(group.count, group.source, group.message)
            else:
                mine.count += group.count
        for name, counts in other.operations.items():
            self.operations.setdefault(name, OperationCounts()).add(counts)
        self.kinds.update(other.kinds)
        self.severities.update(other.severities)
        for reason, group in other.skipped.items():
            mine = self.skipped.get(reason)
            if mine is None:
                self.skipped[reason] = Group(group.count, group.source, group.message)
            else:
                mine.count += group.count
        self.timeline.merge(other.timeline)

    def ordered(self) -> list[tuple[str, list[tuple[GroupKey, Group]]]]:
        """The groups by operation: operations with errors first, then by their findings' count; within one,
        errors first, then warnings, then info, each by count (most first)."""
        by_operation: dict[str, list[tuple[GroupKey, Group]]] = {}
        for key, group in self.groups.items():
            by_operation.setdefault(key.operation, []).append((key, group))
        for groups in by_operation.values():
            groups.sort(key=lambda item: (_rank(item[0].severity), -item[1].count, item[0].kind, item[0].place))
        return sorted(
            by_operation.items(),
            key=lambda item: (
                min(_rank(key.severity) for key, _ in item[1]),
                -sum(group.count for _, group in item[1]),
                item[0],
            ),
        )


def _rank(severity: str) -> int:
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


_FRACTION = re.compile(r"([.,])(\d+)")
_ZONE = re.compile(r"([+-]\d\d)(\d\d)$")


def instant(text: str) -> float | None:
    """Seconds since the epoch of an ISO 8601 date-time, read leniently: ``Z`` or an offset with or without its
    colon (none: UTC), a space for the ``T``, a comma for the decimal point, any number of fraction digits, a
    date alone; or a number of seconds (or milliseconds, past 10^11) since the epoch. None for anything else
    (``nan`` and ``inf`` included)."""
    text = text.strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        pass
    else:
        if not math.isfinite(number) or abs(number) >= 1e15:  # (nan, inf; beyond any date a capture has)
            return None
        return number / 1000 if abs(number) >= 1e11 else number
    text = _FRACTION.sub(lambda match: "." + (match.group(2) + "000000")[:6], text, count=1)
    if text[-1:] in ("Z", "z"):
        text = text[:-1] + "+00:00"
    text = _ZONE.sub(r"\1:\2", text) if "T" in text.upper() or " " in text else text
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()

"""``evaljobs validate --format sarif``: SARIF 2.1.0, the format code-scanning services read.

One run of the tool ``evaljobs``, with a rule per kind of finding (``evaljobs._digest.KINDS``) and a result per
finding: its kind as the rule, its severity as the level (info is ``note``), its message, and where it is: the
capture file (and its line, for a JSONL payload), the operation and the JSON pointer or parameter as logical
locations, and for a HAR exchange the request's method and path and the response's status. Results are written
as they come, one a line, between the document's start (the rules) and its end (the invocation, with the exit
status, and ``--coverage``), so that the output never waits for the whole run.
"""

from __future__ import annotations

import os
import re
from contextlib import suppress
from importlib.metadata import PackageNotFoundError, version
from typing import Any, get_args
from urllib.parse import quote

from evaljobs._digest import KINDS, kind_of
from evaljobs._output import STDERR, STDOUT, Ending, Piece, Tally, _without_surrogates, visible, where
from evaljobs._report import _INFO, Drift, Error, ErrorKind, FailOn, Report

SCHEMA = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
LEVELS = {"error": "error", "warning": "warning", "info": "note"}

_EXCHANGE = re.compile(r"(?P<file>.*):(?P<entry>\d+) (?P<method>\S+) (?P<path>.*) (?P<status>\d+)")
"""A HAR entry's source: ``file:N METHOD PATH STATUS`` (N its number in the capture, not a line)."""
_LINE = re.compile(r"(?P<file>.*):(?P<line>\d+)")


def default_level(kind: str) -> str:
    if kind in _INFO:
        return "note"
    if kind in get_args(ErrorKind) or kind.startswith("invalid_"):
        return "error"
    return "warning"


class SarifFormat:
    """A SARIF log (see the module's docstring); skipped captures are told on standard error, as for json."""

    holds = digests = False
    joined = covers = True

    def __init__(self, fail_on: FailOn) -> None:
        import orjson  # noqa: PLC0415 - for the formats that write JSON only

        self.fail_on = fail_on
        self.dumps, self.refused = orjson.dumps, orjson.JSONEncodeError
        rules = [
            {
                "id": kind,
                "name": "".join(word.capitalize() for word in kind.split("_")),
                "shortDescription": {"text": description},
                "defaultConfiguration": {"level": default_level(kind)},
            }
            for kind, description in sorted(KINDS.items())
        ]
        driver: dict[str, Any] = {"name": "evaljobs"}
        with suppress(PackageNotFoundError):  # (run from a source tree: no version to tell)
            driver["version"] = version("evaljobs")
        driver["rules"] = rules
        self.head = (
            f'{{\n  "$schema": "{SCHEMA}",\n  "version": "2.1.0",\n  "runs": [\n    {{\n'
            f'      "tool": {{"driver": {self._json(driver)}}},\n      "results": ['
        )

    def _json(self, value: Any) -> str:
        try:
            return self.dumps(value).decode()
        except self.refused:  # a lone surrogate (a file name's undecodable bytes)
            return self.dumps(_without_surrogates(value)).decode()

    def report(self, report: Report) -> Piece:
        findings: list[Error | Drift] = [*report.errors, *report.drift]
        return STDOUT, "".join(",\n        " + self._json(self.result(report, finding)) for finding in findings)

    def result(self, report: Report, finding: Error | Drift) -> dict[str, Any]:
        kind = kind_of(finding)
        place = where(finding)
        found: dict[str, Any] = {
            "ruleId": kind,
            "level": LEVELS[finding.severity],
            "message": {"text": visible(f"{place}: {finding.message}")},
            "locations": [_location(report, finding, place)],
        }
        exchange = _EXCHANGE.fullmatch(report.source)
        if exchange is not None:
            method, path = (report.endpoint or f"{exchange['method']} {exchange['path']}").split(" ", 1)
            found["webRequest"] = {"method": method, "target": path}
            found["webResponse"] = {"statusCode": int(exchange["status"])}
        properties = {"source": report.source, "severity": finding.severity, "pointer": finding.pointer}
        if finding.side is not None:
            properties["in"] = finding.side
        found["properties"] = properties
        return found

    def skipped(self, source: str, reason: str) -> Piece:
        return STDERR, f"evaljobs: {visible(source)}: skipped ({visible(reason)})\n"

    def end(self, tally: Tally, held: list[str], ending: Ending) -> list[str]:
        invocation = {"executionSuccessful": ending.status != 2, "exitCode": ending.status}
        closing = f'\n      ],\n      "invocations": [{self._json(invocation)}]'
        if ending.coverage is not None:
            closing += f',\n      "properties": {{"coverage": {self._json(ending.coverage)}}}'
        return [closing + "\n    }\n  ]\n}\n"]


def _location(report: Report, finding: Error | Drift, place: str) -> dict[str, Any]:
    """The capture file (and line) of a finding, and its operation (or schema) and place as logical locations."""
    exchange = _EXCHANGE.fullmatch(report.source)
    line = None if exchange is not None else _LINE.fullmatch(report.source)
    file = exchange["file"] if exchange is not None else line["file"] if line is not None else report.source
    physical: dict[str, Any] = {"artifactLocation": {"uri": _uri(file)}}
    if line is not None and int(line["line"]) >= 1:
        physical["region"] = {"startLine": int(line["line"])}
    logical: list[dict[str, Any]] = []
    if report.operation is not None:
        api, operation, _ = report.operation
        logical.append({"name": operation, "fullyQualifiedName": f"{api}.{operation}", "kind": "function"})
    elif report.schema is not None:
        logical.append({"name": report.schema.rpartition(".")[2], "fullyQualifiedName": report.schema, "kind": "type"})
    owner = logical[0]["fullyQualifiedName"] if logical else ""
    side = f"{finding.side} " if finding.side else ""
    if finding.parameter is not None:
        logical.append({"name": finding.parameter, "fullyQualifiedName": f"{owner} {side}{place}", "kind": "parameter"})
    elif place.startswith("/"):
        logical.append({"name": place, "fullyQualifiedName": f"{owner} {side}{place}".strip(), "kind": "member"})
    found: dict[str, Any] = {"physicalLocation": physical}
    if logical:
        found["logicalLocations"] = logical
    return found


def _uri(file: str) -> str:
    """A file's path as a URI reference: relative stays relative (``/`` separators), absolute is a file: URI;
    every other character percent-encoded from its bytes (a file name's undecodable bytes included)."""
    raw = os.fsencode(file)
    if os.sep != "/":
        raw = raw.replace(os.fsencode(os.sep), b"/")
    encoded = quote(raw, safe="/")
    return "file://" + encoded if raw.startswith(b"/") else encoded

"""The reports of ``evaljobs validate``: text for people, JSON Lines for programs, JUnit XML for CI systems.

Rendering happens where the payloads are validated: ``render`` turns the outcomes of a batch of input into
text with a format (``TextFormat``, ``JsonFormat``, ``JunitFormat``, ``CsvFormat``; ``SarifFormat`` in
evaljobs/_sarif.py), in the command's process or in a ``--jobs`` worker alike. The command's process only writes
the rendered batches in input order with a ``Writer``, adds up their tallies, and ends the document. The reports
written from what the whole run found (``GroupedFormat``, ``HtmlFormat``, ``--format json --summary``) fold each
batch's reports into a ``Digest`` (evaljobs/_digest.py) where they are rendered, and write it at the end.
"""

from __future__ import annotations

import os
import re
import sys
import time
from collections import Counter
from collections.abc import Iterable
from functools import cache
from typing import TYPE_CHECKING, Any, Protocol, TextIO

from evaljobs._record import FrozenRecord, Record
from evaljobs._report import Drift, Error, FailOn, Report

if TYPE_CHECKING:
    from xml.etree.ElementTree import Element

    from evaljobs._digest import Digest

STDOUT, STDERR = 1, 2
Piece = tuple[int, str]
"""Text for one stream: ``STDOUT`` (the report) or ``STDERR`` (messages about the input)."""

Outcome = tuple[str, Report | tuple[str, str]]
"""What came of one payload: ``("report", Report)``, ``("skipped", (source, reason))`` for a capture that is
not a payload, or ``("problem", (source, problem))`` for input that could not be read."""


class Tally:
    """What a run found, for the summary line and the exit status."""

    def __init__(self) -> None:
        self.payloads = self.valid = self.invalid = self.unreadable = self.skipped = 0
        self.drifted = 0  # valid payloads with drift (the drift of an invalid one is in its report)
        self.failing = 0  # payloads that fail (see Report.fails): JUnit failures, exit status 1
        self.seen: Counter[tuple[str, str, int]] = Counter()  # exchanges per (api, operationId, status)

    def add(self, report: Report, fail_on: FailOn) -> None:
        self.payloads += 1
        if report.valid:
            self.valid += 1
        else:
            self.invalid += 1
        self.drifted += report.valid and report.drifted  # counted among the valid ones only
        self.failing += report.fails(fail_on)
        if report.operation is not None:
            self.seen[report.operation] += 1

    def merge(self, other: Tally) -> None:
        for name, value in vars(other).items():
            setattr(self, name, getattr(self, name) + value)

    @property
    def outcomes(self) -> int:
        return self.payloads + self.skipped + self.unreadable

    def summary(self, fail_on: FailOn) -> str:
        line = f"{self.payloads} payload(s): {self.valid} valid ({self.drifted} with drift), {self.invalid} invalid"
        if self.skipped:
            line += f"; {self.skipped} capture(s) skipped"
        if self.unreadable:
            line += f"; {self.unreadable} path(s) could not be read"
        if self.failing > self.invalid:  # valid payloads that fail for their drift
            line += "; --strict: drift fails" if fail_on == "warning" else "; --fail-on drift: drift and info fail"
        return line


class Rendered(Record):
    """A batch of input, validated and rendered: its pieces of output in order, what it found, its size, and
    for a format written from the whole run's findings, their digest."""

    _fields = ("pieces", "tally", "size", "digest")
    __slots__ = _fields
    pieces: list[Piece]
    tally: Tally
    size: int
    digest: Digest | None

    def __init__(
        self, pieces: list[Piece] | None = None, tally: Tally | None = None, size: int = 0, digest: Digest | None = None
    ) -> None:
        self.pieces = [] if pieces is None else pieces
        self.tally = Tally() if tally is None else tally
        self.size = size
        self.digest = digest


class Ending(FrozenRecord):
    """What the end of a document may tell besides the tally: the run's digest (for the formats that keep one;
    None for one that keeps none, ``digests``), its exit status and ``--coverage`` (None without it)."""

    _fields = ("digest", "status", "coverage")
    __slots__ = _fields
    digest: Digest | None
    status: int
    coverage: dict[str, Any] | None

    def __init__(self, digest: Digest | None, status: int, coverage: dict[str, Any] | None = None) -> None:
        setter = object.__setattr__
        setter(self, "digest", digest)
        setter(self, "status", status)
        setter(self, "coverage", coverage)


class Format(Protocol):
    """A report format: a piece of output per report and per skipped capture, then the end of the document."""

    fail_on: FailOn
    holds: bool  # the pieces wait for the end (the document starts with the counts)
    digests: bool  # the reports are folded into a Digest (the document is written from it at the end)
    joined: bool  # each piece starts with a comma, which the first piece written goes without
    covers: bool  # the document holds --coverage (nothing is written after it)
    head: str  # written before any piece

    def report(self, report: Report) -> Piece: ...

    def skipped(self, source: str, reason: str) -> Piece: ...

    def end(self, tally: Tally, held: list[str], ending: Ending) -> list[str]: ...


class _Plain:
    """The defaults of a format's attributes: pieces written as they come, no digest, nothing before them."""

    holds = digests = joined = covers = False
    head = ""


def _digest() -> Digest:
    """An empty digest (its module, with datetime, is imported only for the formats that keep one)."""
    from evaljobs._digest import Digest  # noqa: PLC0415 - start-up of the other formats

    return Digest()


def render(outcomes: Iterable[Outcome], form: Format, size: int) -> Rendered:
    """The output of ``outcomes``, with consecutive pieces for one stream joined into one."""
    rendered = Rendered(size=size, digest=_digest() if form.digests else None)
    tally, stream, digest = rendered.tally, STDOUT, rendered.digest
    run: list[str] = []
    for kind, value in outcomes:
        if isinstance(value, Report):
            tally.add(value, form.fail_on)
            if digest is not None:
                digest.add(value, form.fail_on)
            piece = form.report(value)
        elif kind == "skipped":
            tally.skipped += 1
            if digest is not None:
                digest.skip(*value)
            piece = form.skipped(*value)
        else:
            tally.unreadable += 1
            piece = STDERR, f"evaljobs: {visible(value[0])}: {visible(value[1])}\n"
        if not piece[1]:  # a format that writes the report at the end
            continue
        if piece[0] != stream and run:
            rendered.pieces.append((stream, "".join(run)))
            run = []
        stream = piece[0]
        run.append(piece[1])
    if run:
        rendered.pieces.append((stream, "".join(run)))
    return rendered


def use_colour(out: TextIO) -> bool:
    """Whether text reports on ``out`` are coloured: on a terminal, unless NO_COLOR is set or TERM is dumb."""
    return out.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"


@cache
def formatter(name: str, *, colour: bool, fail_on: FailOn, summary: bool = False) -> Format:
    """The format ``--format name`` names, built once per process and choice of options."""
    if name == "text":
        return TextFormat(colour, fail_on)
    if name == "json":
        return JsonFormat(fail_on, summary=summary)
    if name == "csv":
        return CsvFormat(fail_on)
    if name == "grouped":
        from evaljobs._grouped import GroupedFormat  # noqa: PLC0415 - each format's module only for it

        return GroupedFormat(colour, fail_on)
    if name == "sarif":
        from evaljobs._sarif import SarifFormat  # noqa: PLC0415

        return SarifFormat(fail_on)
    if name == "html":
        from evaljobs._html_report import HtmlFormat  # noqa: PLC0415

        return HtmlFormat(fail_on)
    return JunitFormat(fail_on)


class TextFormat(_Plain):
    """A block per payload with findings, a line per clean payload, then the summary; colour on a terminal."""

    def __init__(self, colour: bool, fail_on: FailOn) -> None:
        self.fail_on = fail_on
        self.red, self.yellow, self.green, self.dim, self.reset = (
            ("\033[31m", "\033[33m", "\033[32m", "\033[2m", "\033[0m") if colour else ("", "", "", "", "")
        )

    def report(self, report: Report) -> Piece:
        if not report.valid:
            mark = f"{self.red}FAIL{self.reset}"
        elif report.drifted:
            mark = f"{self.yellow}DRIFT{self.reset}"
        else:
            mark = f"{self.green}ok{self.reset}"
        lines = [f"{mark:>5} {visible(report.source)}  {self.dim}{report.schema or '?'}{self.reset}"]
        for side in (None, "request", "response"):  # an exchange's request first, then its response
            lines += [
                f"        {_side(e)}{self.red}error{self.reset} {visible(where(e))}: {visible(e.message)}"
                for e in report.errors
                if e.side == side
            ]
            lines += [
                f"        {_side(d)}{self._drift(d)} {visible(where(d))}: {visible(d.message)}"
                for d in report.drift
                if d.side == side
            ]
        return STDOUT, "\n".join(lines) + "\n"

    def _drift(self, drift: Drift) -> str:
        if drift.severity == "info":
            return f"{self.dim}info{self.reset}"
        return f"{self.yellow}drift{self.reset}"

    def skipped(self, source: str, reason: str) -> Piece:
        return STDOUT, f" skip {visible(source)}  {self.dim}{visible(reason)}{self.reset}\n"

    def end(self, tally: Tally, held: list[str], ending: Ending) -> list[str]:
        return [tally.summary(self.fail_on) + "\n"]


class JsonFormat(_Plain):
    """One JSON object per payload per line, as the contract describes; skipped captures are not payloads.
    With ``summary``, one last line: ``{"summary": {...}}`` (see ``summary``), holding --coverage too."""

    def __init__(self, fail_on: FailOn, *, summary: bool = False) -> None:
        import orjson  # noqa: PLC0415 - (8 ms of start-up) for this format only

        self.fail_on = fail_on
        self.digests = self.covers = summary
        self.dumps, self.refused = orjson.dumps, orjson.JSONEncodeError

    def report(self, report: Report) -> Piece:
        found = report.as_json()
        try:
            return STDOUT, self.dumps(found).decode() + "\n"  # a tenth of json.dumps' time
        except self.refused:  # a lone surrogate (a file name's undecodable bytes), which no UTF-8 text holds
            return STDOUT, self.dumps(_without_surrogates(found)).decode() + "\n"

    def skipped(self, source: str, reason: str) -> Piece:
        return STDERR, f"evaljobs: {visible(source)}: skipped ({visible(reason)})\n"

    def end(self, tally: Tally, held: list[str], ending: Ending) -> list[str]:
        if not self.digests:
            return []
        found = {"summary": summary(tally, ending, self.fail_on)}
        try:
            return [self.dumps(found).decode() + "\n"]
        except self.refused:
            return [self.dumps(_without_surrogates(found)).decode() + "\n"]


def summary(tally: Tally, ending: Ending, fail_on: FailOn) -> dict[str, Any]:
    """The totals of a run: payloads by verdict, findings by severity and by kind, what fails, the exit status,
    and --coverage where it was asked for."""
    digest = ending.digest
    assert digest is not None  # (a format with digests)
    found: dict[str, Any] = {
        "payloads": tally.payloads,
        "verdicts": {
            "valid": tally.valid,
            "drifted": tally.drifted,  # among the valid ones, as in the text report's summary
            "invalid": tally.invalid,
            "skipped": tally.skipped,
            "unreadable": tally.unreadable,
        },
        "failing": tally.failing,
        "fail_on": fail_on,
        "severities": {severity: digest.severities[severity] for severity in ("error", "warning", "info")},
        "kinds": dict(sorted(digest.kinds.items())),
        "groups": len(digest.groups),
        "exit_status": ending.status,
    }
    if ending.coverage is not None:
        found["coverage"] = ending.coverage
    return found


class JunitFormat(_Plain):
    """A JUnit XML document: a test case per payload; errors (and drift, with --strict or --fail-on) are
    failures, skipped captures are skipped test cases, drift that does not fail goes to the case's system-out.
    Each case is rendered on its own, indented as it sits in the document."""

    holds = True  # the suite's opening tag counts the cases: they wait for the end

    def __init__(self, fail_on: FailOn) -> None:
        from xml.etree import ElementTree  # noqa: PLC0415 - only for --format junit

        self.tree = ElementTree
        self.fail_on = fail_on

    def report(self, report: Report) -> Piece:
        case = self.tree.Element("testcase", classname=visible(report.schema or "unknown"), name=visible(report.source))
        problems = [f"{_side(e)}error {visible(where(e))}: {visible(e.message)}" for e in report.errors]
        drift = [
            f"{_side(d)}{_drift_word(d)} {visible(where(d))} ({d.kind}): {visible(d.message)}" for d in report.drift
        ]
        if self.fail_on != "error":  # drift fails (info findings only with --fail-on drift), the rest is told
            problems += [line for line, d in zip(drift, report.drift, strict=True) if d.fails(self.fail_on)]
            drift = [line for line, d in zip(drift, report.drift, strict=True) if not d.fails(self.fail_on)]
        if drift:
            self.tree.SubElement(case, "system-out").text = "\n".join(drift)
        if problems:
            failure = self.tree.SubElement(case, "failure", message=problems[0][:200], type="evaljobs")
            failure.text = "\n".join(problems)
        return STDOUT, self._case(case)

    def skipped(self, source: str, reason: str) -> Piece:
        case = self.tree.Element("testcase", classname="skipped", name=visible(source))
        self.tree.SubElement(case, "skipped", message=visible(reason))
        return STDOUT, self._case(case)

    def _case(self, case: Element) -> str:
        self.tree.indent(case, level=2)  # a case sits two levels deep: <testsuites><testsuite><testcase>
        return "    " + self.tree.tostring(case, encoding="unicode") + "\n"

    def end(self, tally: Tally, held: list[str], ending: Ending) -> list[str]:
        cases = tally.payloads + tally.skipped
        suite = (
            f'<testsuite name="evaljobs validate" tests="{cases}" failures="{tally.failing}" '
            f'errors="{tally.unreadable}" skipped="{tally.skipped}"'
        )
        head = '<?xml version="1.0" encoding="UTF-8"?>\n<testsuites>\n'
        if not cases:
            return [head, f"  {suite} />\n</testsuites>\n"]
        return [head, f"  {suite}>\n", *held, "  </testsuite>\n</testsuites>\n"]


class CsvFormat(_Plain):
    """A row per finding (RFC 4180, with a header row): where it was found and what. A payload without findings
    has no row; skipped captures are told on standard error, as for json."""

    head = "source,schema,in,severity,kind,where,message\r\n"

    def __init__(self, fail_on: FailOn) -> None:
        self.fail_on = fail_on

    def report(self, report: Report) -> Piece:
        import csv  # noqa: PLC0415 - only for --format csv
        import io  # noqa: PLC0415

        text = io.StringIO()
        rows = csv.writer(text)
        findings: list[Error | Drift] = [*report.errors, *report.drift]
        for finding in findings:
            place = where(finding) if finding.parameter is not None else finding.pointer
            cells = (report.source, report.schema, finding.side, finding.severity, finding.kind, place, finding.message)
            rows.writerow([_cell(cell or "") for cell in cells])  # (a response's errors have no kind)
        return STDOUT, text.getvalue()

    def skipped(self, source: str, reason: str) -> Piece:
        return STDERR, f"evaljobs: {visible(source)}: skipped ({visible(reason)})\n"

    def end(self, tally: Tally, held: list[str], ending: Ending) -> list[str]:
        return []


def _cell(text: str) -> str:
    """A CSV cell that a spreadsheet shows as text, never runs as a formula: a leading =, +, -, @, tab or carriage
    return (a file name, a payload's value) gets a ' before it (OWASP's advice on CSV injection)."""
    text = visible(text)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def where(finding: Error | Drift) -> str:
    """Where a finding is, as a person reads it: its JSON pointer (``/`` for the whole body), the parameter of
    a request it is about (``query parameter 'page'``), or for a finding about the exchange as a whole (its
    endpoint, method, status, server, content type or credentials), what it is."""
    if finding.parameter is not None:
        return f"{finding.location} parameter {finding.parameter!r}"
    return _PLACES.get(finding.kind or "") or finding.pointer or "/"


# Findings about an exchange as a whole: what they are about stands for their place.
_PLACES = {
    "undocumented_endpoint": "endpoint",
    "undocumented_method": "method",
    "undocumented_status": "status",
    "undocumented_server": "server",
    "unexpected_content_type": "content type",
    "security_not_met": "credentials",
}


def _drift_word(drift: Drift) -> str:
    return "info" if drift.severity == "info" else "drift"


def _side(finding: Error | Drift) -> str:
    """``request `` or ``response `` before a finding about an exchange; nothing for a bare payload's."""
    return "" if finding.side is None else f"{finding.side} "


# Characters of the data (keys, values, file names, URLs) that never reach a terminal or an XML document as
# themselves: C0 and C1 controls and DEL (a terminal acts on them: ESC starts a colour or cursor sequence; XML
# 1.0 has no way to write most of them), the line and paragraph separators and the bidirectional controls
# (they reorder what a reader sees), lone surrogates (no UTF-8 text holds them: a file name's undecodable
# bytes arrive as U+DC80..U+DCFF) and U+FFFE, U+FFFF (not XML characters).
# Both compiled on first use (half a millisecond of start-up): printable ASCII, most text, holds none of them.
_UNSAFE = "[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]"
_SURROGATES = "[\ud800-\udfff]"


def visible(text: str) -> str:
    """``text`` with each character of ``_UNSAFE`` written as a visible escape (``\\x1b``, ``\\u202e``; a file
    name's undecodable byte as ``\\xff``). Messages quote the data with ``repr``, which escapes these already."""
    if text.isascii() and text.isprintable():
        return text
    unsafe = _compiled(_UNSAFE)
    if unsafe.search(text) is None:
        return text
    return unsafe.sub(_escape, text)


@cache
def _compiled(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    if 0xDC80 <= code <= 0xDCFF:  # an undecodable byte of a file name (surrogateescape)
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def _without_surrogates(value: Any) -> Any:
    """A report's JSON value with lone surrogates in its strings escaped as ``visible`` does."""
    if isinstance(value, str):
        return _compiled(_SURROGATES).sub(_escape, value)
    if isinstance(value, dict):
        return {key: _without_surrogates(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_without_surrogates(item) for item in value]
    return value


class Writer:
    """Writes rendered batches in the order it is given them: reports on ``out`` (held back until the end
    for a format whose document starts with the counts), messages about the input on standard error; merges
    their digests for a format written from the whole run's findings."""

    def __init__(self, out: TextIO, form: Format) -> None:
        self.out = out
        self.form = form
        self.held: list[str] = []
        self.digest = _digest() if form.digests else None
        self.first = True  # no piece written yet (a joined format's first piece goes without its comma)
        if form.head:  # a CSV header row, the start of a SARIF document: before any report
            out.write(form.head)

    def write(self, rendered: Rendered) -> None:
        if rendered.digest is not None and self.digest is not None:
            self.digest.merge(rendered.digest)
        for stream, text in rendered.pieces:
            if stream == STDERR:
                sys.stderr.write(text)
                continue
            piece = text.removeprefix(",") if self.form.joined and self.first else text
            self.first = False
            if self.form.holds:
                self.held.append(piece)
            else:
                self.out.write(piece)

    def finish(self, tally: Tally, status: int = 0, coverage: dict[str, Any] | None = None) -> None:
        self.out.writelines(self.form.end(tally, self.held, Ending(self.digest, status, coverage)))


class Progress:
    """A one-line progress display on a terminal's standard error, for long batches only. ``total`` (bytes)
    grows as the input is found."""

    def __init__(self) -> None:
        self.enabled = sys.stderr.isatty() and not os.environ.get("CI")
        self.total = 0
        self.done = 0
        self.count = 0
        self.started = time.monotonic()
        self.shown = self.started

    def advance(self, payloads: int, size: int) -> None:
        self.count += payloads
        self.done += size
        now = time.monotonic()
        if not self.enabled or now - self.shown < 0.2 or now - self.started < 1.0:
            return
        self.shown = now
        rate = self.count / max(now - self.started, 1e-9)
        width = 30
        filled = min(width, int(width * self.done / self.total)) if self.total else 0
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\r[{bar}] {self.count:,} payloads, {rate:,.0f}/s ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.shown != self.started:
            sys.stderr.write("\r" + " " * 79 + "\r")
            sys.stderr.flush()

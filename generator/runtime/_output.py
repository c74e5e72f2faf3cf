"""The reports of ``evaljobs validate``: text for people, JSON Lines for programs, JUnit XML for CI systems."""

from __future__ import annotations

import json
import os
import sys
import time
from typing import TextIO

from evaljobs._report import Report


class Tally:
    """What a run found, for the summary line and the exit status."""

    def __init__(self) -> None:
        self.payloads = self.valid = self.invalid = self.drifted = self.unreadable = self.skipped = 0

    def add(self, report: Report) -> None:
        self.payloads += 1
        if report.valid:
            self.valid += 1
        else:
            self.invalid += 1
        self.drifted += bool(report.drift)

    def summary(self, strict: bool) -> str:
        line = f"{self.payloads} payload(s): {self.valid} valid ({self.drifted} with drift), {self.invalid} invalid"
        if self.skipped:
            line += f"; {self.skipped} capture(s) skipped"
        if self.unreadable:
            line += f"; {self.unreadable} path(s) could not be read"
        if strict and self.drifted:
            line += "; --strict: drift fails"
        return line


class TextWriter:
    """A block per payload with findings, a line per clean payload, then the summary; colour on a terminal."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        colour = out.isatty() and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
        self.red, self.yellow, self.green, self.dim, self.reset = (
            ("\033[31m", "\033[33m", "\033[32m", "\033[2m", "\033[0m") if colour else ("", "", "", "", "")
        )

    def report(self, report: Report) -> None:
        if not report.valid:
            mark = f"{self.red}FAIL{self.reset}"
        elif report.drift:
            mark = f"{self.yellow}DRIFT{self.reset}"
        else:
            mark = f"{self.green}ok{self.reset}"
        lines = [f"{mark:>5} {report.source}  {self.dim}{report.schema or '?'}{self.reset}"]
        lines += [f"        {self.red}error{self.reset} {e.pointer or '/'}: {e.message}" for e in report.errors]
        lines += [f"        {self.yellow}drift{self.reset} {d.pointer or '/'}: {d.message}" for d in report.drift]
        self.out.write("\n".join(lines) + "\n")

    def skipped(self, source: str, reason: str) -> None:
        self.out.write(f" skip {source}  {self.dim}{reason}{self.reset}\n")

    def finish(self, tally: Tally, strict: bool) -> None:
        self.out.write(tally.summary(strict) + "\n")


class JsonWriter:
    """One JSON object per payload per line, as the contract describes; skipped captures are not payloads."""

    def __init__(self, out: TextIO) -> None:
        self.out = out

    def report(self, report: Report) -> None:
        self.out.write(json.dumps(report.as_json(), ensure_ascii=False) + "\n")

    def skipped(self, source: str, reason: str) -> None:
        print(f"evaljobs: {source}: skipped ({reason})", file=sys.stderr)

    def finish(self, tally: Tally, strict: bool) -> None:
        pass


class JunitWriter:
    """A JUnit XML document: a test case per payload; errors (and drift with --strict) are failures,
    skipped captures are skipped test cases, drift otherwise goes to the case's system-out."""

    def __init__(self, out: TextIO, strict: bool) -> None:
        from xml.etree import ElementTree  # noqa: PLC0415 - only for --format junit

        self.tree = ElementTree
        self.out = out
        self.strict = strict
        self.suite = ElementTree.Element("testsuite", name="evaljobs validate")

    def report(self, report: Report) -> None:
        case = self.tree.SubElement(self.suite, "testcase", classname=report.schema or "unknown", name=report.source)
        problems = [f"error {e.pointer or '/'}: {e.message}" for e in report.errors]
        drift = [f"drift {d.pointer or '/'} ({d.kind}): {d.message}" for d in report.drift]
        if self.strict:
            problems += drift
        elif drift:
            self.tree.SubElement(case, "system-out").text = "\n".join(drift)
        if problems:
            failure = self.tree.SubElement(case, "failure", message=problems[0][:200], type="evaljobs")
            failure.text = "\n".join(problems)

    def skipped(self, source: str, reason: str) -> None:
        case = self.tree.SubElement(self.suite, "testcase", classname="skipped", name=source)
        self.tree.SubElement(case, "skipped", message=reason)

    def finish(self, tally: Tally, strict: bool) -> None:
        failures = sum(1 for case in self.suite if case.find("failure") is not None)
        self.suite.set("tests", str(len(self.suite)))
        self.suite.set("failures", str(failures))
        self.suite.set("errors", str(tally.unreadable))
        self.suite.set("skipped", str(tally.skipped))
        root = self.tree.Element("testsuites")
        root.append(self.suite)
        self.tree.indent(root)
        self.out.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        self.out.write(self.tree.tostring(root, encoding="unicode") + "\n")


class Progress:
    """A one-line progress display on a terminal's standard error, for long batches only."""

    def __init__(self, total_bytes: int) -> None:
        self.enabled = sys.stderr.isatty() and not os.environ.get("CI")
        self.total = total_bytes
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
        filled = int(width * self.done / self.total) if self.total else 0
        bar = "#" * filled + "-" * (width - filled)
        sys.stderr.write(f"\r[{bar}] {self.count:,} payloads, {rate:,.0f}/s ")
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.shown != self.started:
            sys.stderr.write("\r" + " " * 79 + "\r")
            sys.stderr.flush()

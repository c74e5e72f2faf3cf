"""``evaljobs validate``: check captured payloads against the specs.

Exit status: 0 no errors (drift allowed unless --strict), 1 errors found (or drift with --strict), 2 usage
or I/O error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from typing import TextIO

from evaljobs import _registry
from evaljobs._inputs import payloads
from evaljobs._report import Report
from evaljobs._validate import validate

OK, FINDINGS, USAGE = 0, 1, 2


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "validate",
        help="validate captured payloads",
        description=(
            "Validate .json files, .jsonl files (a payload a line), folders (recursively) or - (stdin). "
            "Errors: the payload breaks the spec. Drift: it goes beyond it (unknown fields, unlisted enum values)."
        ),
    )
    target = check.add_mutually_exclusive_group()
    target.add_argument("--endpoint", metavar='"METHOD PATH"', help="the operation the payloads answer")
    target.add_argument("--schema", metavar="API.Name", help="the model to validate against")
    check.add_argument("--format", choices=["text", "json"], default="text", help="report format (default: text)")
    check.add_argument("--strict", action="store_true", help="drift fails too (exit 1)")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return _validate(args, sys.stdout)


def _validate(args: argparse.Namespace, out: TextIO) -> int:
    try:  # refuse an unknown --schema/--endpoint before reading anything
        if args.schema:
            _registry.schema(args.schema)
        elif args.endpoint:
            _registry.endpoint(args.endpoint)
    except LookupError as error:
        print(f"evaljobs: {error.args[0]}", file=sys.stderr)
        return USAGE
    printer = _TextPrinter(out) if args.format == "text" else None
    status, counts = OK, {"payloads": 0, "valid": 0, "invalid": 0, "drifted": 0, "io": 0}
    for payload in payloads(args.paths):
        if payload.problem is not None:
            print(f"evaljobs: {payload.source}: {payload.problem}", file=sys.stderr)
            counts["io"] += 1
            continue
        report = validate(payload.data, endpoint=args.endpoint, schema=args.schema, source=payload.source)
        counts["payloads"] += 1
        counts["valid" if report.valid else "invalid"] += 1
        counts["drifted"] += bool(report.drift)
        if not report.valid or (args.strict and report.drift):
            status = FINDINGS
        if printer is None:
            out.write(json.dumps(report.as_json(), ensure_ascii=False) + "\n")
        else:
            printer.report(report)
    if printer is not None:
        printer.summary(counts, args.strict)
    return USAGE if counts["io"] else status


class _TextPrinter:
    """The readable report: one block per payload with findings, a line per clean payload, a summary."""

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
        self.out.write(f"{mark:>5} {report.source}  {self.dim}{report.schema or '?'}{self.reset}\n")
        for error in report.errors:
            self.out.write(f"        {self.red}error{self.reset} {error.pointer or '/'}: {error.message}\n")
        for drift in report.drift:
            self.out.write(f"        {self.yellow}drift{self.reset} {drift.pointer or '/'}: {drift.message}\n")

    def summary(self, counts: dict[str, int], strict: bool) -> None:
        line = (
            f"{counts['payloads']} payload(s): {counts['valid']} valid ({counts['drifted']} with drift), "
            f"{counts['invalid']} invalid"
        )
        if counts["io"]:
            line += f"; {counts['io']} path(s) could not be read"
        if strict and counts["drifted"]:
            line += "; --strict: drift fails"
        self.out.write(line + "\n")

"""``evaljobs validate``: check captured payloads against the specs.

Exit status: 0 no errors (drift allowed unless --strict), 1 errors found (or drift with --strict), 2 usage
or I/O error. One bad payload or unreadable file never stops the rest of the batch.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from typing import TextIO

from evaljobs import _registry
from evaljobs._inputs import Payload, Unit, payloads, units
from evaljobs._output import JsonWriter, JunitWriter, Progress, Tally, TextWriter
from evaljobs._report import Report
from evaljobs._validate import Validator

OK, FINDINGS, USAGE = 0, 1, 2

# One outcome of a unit: a report, a skipped capture (source, reason) or an unreadable path (source, problem).
Outcome = tuple[str, Report | tuple[str, str]]


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "validate",
        help="validate captured payloads",
        description=(
            "Validate .json files, .jsonl files (a payload a line), .har captures (each JSON response matched to "
            "its operation), folders (recursively) or - (stdin). Errors: the payload breaks the spec. Drift: it "
            "goes beyond it (unknown fields, unlisted enum values)."
        ),
    )
    target = check.add_mutually_exclusive_group()
    target.add_argument("--endpoint", metavar='"METHOD PATH"', help="the operation the payloads answer")
    target.add_argument("--schema", metavar="API.Name", help="the schema to validate against")
    check.add_argument("--format", choices=["text", "json", "junit"], default="text", help="report format")
    check.add_argument("--strict", action="store_true", help="drift fails too (exit 1)")
    check.add_argument("--jobs", type=_jobs, default=1, metavar="N", help="worker processes (default 1)")
    check.add_argument("paths", nargs="+", metavar="PATH")
    check.set_defaults(run=run)


def _jobs(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, found {text!r}") from None
    if not 1 <= value <= 64:
        raise argparse.ArgumentTypeError("expected 1 to 64")
    return value


def run(args: argparse.Namespace) -> int:
    return validate_paths(args, sys.stdout)


def validate_paths(args: argparse.Namespace, out: TextIO) -> int:
    try:  # refuse an unknown --schema/--endpoint before reading anything
        Validator(endpoint=args.endpoint, schema=args.schema)
    except LookupError as error:
        print(f"evaljobs: {error.args[0]}", file=sys.stderr)
        return USAGE
    if args.format == "text":
        writer: TextWriter | JsonWriter | JunitWriter = TextWriter(out)
    elif args.format == "json":
        writer = JsonWriter(out)
    else:
        writer = JunitWriter(out, args.strict)
    tally, status = Tally(), OK
    work = list(units(args.paths))
    progress = Progress(sum(item.size for item in work if isinstance(item, Unit)))
    try:
        for outcomes, size in _outcomes(work, args):
            for kind, value in outcomes:
                if kind == "report":
                    assert isinstance(value, Report)
                    tally.add(value)
                    writer.report(value)
                    if not value.valid or (args.strict and value.drift):
                        status = FINDINGS
                elif kind == "skipped":
                    assert isinstance(value, tuple)
                    tally.skipped += 1
                    writer.skipped(*value)
                else:
                    assert isinstance(value, tuple)
                    tally.unreadable += 1
                    print(f"evaljobs: {value[0]}: {value[1]}", file=sys.stderr)
            progress.advance(len(outcomes), size)
    finally:
        progress.close()
    writer.finish(tally, args.strict)
    return USAGE if tally.unreadable else status


def _outcomes(work: list[Unit | Payload], args: argparse.Namespace) -> Iterator[tuple[list[Outcome], int]]:
    """The outcomes of each unit, in input order; with --jobs, units are validated by worker processes."""
    options = (args.endpoint, args.schema)
    parallel = args.jobs > 1 and sum(isinstance(item, Unit) for item in work) > 1
    parallel = parallel and not any(isinstance(item, Unit) and item.path == "-" for item in work)
    if not parallel:
        validator = Validator(endpoint=args.endpoint, schema=args.schema)
        for item in work:
            yield _unit_outcomes(item, validator)
        return
    import multiprocessing  # noqa: PLC0415 - only with --jobs: it costs start-up time

    with multiprocessing.get_context("spawn").Pool(args.jobs, _start_worker, options) as pool:
        yield from pool.imap(_worker, work, chunksize=1)


_WORKER: Validator | None = None


def _start_worker(endpoint: str | None, schema: str | None) -> None:
    global _WORKER  # noqa: PLW0603 - one validator per worker process, built once
    _WORKER = Validator(endpoint=endpoint, schema=schema)


def _worker(item: Unit | Payload) -> tuple[list[Outcome], int]:
    assert _WORKER is not None
    return _unit_outcomes(item, _WORKER)


def _unit_outcomes(item: Unit | Payload, validator: Validator) -> tuple[list[Outcome], int]:
    if isinstance(item, Payload):
        return [("problem", (item.source, item.problem or ""))], 0
    return list(_check_all(payloads(item), validator)), item.size


def _check_all(found: Iterable[Payload], validator: Validator) -> Iterator[Outcome]:
    for payload in found:
        if payload.problem is not None:
            yield "problem", (payload.source, payload.problem)
        elif payload.skipped is not None:
            yield "skipped", (payload.source, payload.skipped)
        elif payload.exchange is not None and not validator.forced:  # --schema/--endpoint win over HAR
            targets = _registry.response(*payload.exchange)
            if not targets:
                method, path, status = payload.exchange
                yield "skipped", (payload.source, f"no operation of any spec answers {method} {path} with {status}")
            else:
                yield "report", validator.check(payload.data, payload.source, targets)
        else:
            yield "report", validator.check(payload.data, payload.source)

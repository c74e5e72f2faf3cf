"""``evaljobs validate``: check captured payloads against the specs.

Exit status: 0 no errors (drift allowed unless --strict), 1 errors found (or drift with --strict), 2 usage
or I/O error. One bad payload or unreadable file never stops the rest of the batch.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import chain, islice
from typing import TextIO

from evaljobs import _registry
from evaljobs._inputs import Payload, Unit, batches, payloads, units
from evaljobs._output import Format, Outcome, Progress, Rendered, Tally, Writer, formatter, render, use_colour
from evaljobs._validate import Validator

OK, FINDINGS, USAGE = 0, 1, 2


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
    check.add_argument(
        "--jobs", type=_jobs, default=1, metavar="N", help="processes sharing the work, this one included (default 1)"
    )
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
    settings = _Settings(args.endpoint, args.schema, args.format, use_colour(out), args.strict)
    writer, tally, progress = Writer(out, settings.format()), Tally(), Progress()
    jobs = 1 if "-" in args.paths else args.jobs  # standard input is read by this process alone
    try:
        for rendered in _rendered(batches(_sized(units(args.paths), progress)), settings, jobs):
            writer.write(rendered)
            tally.merge(rendered.tally)
            progress.advance(rendered.tally.outcomes, rendered.size)
    finally:
        progress.close()
    writer.finish(tally)
    if tally.unreadable:
        return USAGE
    return FINDINGS if tally.failing else OK


def _sized(work: Iterable[Unit | Payload], progress: Progress) -> Iterator[Unit | Payload]:
    """``work`` as it is found, each unit's size added to the progress display's total."""
    for item in work:
        if isinstance(item, Unit):
            progress.total += item.size
        yield item


def _rendered(grouped: Iterator[list[Unit | Payload]], settings: _Settings, jobs: int) -> Iterator[Rendered]:
    """Each batch validated and rendered, in input order. With --jobs, by worker processes, which start on
    the first batches while this process cuts the rest (it reads a JSONL file through to count its lines)."""
    first = list(islice(grouped, jobs))
    if len(first) < 2:  # one process: every batch cut first, so that the progress display knows the total
        yield from map(settings.render, [*first, *grouped])
        return
    from evaljobs._workers import ordered_map  # noqa: PLC0415 - only with --jobs

    yield from ordered_map(settings.render, chain(first, grouped), len(first))


@dataclass(frozen=True)
class _Settings:
    """What validating and rendering a batch needs; sent to each worker with the batch."""

    endpoint: str | None
    schema: str | None
    format_name: str
    colour: bool  # decided by the command's process: workers have no terminal to ask
    strict: bool

    def format(self) -> Format:
        return formatter(self.format_name, colour=self.colour, strict=self.strict)

    def render(self, batch: list[Unit | Payload]) -> Rendered:
        """The output of one batch. Each batch has a validator of its own (a validator tries the schema that
        matched last first, which can decide the schema named for a payload that fits several): so the
        output of a batch is the same whichever process validates it."""
        validator = Validator(endpoint=self.endpoint, schema=self.schema)
        outcomes = (outcome for item in batch for outcome in _outcomes(item, validator))
        return render(outcomes, self.format(), sum(item.size for item in batch if isinstance(item, Unit)))


def _outcomes(item: Unit | Payload, validator: Validator) -> Iterator[Outcome]:
    if isinstance(item, Payload):
        yield "problem", (item.source, item.problem or "")
        return
    for payload in payloads(item):
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

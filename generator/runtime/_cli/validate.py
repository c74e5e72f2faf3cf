"""``evaljobs validate``: check captured payloads against the specs.

Exit status: 0 no errors (drift allowed unless --strict or --fail-on), 1 errors found (or drift that fails), 2 usage
or I/O error (an input that could not be read or validated, or no input at all). One bad payload, unreadable
file or dead worker never stops the rest of the batch: what it cost is named on standard error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable, Iterator, Mapping
from itertools import chain, islice
from typing import TYPE_CHECKING, Any, TextIO

from evaljobs._inputs import Payload, Request, Unit, batches, payloads, units
from evaljobs._output import Format, Outcome, Progress, Rendered, Tally, Writer, formatter, render, use_colour
from evaljobs._record import FrozenRecord, replace
from evaljobs._report import Drift, Error, FailOn, Report
from evaljobs._validation import targets as _registry
from evaljobs._validation.targets import Target
from evaljobs._validation.validator import Validator

if TYPE_CHECKING:
    from evaljobs._cluster import Cluster
    from evaljobs._validation.request_checks import Matching

OK, FINDINGS, USAGE = 0, 1, 2


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    check = commands.add_parser(
        "validate",
        help="validate captured payloads",
        description=(
            "Validate .json files, .jsonl files (a payload a line), .har captures (each JSON response matched to "
            "its operation, and its request's body and parameters checked too), folders (recursively), - "
            "(stdin), .gz/.zst files, or URLs of any fsspec protocol (s3://bucket/captures/*.jsonl.gz: pip install "
            "'evaljobs[s3]'). Errors: the payload breaks the spec. Drift: it goes beyond it (unknown fields, "
            "unlisted enum values)."
        ),
    )
    target = check.add_mutually_exclusive_group()
    target.add_argument("--endpoint", metavar='"METHOD PATH"', help="the operation the payloads answer")
    target.add_argument("--schema", metavar="API.Name", help="the schema to validate against")
    check.add_argument(
        "--format",
        choices=["text", "json", "junit", "csv", "grouped", "sarif", "html"],
        default="text",
        help="report format: grouped is text by operation and finding with counts; sarif for code scanning; html "
        "a self-contained page",
    )
    check.add_argument(
        "--summary", action="store_true", help='with --format json: one last line, {"summary": {...}}, the totals'
    )
    failing = check.add_mutually_exclusive_group()
    failing.add_argument("--strict", action="store_true", help="drift fails too (exit 1): --fail-on warning")
    failing.add_argument(
        "--fail-on",
        choices=["error", "warning", "drift"],
        help="what fails (exit 1): errors (the default), also drift of severity warning, or also info findings",
    )
    pool = check.add_mutually_exclusive_group()
    pool.add_argument(
        "--jobs",
        type=_jobs,
        default=1,
        metavar="N",
        help="worker processes sharing the work (default 1: this process alone)",
    )
    pool.add_argument(
        "--dask",
        type=_dask,
        metavar="ADDRESS",
        help="validate on a Dask cluster: a scheduler's address (tcp://host:8786), or local[:N] for N worker "
        "processes here (needs pip install 'evaljobs[dask]')",
    )
    check.add_argument(
        "--coverage",
        action="store_true",
        help="after the report, the operations and documented response statuses the HAR exchanges reached",
    )
    check.add_argument(
        "--match",
        choices=["path", "basepath", "host"],
        default="path",
        help="how a captured exchange finds its spec: by its path (the default; a server's base path may lead it), "
        "only below a server's base path, or only on a server's scheme, host and port",
    )
    check.add_argument(
        "--server",
        action="append",
        default=[],
        metavar="URL",
        help="the server the captures were made against, in place of the specs' own servers (repeatable)",
    )
    check.add_argument(
        "--ignore-header",
        action="append",
        default=[],
        metavar="NAME",
        help="a request header that is nobody's concern, never reported as undocumented (a trailing * for a "
        "prefix: x-stainless-*; repeatable)",
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


def _dask(text: str) -> str:
    from evaljobs._cluster import parse_address  # noqa: PLC0415 - only with --dask

    try:
        return parse_address(text)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None


def run(args: argparse.Namespace) -> int:
    return validate_paths(args, sys.stdout)


def validate_paths(args: argparse.Namespace, out: TextIO) -> int:
    try:  # refuse an unknown --schema/--endpoint before reading anything
        Validator(endpoint=args.endpoint, schema=args.schema)
    except LookupError as error:
        print(f"evaljobs: {error.args[0]}", file=sys.stderr)
        return USAGE
    fail_on: FailOn = args.fail_on or ("warning" if args.strict else "error")
    if args.summary and args.format != "json":
        print("evaljobs: --summary goes with --format json", file=sys.stderr)
        return USAGE
    matching = None  # by the path alone (request_checks.BY_PATH): that module is for HAR captures only
    if args.match != "path" or args.server or args.ignore_header:
        from evaljobs._validation.request_checks import Matching  # noqa: PLC0415 - HAR captures only

        matching = Matching(args.match, tuple(args.server), tuple(name.lower() for name in args.ignore_header))
    settings = _Settings(args.endpoint, args.schema, args.format, use_colour(out), fail_on, matching, args.summary)
    writer, tally, progress = Writer(out, settings.format()), Tally(), Progress()
    streamed = "-" in args.paths  # standard input is read by this process alone, as it comes
    cluster = _cluster(args.dask, streamed) if getattr(args, "dask", None) else None
    if isinstance(cluster, int):
        return cluster
    try:
        grouped = batches(_sized(units(args.paths), progress))
        for rendered in _rendered(grouped, settings, 1 if streamed else args.jobs, streamed=streamed, cluster=cluster):
            writer.write(rendered)
            tally.merge(rendered.tally)
            progress.advance(rendered.tally.outcomes, rendered.size)
    finally:
        progress.close()
        if cluster is not None:
            cluster.close()
    found = None
    if args.coverage:
        from evaljobs._validation.request_checks import coverage  # noqa: PLC0415 - only with --coverage

        found = coverage(tally.seen)
    status = USAGE if not tally.outcomes or tally.unreadable else FINDINGS if tally.failing else OK
    writer.finish(tally, status, found)
    if found is not None and not writer.form.covers:  # (sarif, html and json --summary hold it)
        if args.format == "json":
            import json  # noqa: PLC0415 - only with --coverage

            out.write(json.dumps({"coverage": found}, sort_keys=False) + "\n")
        else:
            (out if args.format in ("text", "grouped") else sys.stderr).write(coverage_text(found))
    if not tally.outcomes:
        print(f"evaljobs: nothing to validate: no payload in {', '.join(args.paths)}", file=sys.stderr)
    return status


def _sized(work: Iterable[Unit | Payload], progress: Progress) -> Iterator[Unit | Payload]:
    """``work`` as it is found, each item's size added to the progress display's total."""
    for item in work:
        progress.total += item.size
        yield item


def _cluster(address: str, streamed: bool) -> Cluster | int:
    """The Dask cluster of ``--dask``, or the exit status of a usage error."""
    from evaljobs._cluster import Cluster, ClusterUnavailable  # noqa: PLC0415 - only with --dask

    if streamed:
        print("evaljobs: --dask validates files and URLs its workers read, not standard input (-)", file=sys.stderr)
        return USAGE
    try:
        return Cluster(address)
    except ClusterUnavailable as error:
        print(f"evaljobs: {error}", file=sys.stderr)
        return USAGE


def _rendered(
    grouped: Iterator[list[Unit | Payload]],
    settings: _Settings,
    jobs: int,
    *,
    streamed: bool,
    cluster: Cluster | None = None,
) -> Iterator[Rendered]:
    """Each batch validated and rendered, in input order. With --jobs, by worker processes, which start on
    the first batches while this process cuts the rest (it reads a JSONL file through to count its lines);
    a batch a worker could not finish (it died, or failed) is reported as not validated."""
    if cluster is not None:  # every batch a task of the cluster's (evaljobs._cluster)
        from evaljobs._cluster import ordered_map as on_cluster  # noqa: PLC0415 - only with --dask

        yield from on_cluster(settings.render, grouped, cluster, settings.not_validated)
        return
    first = list(islice(grouped, jobs))
    if len(first) < 2:  # one process: every batch cut first, so that the progress display knows the total
        # (but standard input, validated as it comes)
        yield from map(settings.render, chain(first, grouped) if streamed else [*first, *grouped])
        return
    from evaljobs._workers import ordered_map  # noqa: PLC0415 - only with --jobs

    yield from ordered_map(settings.render, chain(first, grouped), len(first), lost=settings.not_validated)


class _Settings(FrozenRecord):
    """What validating and rendering a batch needs; sent to each worker with the batch. ``colour`` is decided by
    the command's process (workers have no terminal to ask); ``matching`` None is request_checks.BY_PATH;
    ``summary`` is --summary (json)."""

    _fields = ("endpoint", "schema", "format_name", "colour", "fail_on", "matching", "summary")
    __slots__ = _fields
    endpoint: str | None
    schema: str | None
    format_name: str
    colour: bool
    fail_on: FailOn
    matching: Matching | None
    summary: bool

    def __init__(  # noqa: PLR0917 - a dataclass's signature: the fields in order
        self,
        endpoint: str | None,
        schema: str | None,
        format_name: str,
        colour: bool,
        fail_on: FailOn,
        matching: Matching | None = None,
        summary: bool = False,
    ) -> None:
        setter = object.__setattr__
        setter(self, "endpoint", endpoint)
        setter(self, "schema", schema)
        setter(self, "format_name", format_name)
        setter(self, "colour", colour)
        setter(self, "fail_on", fail_on)
        setter(self, "matching", matching)
        setter(self, "summary", summary)

    def format(self) -> Format:
        return formatter(self.format_name, colour=self.colour, fail_on=self.fail_on, summary=self.summary)

    def render(self, batch: list[Unit | Payload]) -> Rendered:
        """The output of one batch. Each batch has a validator of its own (a validator tries the schema that
        matched last first, which can decide the schema named for a payload that fits several): so the
        output of a batch is the same whichever process validates it."""
        validator = Validator(endpoint=self.endpoint, schema=self.schema)
        outcomes = (outcome for item in batch for outcome in _outcomes(item, validator, self.matching))
        return render(outcomes, self.format(), sum(item.size for item in batch))

    def not_validated(self, batch: list[Unit | Payload], reason: str) -> Rendered:
        """What stands for a batch that a worker process could not finish: each of its units named (a file,
        or lines of one) as not validated, a problem (exit status 2)."""
        outcomes: list[Outcome] = [
            ("problem", (item.where if isinstance(item, Unit) else item.source, f"not validated: {reason}"))
            for item in batch
        ]
        return render(outcomes, self.format(), sum(item.size for item in batch))


def _outcomes(item: Unit | Payload, validator: Validator, matching: Matching | None = None) -> Iterator[Outcome]:
    for payload in [item] if isinstance(item, Payload) else payloads(item):
        if payload.problem is not None:
            yield "problem", (payload.source, payload.problem)
        elif payload.request is not None:
            yield _stamped(_exchange(payload, payload.request, validator, matching), payload, payload.request)
        elif payload.skipped is not None:
            yield "skipped", (payload.source, payload.skipped)
        else:
            yield _checked(payload, validator)


def _stamped(outcome: Outcome, payload: Payload, sent: Request) -> Outcome:
    """An exchange's report with its request line and when it started (for the grouped, sarif and html reports)."""
    if isinstance(outcome[1], Report):
        outcome[1].endpoint, outcome[1].started = f"{sent.method.upper()} {sent.path}", payload.started
    return outcome


def _checked(payload: Payload, validator: Validator) -> Outcome:
    """The report on one payload; should validating it fail (a bug), a problem naming it, and the others
    are still validated."""
    try:
        return "report", validator.check(payload.data, payload.source)
    except Exception as error:  # one payload's failure is reported, and the run goes on
        return "problem", (payload.source, f"not validated: internal error ({type(error).__name__}: {error})")


def operation_targets(
    payload: Payload, validator: Validator, paths: Mapping[str, str] | None = None
) -> list[Target] | None:
    """The schemas of the response of a HAR entry's operation (empty: no operation answers it with its
    status), or None where the validator's own choice applies: a bare payload, or --schema/--endpoint named
    (they win over the HAR's operation). ``paths``: the exchange's path within each spec (``Matching``)."""
    if payload.exchange is None or validator.forced:
        return None
    return _registry.response(*payload.exchange, paths)


def _exchange(payload: Payload, sent: Request, validator: Validator, matching: Matching | None = None) -> Outcome:
    """The report on a captured exchange: its response (matched to its operation by method, path and status,
    unless --schema/--endpoint name the schema) and its request (see evaljobs._validation.request_checks),
    each finding marked with its side; a request no operation matches, and a status its operation does not
    document, are drift. An exchange whose response is not validated (no JSON body, no schema for its status) is
    skipped, unless the exchange has findings: then the report holds those alone (no schema)."""
    try:
        from evaljobs._validation import request_checks  # noqa: PLC0415 - HAR captures only

        if matching is None:
            matching = request_checks.BY_PATH
        paths = matching.paths(sent)
        response: Report | None = None
        skipped = payload.skipped
        if skipped is None:
            targets = operation_targets(payload, validator, paths)
            if targets == [] and payload.exchange is not None:
                method, path, status = payload.exchange
                skipped = f"no operation of any spec answers {method} {path} with {status}"
            if skipped is None:
                response = validator.check(payload.data, payload.source, targets)
        prefer = [response.schema.split(".", 1)[0]] if response is not None and response.schema else []
        request = request_checks.check(sent, prefer, matching, paths)
        errors: list[Error] = [] if request is None else [*request.errors]
        drift: list[Drift] = (
            [request_checks.undocumented(sent, matching, paths)] if request is None else [*request.drift]
        )
        if request is not None and payload.exchange is not None:
            status = payload.exchange[2]
            beyond = request_checks.undocumented_status(request.operation, status)
            if beyond is None:
                beyond = request_checks.unexpected_response_type(request.operation, status, payload.media_type)
            drift += [] if beyond is None else [beyond]
        if response is None and not (errors or drift):
            return "skipped", (payload.source, skipped or "")
        operation = None
        if request is not None and payload.exchange is not None:
            operation = (request.operation.api, request.operation.operation_id, payload.exchange[2])
        if response is None:
            return "report", Report(payload.source, None, errors, drift, operation)
        errors += [replace(error, side="response") for error in response.errors]
        drift += [replace(found, side="response") for found in response.drift]
        return "report", Report(payload.source, response.schema, errors, drift, operation)
    except Exception as error:  # one payload's failure is reported, and the run goes on
        return "problem", (payload.source, f"not validated: internal error ({type(error).__name__}: {error})")


def coverage_text(found: dict[str, Any]) -> str:
    """``--coverage`` as a person reads it: the totals, then each operation with the statuses seen."""
    operations, statuses = found["operations"], found["statuses"]
    lines = [
        f"coverage: {operations['seen']}/{operations['total']} operations, "
        f"{statuses['seen']}/{statuses['total']} documented statuses"
    ]
    for each in found["by_operation"]:
        seen = " ".join(each["seen"]) or "not seen"
        where = f"{each['api']} {each['method']} {each['path']} ({each['operation']})"
        lines.append(f"  {where}: {seen} of {' '.join(each['documented'])}")
    return "\n".join(lines) + "\n"

"""``evaljobs watch API JOB_ID``: follow a job live until it succeeds, fails or is cancelled.

The base URL and the token come from the environment variables the spec names (``--base-url`` overrides
the base URL; the token is never taken from the command line, where other users could read it). Without
``--operation``, the spec's job status operations are tried in turn until one knows the job (a v2 job id is
unknown to a v1 path).

Exit status: 0 the job succeeded; 1 it failed or was cancelled; 2 usage error, or the API could not be
asked (unknown job, connection error); 3 ``--timeout`` ran out first.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from evaljobs._clients.jobs import JobProgress, JobStatusSpec

SUCCEEDED, FAILED, USAGE, TIMED_OUT = 0, 1, 2, 3


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    watch = commands.add_parser(
        "watch",
        help="follow a job's state live until it ends",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    watch.add_argument("api", metavar="API", help="the API of the job (a spec name, e.g. nemo_evaluator)")
    watch.add_argument("job_id", metavar="JOB_ID")
    watch.add_argument("--base-url", help="the API's base URL (default: from the environment, then the spec)")
    watch.add_argument(
        "--operation",
        help="the status operation to poll (default: each of the spec's in turn, until one knows the job)",
    )
    watch.add_argument("--interval", type=_seconds, default=5.0, help="seconds between polls (default 5)")
    watch.add_argument("--timeout", type=_seconds, default=None, help="give up after this many seconds")
    watch.set_defaults(run=run)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, found {text!r}") from None
    if not 0 < value < 1e9:
        raise argparse.ArgumentTypeError("expected a number of seconds > 0")
    return value


def run(args: argparse.Namespace) -> int:
    return watch(args, sys.stdout)


def watch(args: argparse.Namespace, out: TextIO) -> int:
    import evaljobs  # noqa: PLC0415 - the clients load only for this subcommand
    from evaljobs._exceptions import EvaljobsError, NotFoundError, WaitTimeoutError  # noqa: PLC0415

    if args.api not in evaljobs.APIS:
        print(f"evaljobs watch: unknown API {args.api!r}; known: {', '.join(evaljobs.APIS)}", file=sys.stderr)
        return USAGE
    try:
        client_module = importlib.import_module(f"evaljobs.{args.api}._client")
    except ModuleNotFoundError:
        print(f"evaljobs watch: {args.api} has no client (it is not an OpenAPI spec)", file=sys.stderr)
        return USAGE
    choices = list(client_module.CONFIG.job_status)
    if not choices:
        print(f"evaljobs watch: {args.api} declares no job status operation", file=sys.stderr)
        return USAGE
    live = _Live(out)
    started = time.monotonic()  # the operations tried before the one that knows the job count too
    try:
        with client_module.Client(base_url=args.base_url) as client:
            final = _follow(client, args, [args.operation] if args.operation else choices, live, started)
    except WaitTimeoutError as error:
        live.end()
        print(f"evaljobs watch: {_clean(str(error))}", file=sys.stderr)
        return TIMED_OUT
    except NotFoundError as error:
        live.end()
        print(f"evaljobs watch: {_clean(str(error))}", file=sys.stderr)
        hint = _not_found_hint(args, client_module.CONFIG.job_status, live.seen)
        if hint:
            print(hint, file=sys.stderr)
        return USAGE
    except EvaljobsError as error:
        live.end()
        print(f"evaljobs watch: {_clean(str(error))}", file=sys.stderr)
        return USAGE
    live.end()
    summary = f"{final.state.value} after {time.monotonic() - started:.1f} s ({plural(final.polls, 'poll')})"
    print(f"{_clean(args.job_id)} {summary}", file=out)
    return SUCCEEDED if final.state.value == "succeeded" else FAILED


def _follow(
    client: Any, args: argparse.Namespace, operations: list[str], live: _Live, started: float
) -> JobProgress[Any]:
    """Wait with the first of ``operations`` that knows the job: an API with several status operations (v1 and
    v2 paths) answers 404 from those of the other kind. A 404 after the job was seen is the answer."""
    from evaljobs._exceptions import NotFoundError  # noqa: PLC0415

    *others, last = operations
    for operation in others:
        try:
            return _wait(client, args, operation, live, started)
        except NotFoundError:
            if live.seen:
                raise
    return _wait(client, args, last, live, started)


def _wait(client: Any, args: argparse.Namespace, operation: str, live: _Live, started: float) -> JobProgress[Any]:
    """``client.wait`` with what is left of ``--timeout`` since ``started``."""
    timeout = None if args.timeout is None else max(0.0, args.timeout - (time.monotonic() - started))
    progress: JobProgress[Any] = client.wait(
        args.job_id, timeout=timeout, poll_interval=args.interval, on_progress=live.show, operation=operation
    )
    return progress


def _not_found_hint(args: argparse.Namespace, specs: Mapping[str, JobStatusSpec], seen: bool) -> str | None:
    """What to try after a 404 (none once the job was seen): the status operations, with their paths."""
    if seen:
        return None
    listed = ", ".join(f"{name} ({spec.endpoint.method} {spec.endpoint.path})" for name, spec in specs.items())
    if args.operation and len(specs) > 1:
        return f"evaljobs watch: hint: another status operation may know the job; --operation is one of {listed}"
    return f"evaljobs watch: hint: no status operation knows the job ({listed}); check the job id and --base-url"


def plural(count: int, noun: str) -> str:
    """``1 poll``, ``2 polls``."""
    return f"{count} {noun}" + ("" if count == 1 else "s")


class _Live:
    """One line per change on a pipe; one line redrawn in place on a terminal."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.tty = out.isatty()
        self.last = ""
        self.drawn = False
        self.seen = False
        """Whether a poll answered with the job."""

    def show(self, progress: JobProgress[Any]) -> None:
        self.seen = True
        parts = [progress.job_id, progress.state.value]
        if progress.status is not None:
            parts.append(f"({progress.status})")
        if progress.progress is not None:
            parts.append(f"{progress.progress:.0f}%")
        if progress.message:
            parts.append(progress.message)
        line = _clean(" ".join(parts))
        if self.tty:
            self.out.write(f"\r\x1b[K{line}  [{progress.elapsed:.0f} s, {plural(progress.polls, 'poll')}]")
            self.out.flush()
            self.drawn = True
        elif line != self.last:
            print(line, file=self.out, flush=True)
        self.last = line

    def end(self) -> None:
        if self.drawn:
            self.out.write("\n")
            self.drawn = False


def _clean(text: str, limit: int = 200) -> str:
    """Text safe to print on a terminal: control and bidi characters escaped, length bounded."""
    escaped = "".join(
        char
        if char.isprintable() and not 0x202A <= ord(char) <= 0x202E and not 0x2066 <= ord(char) <= 0x2069
        else repr(char)[1:-1]
        if char.isascii()
        else f"\\u{ord(char):04x}"
        for char in text
    )
    return escaped if len(escaped) <= limit else escaped[: limit - 3] + "..."

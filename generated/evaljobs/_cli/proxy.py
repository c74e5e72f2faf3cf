"""``evaljobs proxy``: a recording reverse proxy in front of an API, checking its traffic as it goes.

Point a client at the proxy (its first line on standard output is ``listening on http://HOST:PORT``); each
request is forwarded to --target, the answer streamed back, and the exchange recorded (--har: HAR 1.2, a whole
document after every exchange, so that a killed proxy leaves a readable file; --ndjson: a line per exchange)
with its secrets redacted (Authorization, Cookie, Set-Cookie, X-Api-Key, credential query parameters) and
checked as ``evaljobs validate`` checks a capture: its findings are printed as they happen (--format text or
json), the same ones ``evaljobs validate`` prints for the capture file.

Ctrl-C or SIGTERM stops it: the capture is closed, the summary printed (and --coverage: the operations and
documented statuses the exchanges reached). Exit status: 0, or 1 when an exchange failed at --fail-on
(errors by default); 2 for a bad --target (not an http(s) URL, or nothing answers there), a port that cannot
be listened on, or a capture file that cannot be written.
"""

from __future__ import annotations

import argparse
import signal
import socket
import sys
from types import FrameType
from typing import TYPE_CHECKING, TextIO
from urllib.parse import urlsplit

if TYPE_CHECKING:
    from evaljobs._output import Outcome, Tally, Writer

OK, FINDINGS, USAGE = 0, 1, 2


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    proxy = commands.add_parser(
        "proxy",
        help="forward traffic to an API, recording and checking each exchange",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    proxy.add_argument("--target", required=True, metavar="URL", help="the API to forward to (http:// or https://)")
    proxy.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    proxy.add_argument("--port", type=_port, default=0, help="port (default 0: any free port)")
    capture = proxy.add_mutually_exclusive_group()
    capture.add_argument("--har", metavar="OUT", help="record the exchanges into this HAR 1.2 file")
    capture.add_argument("--ndjson", metavar="OUT", help="record the exchanges into this NDJSON file")
    proxy.add_argument("--format", choices=["text", "json"], default="text", help="how findings are printed")
    proxy.add_argument(
        "--fail-on",
        choices=["error", "warning", "drift"],
        default="error",
        help="what makes the exit status 1: errors (the default), also drift of severity warning, or also info",
    )
    proxy.add_argument(
        "--coverage", action="store_true", help="at the end, the operations and documented statuses reached"
    )
    proxy.add_argument(
        "--timeout", type=_positive, default=60.0, metavar="S", help="seconds to wait for the target (default 60)"
    )
    proxy.add_argument(
        "--body-limit",
        type=_size,
        default=None,
        metavar="BYTES",
        help="bytes of a body kept for the capture and the checks (default 8 MiB); longer ones pass unrecorded",
    )
    proxy.add_argument(
        "--match",
        choices=["path", "basepath", "host"],
        default="path",
        help="how an exchange finds its spec, as for evaljobs validate (the recorded URL is the target's)",
    )
    proxy.add_argument(
        "--server", action="append", default=[], metavar="URL", help="a server URL in place of the specs' own"
    )
    proxy.add_argument(
        "--ignore-header",
        action="append",
        default=[],
        metavar="NAME",
        help="a request header never reported as undocumented (a trailing * for a prefix: x-stainless-*)",
    )
    proxy.set_defaults(run=run)


def _port(text: str) -> int:
    if not text.isdigit() or int(text) > 65535:
        raise argparse.ArgumentTypeError(f"expected a port, 0 to 65535, found {text!r}")
    return int(text)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
    return value


def _size(text: str) -> int:
    if not text.isdigit():
        raise argparse.ArgumentTypeError(f"not a whole number of bytes: {text!r}")
    return int(text)


def target_problem(target: str, timeout: float) -> str | None:
    """Why ``target`` cannot be forwarded to (not an http(s) URL with a host, or nothing accepts a connection
    there), or None."""
    try:
        parts = urlsplit(target)
        port = parts.port
    except ValueError as error:
        return f"--target {target!r} is not a URL: {error}"
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return f"--target {target!r} is not an http:// or https:// URL with a host"
    if parts.query or parts.fragment:
        return f"--target {target!r}: a base URL has no query or fragment"
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((parts.hostname, port), timeout=min(timeout, 10.0)).close()
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        return f"--target {target}: nothing answers at {parts.hostname}:{port} ({reason})"
    return None


class _Stop(Exception):
    """SIGTERM, turned into the end of serving."""


def _stop(signum: int, frame: FrameType | None) -> None:
    raise _Stop


def run(args: argparse.Namespace) -> int:
    from evaljobs._capture_log import Recorder  # noqa: PLC0415 - keeps the other subcommands' start-up light
    from evaljobs._capture_record import DEFAULT_BODY_LIMIT  # noqa: PLC0415
    from evaljobs._output import Tally, Writer, formatter, render, use_colour  # noqa: PLC0415
    from evaljobs._proxy import ProxyServer  # noqa: PLC0415
    from evaljobs._validation.request_checks import Matching  # noqa: PLC0415

    problem = target_problem(args.target, args.timeout)
    if problem is not None:
        print(f"evaljobs proxy: {problem}", file=sys.stderr)
        return USAGE
    out = sys.stdout
    form = formatter(args.format, colour=use_colour(out), fail_on=args.fail_on)
    writer, tally = Writer(out, form), Tally()

    def show(outcome: Outcome) -> None:
        rendered = render([outcome], form, 0)
        writer.write(rendered)
        tally.merge(rendered.tally)
        out.flush()

    path = args.har or args.ndjson
    try:
        recorder = Recorder(
            path,
            "har" if args.har else "ndjson" if args.ndjson else None,
            matching=Matching(args.match, tuple(args.server), tuple(name.lower() for name in args.ignore_header)),
            fail_on=args.fail_on,
            on_outcome=show,
        )
    except OSError as error:
        print(f"evaljobs proxy: cannot write {path}: {error.strerror or error}", file=sys.stderr)
        return USAGE
    limit = DEFAULT_BODY_LIMIT if args.body_limit is None else args.body_limit
    try:
        server = ProxyServer(args.host, args.port, args.target, recorder, timeout=args.timeout, body_limit=limit)
    except OSError as error:
        recorder.close()
        print(f"evaljobs proxy: cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr)
        return USAGE
    print(f"listening on {server.url}", flush=True)
    print(f"  forwarding to {args.target}" + (f", recording into {path}" if path else ""), flush=True)
    previous = signal.signal(signal.SIGTERM, _stop)
    try:
        server.serve_forever(poll_interval=0.1)
    except (KeyboardInterrupt, _Stop):
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
        if not server.settle(timeout=min(args.timeout, 10.0)):  # the exchanges under way end and are recorded first
            print("evaljobs proxy: stopped with exchanges still under way: not recorded", file=sys.stderr)
        server.server_close()
        recorder.close()
    return _finish(args, writer, tally, out)


def _finish(args: argparse.Namespace, writer: Writer, tally: Tally, stream: TextIO) -> int:
    """The summary (and coverage) after serving, and the exit status."""
    import json  # noqa: PLC0415

    from evaljobs._cli.validate import coverage_text  # noqa: PLC0415
    from evaljobs._validation.request_checks import coverage  # noqa: PLC0415

    writer.finish(tally)
    if args.coverage:
        found = coverage(tally.seen)
        stream.write(json.dumps({"coverage": found}) + "\n" if args.format == "json" else coverage_text(found))
    stream.flush()
    return FINDINGS if tally.failing else OK

"""``evaljobs mock``: serve every operation of every OpenAPI spec from its examples, on loopback.

The first line on standard output is ``listening on http://HOST:PORT``; the served operations follow.

Jobs (operations marked with ``x-evaljobs-job``): a create call makes a job with a fresh id that lists, moves
from queued to running (1 s) to succeeded (3 s, mock seconds; ``--speed 10``: ten times faster), can be
cancelled, has results and downloads once it succeeded, and is gone after delete. A create request's header
``X-Mock-Schedule: running=0.5,failed=2`` gives the job its own schedule. The examples' ids stay fixed jobs.

Requests are checked as the spec says: the bearer token where its security asks for one (401; ``--no-auth``
accepts any request), path and query parameters and the JSON body (422 or 400 in the spec's error shape), and an
unknown method of a known path (405 with Allow).

Control endpoints: ``POST /_mock/faults`` with a JSON object (or a list of them) of the fields of
``evaljobs._mock.Fault``, ``DELETE /_mock/faults`` to clear them (and the jobs), ``GET /_mock/requests``
to list what was received; ``GET /_mock/jobs`` lists the created jobs, ``POST /_mock/jobs/ID`` with
``{"state": "failed"}`` or ``{"schedule": "running=1,succeeded=2"}`` sets one, ``DELETE /_mock/jobs`` forgets
them; ``POST /_mock/clock`` with ``{"advance": SECONDS}`` moves the clock on (``GET`` reads it).

Runs until interrupted (exit 0); 2 when it cannot listen.
"""

from __future__ import annotations

import argparse
import sys

USAGE = 2


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mock = commands.add_parser(
        "mock",
        help="serve every operation of every OpenAPI spec from its examples, with stateful jobs",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mock.add_argument("--host", default="127.0.0.1", help="loopback address to listen on (default 127.0.0.1)")
    mock.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    mock.add_argument("--log", action="store_true", help="log each request to standard error")
    mock.add_argument(
        "--speed", type=_positive, default=1.0, help="how many mock seconds pass in a real second (default 1)"
    )
    mock.add_argument(
        "--no-auth",
        dest="auth",
        action="store_false",
        help="accept requests without the bearer token the spec asks for",
    )
    mock.add_argument(
        "--download-size",
        type=_size,
        default=64 * 1024,
        metavar="BYTES",
        help="size of a job's synthesized download (default 65536)",
    )
    mock.set_defaults(run=run)


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be > 0: {text!r}")
    return value


def _size(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number of bytes: {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0: {text!r}")
    return value


def run(args: argparse.Namespace) -> int:
    from evaljobs._mock import MockServer  # noqa: PLC0415 - keeps the other subcommands' start-up light

    try:
        server = MockServer(
            args.host, args.port, log=args.log, speed=args.speed, auth=args.auth, download_size=args.download_size
        )
    except ValueError as error:
        print(f"evaljobs mock: {error}", file=sys.stderr)
        return USAGE
    except OSError as error:
        print(f"evaljobs mock: cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr)
        return USAGE
    print(f"listening on {server.url}", flush=True)
    for line in server.describe():
        print(f"  {line}")
    print(
        "  control: POST/DELETE /_mock/faults, GET /_mock/requests, GET/DELETE /_mock/jobs, POST /_mock/jobs/ID,"
        " GET/POST /_mock/clock",
        flush=True,
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0

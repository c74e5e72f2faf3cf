"""``evaljobs mock``: serve every operation of every OpenAPI spec from its examples, on loopback by default.

The first line on standard output is ``listening on http://HOST:PORT``; the served operations follow.
Faults are injected over HTTP: ``POST /_mock/faults`` with a JSON object (or a list of them) of the fields
of ``evaljobs._mock.Fault``, ``DELETE /_mock/faults`` to clear them, ``GET /_mock/requests`` to list what
was received. Runs until interrupted (exit 0); 2 when it cannot listen.
"""

from __future__ import annotations

import argparse
import sys

USAGE = 2


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    mock = commands.add_parser(
        "mock",
        help="serve every operation of every OpenAPI spec from its examples",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    mock.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    mock.add_argument("--port", type=int, default=0, help="port (default 0: any free port)")
    mock.add_argument("--log", action="store_true", help="log each request to standard error")
    mock.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    from evaljobs._mock import MockServer  # noqa: PLC0415 - keeps the other subcommands' start-up light

    try:
        server = MockServer(args.host, args.port, log=args.log)
    except OSError as error:
        print(f"evaljobs mock: cannot listen on {args.host}:{args.port}: {error.strerror or error}", file=sys.stderr)
        return USAGE
    print(f"listening on {server.url}", flush=True)
    for line in server.describe():
        print(f"  {line}")
    print("  faults: POST /_mock/faults, DELETE /_mock/faults; seen requests: GET /_mock/requests", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    return 0

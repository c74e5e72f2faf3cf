"""The ``evaljobs`` command line: one module per subcommand (``_cli_<name>.py``), dispatched from here.

Every subcommand returns its exit status; none ends in a traceback (2 for usage and unexpected errors).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from evaljobs import _cli_mock, _cli_validate, _cli_watch

USAGE = 2
SUBCOMMANDS = (_cli_validate, _cli_mock, _cli_watch)
"""Modules with ``add_parser(subparsers)``; the parser they add sets ``run(args) -> int`` as its default."""


def parser() -> argparse.ArgumentParser:
    main_parser = argparse.ArgumentParser(
        prog="evaljobs", description="Models, validators and clients for evaluation-job APIs."
    )
    commands = main_parser.add_subparsers(dest="command", required=True)
    for module in SUBCOMMANDS:
        module.add_parser(commands)
    return main_parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser().parse_args(argv)
        status: int = args.run(args)
        return status
    except KeyboardInterrupt:
        print("evaljobs: interrupted", file=sys.stderr)
        return USAGE
    except BrokenPipeError:
        return USAGE
    except Exception as error:  # never a traceback: report the failure as one line
        print(f"evaljobs: internal error: {type(error).__name__}: {error}", file=sys.stderr)
        return USAGE


if __name__ == "__main__":
    sys.exit(main())

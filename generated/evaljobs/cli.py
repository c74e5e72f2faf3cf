"""The ``evaljobs`` command line: one module per subcommand (``_cli/<name>.py``), dispatched from here.

Every subcommand returns its exit status; none ends in a traceback (2 for usage and unexpected errors).
``evaljobs --version`` prints the version and whether the native scanner is built.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence
from typing import Any

USAGE = 2
SUBCOMMANDS = ("validate", "suggest", "mock", "proxy", "watch", "schemas")
"""The subcommands, each in its module ``evaljobs._cli.<name>`` with ``add_parser(subparsers)``; the parser it
adds sets ``run(args) -> int`` as its default. Only the module of the subcommand named is imported (their
imports would cost each command's start-up the others' too); all are, for the top-level help or a usage error."""


def version() -> str:
    """``evaljobs 0.1.0 (native scanner: built)``: the installed version, and whether validation has the
    native scanner (without it, it gives the same answers 3-5x more slowly)."""
    from importlib.metadata import PackageNotFoundError  # noqa: PLC0415 - for --version only
    from importlib.metadata import version as installed_version  # noqa: PLC0415

    from evaljobs._validation.targets import NATIVE_VARIABLE  # noqa: PLC0415

    try:
        number = installed_version("evaljobs")
    except PackageNotFoundError:
        number = "(not installed)"
    try:
        importlib.import_module("_evaljobs_scan")
    except ImportError:
        native = "not built, as no C compiler was found at install: validation is 3-5x slower"
    else:
        off = os.environ.get(NATIVE_VARIABLE, "1") == "0"
        native = f"built, switched off by {NATIVE_VARIABLE}=0" if off else "built"
    return f"evaljobs {number} (native scanner _evaljobs_scan: {native})"


def _columns() -> int:
    """``shutil.get_terminal_size().columns``, without importing shutil (with bz2, lzma and fnmatch: 2 ms of the
    start-up of every command): ``COLUMNS``, else standard output's terminal, else 80."""
    try:
        columns = int(os.environ["COLUMNS"])
    except (KeyError, ValueError):
        columns = 0
    try:
        lines = int(os.environ["LINES"])
    except (KeyError, ValueError):
        lines = 0
    if columns <= 0 or lines <= 0:
        try:
            size = os.get_terminal_size(sys.__stdout__.fileno())  # type: ignore[union-attr]
        except (AttributeError, ValueError, OSError):
            size = os.terminal_size((80, 24))
        if columns <= 0:
            columns = size.columns or 80
    return columns


class _Parser(argparse.ArgumentParser):
    """argparse's parser, its help as wide as argparse makes it: argparse's formatter (made for every argument
    added, to check it) imports shutil to ask the width, unless it is given one."""

    def _get_formatter(self) -> argparse.HelpFormatter:
        # (typeshed's formatter_class takes prog alone; every HelpFormatter takes width, less argparse's margin of 2)
        return self.formatter_class(prog=self.prog, width=_columns() - 2)  # type: ignore[call-arg]


class _VersionAction(argparse.Action):
    """``--version``, worked out only when asked for (it reads the installed metadata)."""

    def __init__(self, option_strings: Sequence[str], dest: str = argparse.SUPPRESS, help: str | None = None) -> None:
        super().__init__(option_strings, dest=dest, default=argparse.SUPPRESS, nargs=0, help=help)

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        print(version())
        parser.exit()


def parser(argv: Sequence[str] | None = None) -> argparse.ArgumentParser:
    """The command line's parser: with the named subcommand only when ``argv`` starts with one (see SUBCOMMANDS)."""
    words = sys.argv[1:] if argv is None else argv
    named = [words[0]] if words and words[0] in SUBCOMMANDS else SUBCOMMANDS
    main_parser = _Parser(prog="evaljobs", description="Models, validators and clients for evaluation-job APIs.")
    main_parser.add_argument(
        "--version", action=_VersionAction, help="print the version and whether the native scanner is built"
    )
    commands = main_parser.add_subparsers(dest="command", required=True)
    for name in named:
        importlib.import_module(f"evaljobs._cli.{name}").add_parser(commands)
    return main_parser


def main(argv: Sequence[str] | None = None) -> int:
    try:
        args = parser(argv).parse_args(argv)
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

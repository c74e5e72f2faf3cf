"""Command line of the generator: ``python -m generator {generate,check}``.

Exit status: 0 done (or up to date), 1 problems in the specs (or generated/ is stale), 2 usage or I/O error,
130 interrupted. On any failure the output folder is left exactly as it was, and the message names the cause.
Warnings of the lint step (generator.load.lint) are printed and never fail generation.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from pathlib import Path

from generator.build import Api, prepare, write_package
from generator.problems import GenerationFailed
from generator.publish import output
from generator.publish.gate import gate
from generator.publish.interrupts import Interrupted, checkpoint, signals_as_exceptions

ROOT = Path(__file__).resolve().parent.parent
TRACEBACK_VARIABLE = "EVALJOBS_TRACEBACK"  # set to 1 to see the traceback of an internal error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m generator", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["generate", "check"])
    parser.add_argument(
        "--schemas", type=Path, default=ROOT / "schemas", help="folder of spec files (default: schemas/)"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "generated", help="output folder (default: generated/)")
    args = parser.parse_args(argv)
    if not args.schemas.is_dir():
        print(f"error: {args.schemas} is not a folder", file=sys.stderr)
        return 2
    published = False
    started = time.perf_counter()
    try:
        with signals_as_exceptions():
            apis = prepare(args.schemas)
            _print_warnings(apis)
            checkpoint("prepared")
            if args.command == "check":
                with output.staging(None) as package:
                    _build(apis, package)
                    return _report_check(package, args.out)
            with output.locked(args.out), output.staging(args.out) as package:
                _build(apis, package)
                checkpoint("staged")
                gate(package)
                checkpoint("gated")
                output.swap(package, args.out)
                published = True
    except GenerationFailed as failure:
        print(
            f"generation failed; {args.out}/ was left as it was. {len(failure.problems)} problem(s):", file=sys.stderr
        )
        for problem in failure.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except OSError as error:
        print(f"error: {error}; {args.out}/ was left as it was", file=sys.stderr)
        return 2
    except KeyboardInterrupt as interruption:
        cause = interruption.signal_name if isinstance(interruption, Interrupted) else "SIGINT"
        if published:
            print(f"interrupted ({cause}) after {args.out}/ was updated", file=sys.stderr)
        else:
            print(f"interrupted ({cause}); {args.out}/ was left as it was", file=sys.stderr)
        return 130
    except Exception as error:  # a bug of the generator: still no half-written output, and a short message
        if os.environ.get(TRACEBACK_VARIABLE):
            traceback.print_exc()
        print(
            f"internal error: {type(error).__name__}: {error}; {args.out}/ was left as it was"
            f" (set {TRACEBACK_VARIABLE}=1 for the traceback)",
            file=sys.stderr,
        )
        return 2
    names = ", ".join(f"evaljobs.{api.spec.name}" for api in apis)
    print(f"generated {names} in {time.perf_counter() - started:.2f} s")
    return 0


def _build(apis: list[Api], package: Path) -> None:
    write_package(apis, package)
    output.format_python(package)


def _print_warnings(apis: list[Api]) -> None:
    for api in apis:
        for warning in api.warnings:
            print(f"warning: {warning}", file=sys.stderr)


def _report_check(package: Path, out_dir: Path) -> int:
    summary = output.differences(package, out_dir / output.PACKAGE)
    if not summary:
        print(f"{out_dir.name}/ is up to date with schemas/ and the generator")
        return 0
    print(f"{out_dir.name}/ is stale: it is not what `make generate` writes. Run `make generate` and commit both.")
    print("\n".join(summary))
    return 1


if __name__ == "__main__":
    sys.exit(main())

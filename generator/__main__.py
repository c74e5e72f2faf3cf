"""Command line of the generator: ``python -m generator {generate,check}``.

Exit status: 0 done (or up to date), 1 problems in the specs (or generated/ is stale), 2 usage or I/O error.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from generator import output
from generator.build import prepare, write_package
from generator.problems import GenerationFailed

ROOT = Path(__file__).resolve().parent.parent


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
    started = time.perf_counter()
    try:
        apis = prepare(args.schemas)
        with output.staging(args.out) as package:
            write_package(apis, package)
            output.format_python(package)
            if args.command == "check":
                return _report_check(package, args.out)
            output.gate(package)
            output.swap(package, args.out)
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
    except KeyboardInterrupt:
        print(f"interrupted; {args.out}/ was left as it was", file=sys.stderr)
        return 130
    names = ", ".join(f"evaljobs.{api.spec.name}" for api in apis)
    print(f"generated {names} in {time.perf_counter() - started:.2f} s")
    return 0


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

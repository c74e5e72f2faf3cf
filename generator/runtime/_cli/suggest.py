"""``evaljobs suggest``: the spec changes that would document the drift of captured payloads.

Reads captures as ``evaljobs validate`` does (files, folders, JSONL, HAR, stdin), validates them, and prints
an RFC 6902 JSON Patch (``--format json-patch``, the default) or a YAML fragment (``--format yaml``) against
each hand-written spec (``--schemas DIR``, default ``schemas``: ``<api>.openapi.yaml``, ``.yml`` or ``.json``)
adding the unknown fields, with their inferred schemas, and the unknown enum values (``evaljobs._suggest``).
The patch's paths are JSON pointers into the spec document as parsed. ``--apply`` writes the patched specs
back instead: the additions inserted into the YAML text, its comments and layout kept.

Exit status: 0 (a patch printed, or ``[]``: nothing to suggest); 2 usage or I/O error (a capture that
cannot be read, a spec not found or not readable, no payload at all). Never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from evaljobs import _spec_text
from evaljobs._cli.validate import operation_targets
from evaljobs._inputs import Payload, payloads, units
from evaljobs._report import Report
from evaljobs._suggest import Observations, apply, fragment, patch
from evaljobs._validation.validator import Validator

OK, USAGE = 0, 2
SPEC_SUFFIXES = (".openapi.yaml", ".openapi.yml", ".openapi.json")


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    suggest = commands.add_parser(
        "suggest",
        help="suggest spec changes that document the drift of captured payloads",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    target = suggest.add_mutually_exclusive_group()
    target.add_argument("--endpoint", metavar='"METHOD PATH"', help="the operation the payloads answer")
    target.add_argument("--schema", metavar="API.Name", help="the schema to validate against")
    suggest.add_argument("--format", choices=["json-patch", "yaml"], default="json-patch", help="output format")
    suggest.add_argument("--schemas", metavar="DIR", default="schemas", help="the folder of the specs (schemas)")
    suggest.add_argument("--apply", action="store_true", help="write the patched specs instead of printing")
    suggest.add_argument("paths", nargs="+", metavar="PATH")
    suggest.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return suggest_paths(args, sys.stdout)


def suggest_paths(args: argparse.Namespace, out: TextIO) -> int:
    try:
        validator = Validator(endpoint=args.endpoint, schema=args.schema)
    except LookupError as error:
        print(f"evaljobs suggest: {error.args[0]}", file=sys.stderr)
        return USAGE
    folder = Path(args.schemas)
    if not folder.is_dir():
        print(f"evaljobs suggest: {folder}: no such folder of specs (--schemas DIR)", file=sys.stderr)
        return USAGE
    observations = Observations(documents={})
    files: dict[str, Path] = {}
    checked = failed = 0
    for item in units(args.paths):
        for payload in [item] if isinstance(item, Payload) else payloads(item):
            if payload.problem is not None:
                print(f"evaljobs suggest: {payload.source}: {payload.problem}", file=sys.stderr)
                failed += 1
                continue
            if payload.skipped is not None:
                continue
            report = _checked(payload, validator)
            if report is None:
                continue
            checked += 1
            if not report.drift or report.schema is None:
                continue
            api = report.schema.partition(".")[0]
            if api not in observations.documents:
                spec = _spec_file(folder, api)
                document = None if spec is None else _load(spec)
                if spec is None or document is None:
                    return USAGE
                observations.documents[api], files[api] = document, spec
            observations.add(report, _decoded(payload.data))
    for message in observations.unplaced:
        print(f"evaljobs suggest: {message}", file=sys.stderr)
    if not checked:
        if not failed:
            print(f"evaljobs suggest: nothing to read: no payload in {', '.join(args.paths)}", file=sys.stderr)
        return USAGE
    patches = {api: patch(observations.documents[api], placed) for api, placed in sorted(observations.placed.items())}
    patches = {api: operations for api, operations in patches.items() if operations}
    if args.apply:
        for api, operations in patches.items():
            _write(files[api], operations, apply(observations.documents[api], operations))
            print(f"evaljobs suggest: {files[api]}: {len(operations)} change(s) applied", file=sys.stderr)
    else:
        _print(patches, observations.documents, files, args.format, out)
    return USAGE if failed else OK


def _checked(payload: Payload, validator: Validator) -> Report | None:
    """The report on ``payload`` (a HAR entry against its operation's schemas), None for a HAR entry that
    no operation answers."""
    chosen = operation_targets(payload, validator)
    if chosen == []:
        return None
    return validator.check(payload.data, payload.source, chosen)


def _decoded(data: bytes) -> Any:
    from orjson import loads  # noqa: PLC0415 - payloads with drift only

    return loads(data)


def _spec_file(folder: Path, api: str) -> Path | None:
    for suffix in SPEC_SUFFIXES:
        path = folder / f"{api}{suffix}"
        if path.is_file():
            return path
    print(f"evaljobs suggest: no spec of {api} in {folder} ({api}.openapi.yaml)", file=sys.stderr)
    return None


def _load(path: Path) -> Any:
    """The spec at ``path`` as plain data, read as the generator reads it (generator/load/document.py);
    None, with a message, if it cannot be."""
    try:
        document = _spec_text.load(path.read_text(encoding="utf-8"), json_text=path.suffix == ".json")
    except Exception as error:  # a message, not a traceback (OSError, YAML and JSON errors alike)
        first = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
        print(f"evaljobs suggest: {path}: cannot read the spec: {first}", file=sys.stderr)
        return None
    if not isinstance(document, dict):
        print(f"evaljobs suggest: {path}: the spec is not a mapping", file=sys.stderr)
        return None
    return document


def _print(
    patches: dict[str, list[dict[str, Any]]],
    documents: dict[str, Any],
    files: dict[str, Path],
    format_name: str,
    out: TextIO,
) -> None:
    """One spec's patch as a JSON array (``[]`` for none); several specs' as an object, each spec file's
    patch under its path. The YAML fragment: one document per spec, naming its file."""
    if format_name == "yaml":
        for index, (api, operations) in enumerate(patches.items()):
            text = _spec_text.dump(fragment(documents[api], operations))
            out.write(f"{'---' + chr(10) if index else ''}# {files[api]}: merge into the spec\n{text}")
        return
    if len(patches) <= 1:
        out.write(json.dumps(next(iter(patches.values()), []), indent=2, ensure_ascii=False) + "\n")
        return
    merged = {str(files[api]): operations for api, operations in patches.items()}
    out.write(json.dumps(merged, indent=2, ensure_ascii=False) + "\n")


def _write(path: Path, operations: list[dict[str, Any]], patched: Any) -> None:
    """Write ``patched`` (the spec at ``path`` with ``operations`` applied) to ``path``: a YAML spec's text
    with the additions inserted, comments and layout kept, else (a place that cannot be edited as text)
    the document whole, with a word on stderr; a JSON spec indented by two."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        written = json.dumps(patched, indent=2, ensure_ascii=False) + "\n"
    else:
        edited = _spec_text.insert(text, operations)
        if edited is not None and _spec_text.load(edited) == patched:
            written = edited
        else:
            print(f"evaljobs suggest: {path}: written whole, without its comments", file=sys.stderr)
            written = _spec_text.dump(patched)
    temporary = path.with_name(path.name + ".suggest-tmp")
    temporary.write_text(written, encoding="utf-8")
    temporary.replace(path)

"""``evaljobs schemas [API]``: what each API offers by name: its operations (for ``--endpoint`` and the
clients), the operations ``evaljobs watch --operation`` can poll, and its schemas (for ``--schema``).

Exit status: 0; 2 for an unknown API.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Iterator
from typing import TextIO

USAGE = 2


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    schemas = commands.add_parser(
        "schemas",
        help="list every API with its operations and schemas",
        description=__doc__.split("\n\n", 1)[1] if __doc__ else None,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    schemas.add_argument("apis", metavar="API", nargs="*", help="the APIs to list (default: all)")
    schemas.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    return list_apis(args.apis, sys.stdout)


def list_apis(apis: list[str], out: TextIO) -> int:
    import evaljobs  # noqa: PLC0415 - only what this subcommand reads

    unknown = [api for api in apis if api not in evaljobs.APIS]
    if unknown:
        print(f"evaljobs schemas: unknown API {unknown[0]!r}; known: {', '.join(evaljobs.APIS)}", file=sys.stderr)
        return USAGE
    for index, api in enumerate(apis or evaljobs.APIS):
        if index:
            print(file=out)
        for line in describe(api):
            print(line, file=out)
    return 0


def describe(api: str) -> Iterator[str]:
    """The lines that list one API."""
    from evaljobs._validation.targets import routes_module  # noqa: PLC0415

    routes = routes_module(api)
    yield api
    try:
        operations = importlib.import_module(f"evaljobs.{api}._operations").OPERATIONS
        job_status = importlib.import_module(f"evaljobs.{api}._client").CONFIG.job_status
    except ModuleNotFoundError:  # a plain JSON Schema file: models and validation, no operations
        operations, job_status = (), {}
    if operations:
        yield '  operations (--endpoint "METHOD PATH"):'
        width = max(len(operation.operation_id) for operation in operations)
        for operation in operations:
            model = operation.success_model
            returns = f" -> {api}.{_schema_name(routes.CLASSES, model.__name__)}" if model is not None else ""
            yield f"    {operation.operation_id:<{width}}  {operation.method} {operation.path}{returns}"
    if job_status:
        yield f"  job status operations (evaljobs watch --operation): {', '.join(job_status)}"
    if routes.ROOT:
        yield f"  root schema: {api}.{routes.ROOT}"
    yield f"  schemas (--schema API.Name): {len(routes.CLASSES)}"
    for name in routes.CLASSES:
        yield f"    {api}.{name}"


def _schema_name(classes: dict[str, str], class_name: str) -> str:
    """The schema name of a model class (they differ only where the schema name is not an identifier)."""
    return next((name for name, cls in classes.items() if cls == class_name), class_name)

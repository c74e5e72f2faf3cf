"""Validation on Dask for those who already hold their payloads in a ``dask.bag`` or a dask dataframe.

    import dask.bag as db
    from evaljobs import scale

    lines = db.read_text("s3://bucket/captures/2026-12-*.jsonl.gz")  # a payload a line
    findings = scale.validate_bag(lines)  # a bag of reports, each in the shape of `--format json`
    print(scale.summary(findings))  # counts, first sources, schemas: merged partition by partition

A bag's items are payloads: JSON as bytes or text, an already parsed value (a record: a dict or list), or a
``(source, payload)`` pair naming it. Without a source, a payload is named ``partition-P:N`` (its partition
and its place in it, from 1). A dataframe is taken through its ``to_bag()``: a column of payloads, or two
columns, source and payload. A line's newline is not part of its payload (``read_text`` keeps it), and
blank text (``read_text`` gives the empty lines of a file too) is no payload.

Each partition is validated by one task, with a validator of its own, as one batch of ``evaljobs validate``
is; ``summary`` merges the partitions' counts in partition order, without a shuffle: a tree of small dicts.
Needs the extra ``evaljobs[dask]``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from evaljobs._validation.validator import Validator

__all__ = ["summary", "validate_bag"]

BLANK = b" \t\r\n"


def validate_bag(payloads: Any, *, endpoint: str | None = None, schema: str | None = None) -> Any:
    """A bag of the reports on ``payloads`` (a ``dask.bag.Bag``, or a dataframe or series), in order: a dict per
    payload, ``{"source", "schema", "valid", "errors", "drift"}`` as ``evaljobs validate --format json`` writes
    it. ``endpoint`` and ``schema`` as for ``evaljobs.validate``; raises LookupError at once for unknown ones."""
    import dask.bag as typed_bag  # noqa: PLC0415 - the optional extra
    from dask.delayed import delayed  # noqa: PLC0415

    bags: Any = typed_bag  # (not annotated throughout)
    Validator(endpoint=endpoint, schema=schema)  # an unknown schema or endpoint: refused before any task runs
    bag = payloads if isinstance(payloads, bags.Bag) else payloads.to_bag()
    parts = [
        delayed(_validated, pure=True)(part, index, endpoint, schema) for index, part in enumerate(bag.to_delayed())
    ]
    return bags.from_delayed(parts)


def _validated(items: Iterable[Any], partition: int, endpoint: str | None, schema: str | None) -> list[dict[str, Any]]:
    """The reports on one partition's payloads (a task)."""
    validator = Validator(endpoint=endpoint, schema=schema)
    found = []
    for number, item in enumerate(items, start=1):
        if isinstance(item, tuple) and len(item) == 2:
            source, payload = str(item[0]), item[1]
        else:
            source, payload = f"partition-{partition}:{number}", item
        if isinstance(payload, str):
            payload = payload.encode("utf-8", "surrogatepass")
        if isinstance(payload, bytes | bytearray):
            payload = bytes(payload).removesuffix(b"\n")  # (read_text's lines end with theirs)
            if not payload.strip(BLANK):
                continue
        found.append(validator.check(payload, source).as_json())
    return found


def summary(findings: Any, **compute: Any) -> dict[str, Any]:
    """What the reports of ``validate_bag`` add up to, computed (``compute``: the options of dask's
    ``compute``, ``scheduler=`` among them): ``payloads``, ``valid``, ``invalid``, ``drifted`` (valid ones with
    drift), ``schemas`` (payloads per schema named), and the sources of the first invalid and the first drifted
    payload in the bag's order (None when there is none)."""
    total: dict[str, Any] = findings.reduction(_count, _merged).compute(**compute)
    return total


def _count(reports: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """The summary of one partition."""
    counted: dict[str, Any] = {"payloads": 0, "valid": 0, "invalid": 0, "drifted": 0, "schemas": Counter()}
    first: dict[str, str | None] = {"first_invalid": None, "first_drifted": None}
    for report in reports:
        counted["payloads"] += 1
        if report["valid"]:
            counted["valid"] += 1
            if report["drift"]:
                counted["drifted"] += 1
                first["first_drifted"] = first["first_drifted"] or report["source"]
        else:
            counted["invalid"] += 1
            first["first_invalid"] = first["first_invalid"] or report["source"]
        if report["schema"]:
            counted["schemas"][report["schema"]] += 1
    return {**counted, **first}


def _merged(parts: Iterable[dict[str, Any]]) -> dict[str, Any]:
    """Partitions' summaries merged, in partition order (the first sources are the earliest)."""
    total = _count([])
    for part in parts:
        for name in ("payloads", "valid", "invalid", "drifted"):
            total[name] += part[name]
        total["schemas"].update(part["schemas"])
        for name in ("first_invalid", "first_drifted"):
            total[name] = total[name] or part[name]
    total["schemas"] = dict(sorted(total["schemas"].items()))
    return total

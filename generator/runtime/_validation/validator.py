"""Validate captured payloads with two engines, and the models as the reference where the second is unsure.

- The native scanner (``_evaljobs_scan``, C, native/scan.c; its programs in ``evaljobs._scanner_programs.<api>``)
  answers yes or no without building a Python object: "valid without drift or duplicate keys" (the strict
  program), "valid, perhaps with drift" (the lenient program, for a payload already decoded), or "refused",
  with how deep the refusal is and whether drift could explain it. Most captured traffic ends here, faster
  than parsing it would be. Where it cannot tell (an escaped key, an integer beyond 64 bits, a leap second,
  a schema it has no program for) or where it is not built, the walk decides.
- The walk (``evaljobs._validation.walk``, imported on first need): strict decoding, then every error with its JSON
  pointer and every drift, following the programs of ``evaljobs._walk_programs.<api>``, without pydantic;
  the models (``evaljobs._validation.reference``) only where the walk cannot word an error.

Without a schema or an endpoint named, the schema is detected: a payload is read only as a schema it shows
it is one of (``evaljobs._validation.detection``: enough of the schema's fields), else it is "no schema matches".

``validate(payload, endpoint=..., schema=...)`` is the Python API behind ``evaljobs validate``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from evaljobs._report import Drift, Error, Report
from evaljobs._validation import detection as _detection
from evaljobs._validation import targets as _registry
from evaljobs._validation.targets import TYPED, UNSURE, VALID, Target

__all__ = ["Validator", "validate"]


class Validator:
    """Validates many payloads against one choice of schemas (an endpoint, a schema, or detection)."""

    def __init__(self, *, endpoint: str | None = None, schema: str | None = None) -> None:
        self.forced = schema is not None or endpoint is not None
        if schema is not None:
            self.targets = [_registry.schema(schema)]
        elif endpoint is not None:
            self.targets = _registry.endpoint(endpoint)
        else:
            self.targets = list(_registry.response_targets())

    def check(
        self, payload: bytes | str | Any, source: str = "<payload>", targets: list[Target] | None = None
    ) -> Report:
        """The report on one payload, against ``targets`` if given (a HAR entry's operation), else this
        validator's choice."""
        chosen = self.targets if targets is None else targets
        detecting = targets is None and not self.forced  # (see evaljobs._validation.detection)
        if type(payload) is not bytes:
            if isinstance(payload, bytearray | memoryview):
                payload = bytes(payload)
            elif isinstance(payload, str):
                try:
                    payload = payload.encode("utf-8")
                except UnicodeEncodeError:
                    return _refused(source, "not accepted: a lone UTF-16 surrogate in the text", chosen)
        if type(payload) is bytes:
            first = chosen[0]  # the schema of the previous payload: captures come in runs of one schema
            native = first.native
            scanned = UNSURE if native is None else native.program.scan(native.node, payload)
            if scanned == VALID:
                # valid without drift: its keys are the schema's, so detection takes it unless it is {} or []
                if not (detecting and first.takes_empty and payload[1:2] != b'"' and _empty(payload)):
                    return Report(source, first.label)
                return _detection.unmatched(_loads(payload), chosen, source)
            # schema -> whether its refusal is one drift cannot explain (the lenient program refuses it too)
            refused: dict[Target, bool] = {}
            other = None
            if scanned != UNSURE:  # refused (UNSURE: the walk below decides)
                # the refusal read inline (targets.VALID says how): every payload that is not valid pays for it
                refused[first] = scanned <= -TYPED  # certain
                if (-scanned - 1) % TYPED <= 1:  # depth: perhaps another schema's payload, told before any parsing
                    other = _scanned_valid(payload, chosen, refused)
            if other is not None:
                if detecting and _empty(payload):
                    return _detection.unmatched(_loads(payload), chosen, source)
                _promote(chosen, other)
                return Report(source, other.label)
            from evaljobs._validation.decode import PayloadError, decode  # noqa: PLC0415 - not needed on the fast path

            try:
                value = decode(payload)  # strict, duplicate keys refused
            except PayloadError as error:
                return _refused(source, str(error), chosen, error.pointer)
            pool = chosen
            if detecting:  # only the schemas the payload shows it is one of
                pool = _detection.matching(value, chosen)
                if not pool:
                    return _detection.unmatched(value, chosen, source)
            # A schema that accepts the payload without drift knows all its keys, so it is a finalist.
            candidates = finalists(value, pool)
            strictly = _strictly_valid(payload, value, candidates, refused, source)
            if isinstance(strictly, Report):  # the walk's report on the only finalist: the full path's answer
                return strictly
            if strictly is not None:
                _promote(chosen, strictly)
                return Report(source, strictly.label)
            hopeless = {target for target, certain in refused.items() if certain}
            found = _drifted(payload, value, candidates, hopeless, source)
            if found is not None:
                return found
            from evaljobs._validation import walk as _walk  # noqa: PLC0415 - the full path, only when needed

            return _walk.report_among(value, candidates, source, decoded=True)
        from evaljobs._validation import walk as _walk  # noqa: PLC0415 - the full path, only when needed

        return _walk.report(payload, chosen, source, detect=detecting)


def _empty(data: bytes) -> bool:
    """Whether ``data`` is ``{}`` or ``[]`` (most objects show a key at once: ``{"``)."""
    return data[1:2] != b'"' and _detection.EMPTY.match(data) is not None


def _scanned_valid(payload: bytes, chosen: list[Target], refused: dict[Target, bool]) -> Target | None:
    """The first of ``chosen`` that the scanner finds ``payload`` valid for, without drift; None at the first
    it cannot tell about (the order of the schemas decides: see _strictly_valid). Refusals go in ``refused``."""
    certain = -TYPED  # (the loop asks every schema about a payload none takes: each step counts)
    for target in chosen:
        if target in refused:
            continue
        native = target.native
        if native is None:
            return None  # (UNSURE)
        program, node = native  # (unpacked: faster than two attribute lookups)
        outcome = program.scan(node, payload)
        if outcome == VALID:
            return target
        if outcome == UNSURE:
            return None
        refused[target] = outcome <= certain  # whether the refusal is certain (targets.VALID)
    return None


def _strictly_valid(
    payload: bytes, value: Any, candidates: list[Target], refused: dict[Target, bool], source: str
) -> Target | Report | None:
    """The first of ``candidates`` (finalists) that ``payload`` is valid for without drift, asking the
    scanner, then the walk where it cannot tell; a schema already in ``refused`` is not asked again, and each
    refusal goes there, with whether drift cannot explain it. (decode() has checked for duplicate keys.) A
    schema the scanner has no program for is left to the full path. Where the walk has answered for the only
    finalist, its report is returned, the full path's answer (it is not walked twice)."""
    keys = value.keys() if isinstance(value, dict) else None
    for target in candidates:
        if target in refused or not target.scannable:
            continue
        if keys is not None and target.fields and not keys <= target.fields:
            continue  # an unknown top-level field: drift, which the strict program refuses
        native = target.native
        outcome = UNSURE if native is None else native.program.scan(native.node, payload)
        if outcome == VALID:
            return target
        if outcome != UNSURE:
            refused[target] = outcome <= -TYPED  # certain (targets.VALID)
            continue
        from evaljobs._validation import walk as _walk  # noqa: PLC0415 - only where the scanner cannot tell

        report = _walk.check(value, target, source, decoded=True)
        if report.valid and not report.drift:
            return target
        if len(candidates) == 1:
            return report
        refused[target] = not report.valid
    return None


def _promote(chosen: list[Target], target: Target) -> None:
    """Put ``target`` first in line for the next payload (captures come in runs of one schema)."""
    chosen.remove(target)
    chosen.insert(0, target)


def finalists(value: Any, targets: Sequence[Target]) -> list[Target]:
    """The targets that know most of the top-level keys of ``value``, in order: the candidates for the
    schema a payload answers (an all-optional schema accepts any object, so validity alone cannot tell)."""
    if len(targets) == 1 or not isinstance(value, dict):
        return list(targets)
    # payloads of one schema mostly have the same keys (a payload with very many is not remembered)
    question = (tuple(value), tuple(targets)) if len(value) <= _REMEMBERED_KEYS else None
    found = _FINALISTS.get(question) if question is not None else None
    if found is None:
        indexed, knowing = _INDEX
        if not indexed.issuperset(targets):
            indexed, knowing = _indexed(targets)
        scores: dict[Target, int] = {}
        for key in value:
            for target in knowing.get(key, ()):
                scores[target] = scores.get(target, 0) + 1
        best = max(scores.get(target, 0) for target in targets)
        found = tuple(target for target in targets if scores.get(target, 0) == best)
        if question is not None:
            if len(_FINALISTS) >= _REMEMBERED:
                _FINALISTS.clear()
            _FINALISTS[question] = found
    return list(found)


# (top-level keys, targets) -> the finalists, for the key sets seen last (dict operations need no lock)
_FINALISTS: dict[tuple[tuple[str, ...], tuple[Target, ...]], tuple[Target, ...]] = {}
_REMEMBERED, _REMEMBERED_KEYS = 4096, 64

# (the targets indexed, a top-level key -> the indexed targets whose schema has it): replaced whole, never
# changed in place, so that threads sharing it need no lock (an update lost to a race is redone later)
_INDEX: tuple[frozenset[Target], dict[str, tuple[Target, ...]]] = (frozenset(), {})


def _indexed(targets: Sequence[Target]) -> tuple[frozenset[Target], dict[str, tuple[Target, ...]]]:
    global _INDEX  # noqa: PLW0603 - see _INDEX
    indexed, knowing = _INDEX
    knowing = dict(knowing)
    for target in targets:
        if target not in indexed:
            for name in target.fields:
                knowing[name] = (*knowing.get(name, ()), target)
    _INDEX = (indexed | frozenset(targets), knowing)
    return _INDEX


def _drifted(data: bytes, value: Any, finalists: list[Target], hopeless: set[Target], source: str) -> Report | None:
    """The report on a valid payload with drift, when the scanner's lenient program shows which ``finalists``
    it is valid for: the full path would pick the one of them with least drift. None: the full path decides
    (no finalist is valid, or the lenient program cannot tell for one of them). ``hopeless``: finalists
    refused for a reason drift cannot explain (a value of the wrong kind, a missing key), which the lenient
    program would refuse too, as it accepts all the strict one does and differs only on unknown fields and
    enum values."""
    from evaljobs._validation import walk as _walk  # noqa: PLC0415 - the full path, only when needed

    candidates: list[tuple[Target, list[Drift] | None]] = []  # with their drift, when one scan told it
    unsure = []
    for target in finalists:
        if target in hopeless:
            continue
        added = _walk.added_at_root(data, value, target.api, target.name)  # valid, drift only at the root
        if added is not None:
            candidates.append((target, added))
            continue
        native = target.lenient_native  # (decode() has refused duplicate keys, which it does not check)
        outcome = UNSURE if native is None else native.program.scan(native.node, data)
        if outcome == VALID:
            candidates.append((target, None))
        elif outcome > -TYPED:  # it cannot tell, or refused for another reason than a certain one (a
            unsure.append(target)  # format, a bound): the walk below tells whether the models refuse it too
    if not candidates:
        return None
    if any(_walk.valid_for(value, target) for target in unsure):
        return None
    best: Report | None = None
    for target, added in candidates:
        found = added if added is not None else _walk.drift(value, target.api, target.name, decoded=True)
        report = Report(source, target.label, drift=found)
        if best is None or len(report.drift) < len(best.drift):
            best = report
    return best


def _loads(data: bytes) -> Any:
    from orjson import loads  # noqa: PLC0415 - only for {} and [] here

    return loads(data)


def _refused(source: str, message: str, targets: list[Target], pointer: str = "") -> Report:
    only = targets[0].label if len(targets) == 1 else None
    return Report(source, only, errors=[Error(pointer, message)])


def validate(
    payload: bytes | str | Any,
    *,
    endpoint: str | None = None,
    schema: str | None = None,
    source: str = "<payload>",
) -> Report:
    """Validate ``payload`` (JSON bytes or text, or an already parsed value).

    ``schema`` names a model (``"nemo_evaluator.EvaluationJob"``); ``endpoint`` names an operation
    (``"GET /v1/evaluation/jobs/{job_id}"`` or a concrete path). Without either, the best-matching response
    schema of every spec is chosen and named in the report, or the report is the error "no schema matches"
    when the payload shows none (see ``evaljobs._validation.detection``). Raises LookupError for an unknown schema or
    endpoint.
    """
    return Validator(endpoint=endpoint, schema=schema).check(payload, source)

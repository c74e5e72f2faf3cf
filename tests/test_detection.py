"""Schema detection never calls a payload valid by accident (evaljobs._validation.detection): without --schema or
--endpoint, a payload is read as a schema only when it shares enough of that schema's fields."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest

import evaljobs
from evaljobs._validation import targets as _registry
from evaljobs._validation.detection import evidence, matching
from tests.conftest import ROOT

CAPTURES = ROOT / "samples" / "captures"
TARGETS = list(_registry.response_targets())


def detected(payload: Any) -> evaljobs.Report:
    return evaljobs.validate(payload if isinstance(payload, bytes) else json.dumps(payload).encode())


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (b"{}", "an empty object"),
        (b" {\n } ", "an empty object"),
        (b"[]", "an empty array"),
        (b'{"a": 1}', "declares any of its top-level fields ('a')"),
        (b"1", "is a number"),
        (b"null", "is null"),
        (b'["x"]', "is an array"),
    ],
)
def test_a_payload_that_shows_no_schema_is_an_error_at_the_root(text: bytes, reason: str) -> None:
    for report in (detected(text), evaljobs.validate(json.loads(text))):  # bytes, and an already parsed value
        assert not report.valid and report.schema is None
        assert [error.pointer for error in report.errors] == [""]
        assert report.errors[0].message.startswith("no schema matches: ") and reason in report.errors[0].message


@pytest.mark.parametrize("native", ["1", "0"], ids=["scanner", "without-scanner"])
@pytest.mark.parametrize("text", [b"{}", b"{\n}\n", b'{"a": 1}'])
def test_the_command_exits_1_for_an_empty_object_without_a_schema(native: str, text: bytes) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "evaljobs.cli", "validate", "--format", "json", "-"],
        input=text,
        capture_output=True,
        cwd=ROOT,
        timeout=120,
        check=False,
        env={**os.environ, "EVALJOBS_NATIVE": native},
    )
    assert result.returncode == 1, result.stdout
    (report,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert report["schema"] is None and report["valid"] is False


def test_another_apis_objects_are_not_valid_gradient_runs() -> None:
    """Before: a NeMo object, or a job wrapped in a new envelope, was 'valid with drift' as a Gradient run,
    whose fields are all optional."""
    job = json.loads((CAPTURES / "nemo_evaluator" / "v1-job-completed.json").read_text())
    for payload in (job["config"], job["target"], {"item": job}, {key.upper(): value for key, value in job.items()}):
        report = detected(payload)
        assert report.schema is None and not report.valid, report
        assert "no schema matches" in report.errors[0].message
    # an envelope named `job` is an EvaluationResult's field (issue 15): shown as one, with its `job` not a string
    report = detected({"job": job})
    assert report.schema == "nemo_evaluator.EvaluationResult" and [e.pointer for e in report.errors] == ["/job"]


def test_the_message_names_the_closest_schemas() -> None:
    status = json.loads((CAPTURES / "nemo_evaluator" / "v2-status-broken.json").read_text())
    status |= {"error_details": {}} | {f"new_{index}": index for index in range(6)}  # 5 shared, 6 unknown
    message = detected(status).errors[0].message
    assert "closest: nemo_evaluator.PlatformJobStatusResponse (5 fields shared, 6 unknown)" in message
    assert "--schema" in message
    named = evaljobs.validate(json.dumps(status).encode(), schema="nemo_evaluator.PlatformJobStatusResponse")
    assert len(named.drift) == 6 and "" not in {error.pointer for error in named.errors}  # named: checked as it


def test_a_named_schema_or_endpoint_still_takes_what_its_spec_allows() -> None:
    assert evaljobs.validate(b"{}", schema="gradient.EvaluationRunRetrieveResponse").valid
    assert evaljobs.validate(b"{}", endpoint="GET /v2/gen-ai/evaluation_runs/{evaluation_run_uuid}").valid


@pytest.mark.parametrize("target", [t for t in TARGETS if t.fields], ids=lambda t: t.label)
def test_the_rule_half_the_keys_and_half_the_required_fields(target: _registry.Target) -> None:
    """For every response schema: its own fields make it a candidate, even with as many unknown keys; one
    unknown key more, or more than half of its required fields missing, and it is not."""
    fields = sorted(target.fields)
    nodes, targets = _registry.check_program(target.api)
    required = sorted(field.key for field in nodes[targets[target.name]].fields if field.required)
    own = dict.fromkeys(fields)
    unknown = {f"zz_unknown_{index}": 1 for index in range(len(own))}
    assert target in matching(own, [target]) and target in matching(own | unknown, [target])
    assert target not in matching(own | unknown | {"zz_one_more": 1}, [target])
    for lacking in range(1, len(required) + 1):
        payload = {key: None for key in fields if key not in required[:lacking]}
        found = evidence(payload, target)
        assert (found.missing, found.required) == (lacking, len(required))
        assert (target in matching(payload, [target])) == (bool(payload) and 2 * lacking <= len(required))


def test_samples_of_one_schema_with_fields_misspelled_missing_or_added_are_still_detected() -> None:
    job = json.loads((CAPTURES / "nemo_evaluator" / "v1-job-completed.json").read_text())
    misspelled = {("confg" if key == "config" else key): value for key, value in job.items()}
    report = detected(misspelled)
    assert report.schema == "nemo_evaluator.EvaluationJob" and not report.valid
    assert "(the object has 'confg': a misspelling?)" in report.errors[0].message
    added = job | {f"new_{index}": index for index in range(len(job) - 1)}
    assert detected(added).schema == "nemo_evaluator.EvaluationJob" and detected(added).valid

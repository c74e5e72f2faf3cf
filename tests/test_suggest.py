"""``evaljobs suggest``: spec patches from drift.

The round trip on a spec of the test's own (generate, capture drift, suggest, patch, generate again: the same
captures validate without drift), the inference of schemas from observed values, the resolution of a
payload's place to the schema that owns it, and the command's output and errors.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml

from evaljobs import _spec_text
from evaljobs._cli import suggest as _cli_suggest
from evaljobs._datetimes import LOCAL_PATTERN
from evaljobs._suggest import infer, locate, owner
from evaljobs.cli import main
from generator.load.document import load_document
from tests.conftest import APIS, ROOT, SCHEMAS, spec
from tests.generation import run_generator, run_python

TINY = """\
openapi: 3.1.0
info: {title: Tiny jobs, version: "1"}
paths:
  /jobs/{job_id}:
    get:
      operationId: getJob
      parameters: [{name: job_id, in: path, required: true, schema: {type: string}}]
      responses:
        "200":
          description: the job
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Job"}
components:
  schemas:
    # a comment that --apply keeps
    Job:
      allOf:
        - $ref: "#/components/schemas/Resource"
        - type: object
          required: [status]
          properties:
            status: {$ref: "#/components/schemas/Status"}
            tasks:
              type: array
              items: {$ref: "#/components/schemas/Task"}
            owner:
              anyOf:
                - $ref: "#/components/schemas/Owner"
                - type: "null"
    Resource:
      type: object
      required: [id]
      properties:
        id: {type: string}
    Status:
      type: string
      enum: [queued, running, done]
    Task:
      type: object
      required: [name]
      properties:
        name: {type: string}
    Owner:
      type: object
      properties:
        email: {type: string}
"""

CAPTURES = [
    {
        "id": "j1",
        "status": "paused",
        "priority": 3,
        "started_at": "2025-01-01T00:00:00Z",
        "finished_at": "2025-01-01T00:10:00",
        "run_id": "3fa85f64-5717-4562-b3fc-2c963f66afa6",
        "tasks": [{"name": "a", "score": 0.5, "attempts": 1}, {"name": "b", "score": 1}],
        "owner": {"email": "x@example.com", "team": {"name": "ml", "size": 4}},
    },
    {
        "id": "j2",
        "status": "running",
        "priority": 5,
        "started_at": "2025-01-02T10:00:00.5+02:00",
        "finished_at": "2025-01-02T10:10:00Z",
        "run_id": "0a7c3f5e-4b2d-4f1a-9e8c-6d5b4a3f2e1d",
        "tasks": [],
        "owner": {"email": "y@example.com", "team": {"name": "ops"}},
        "note": None,
    },
]

EXPECTED_PATCH = [
    {
        "op": "add",
        "path": "/components/schemas/Job/allOf/1/properties/finished_at",
        "value": {"type": "string", "pattern": LOCAL_PATTERN, "x-evaljobs-datetime-offset": "optional"},
    },
    {"op": "add", "path": "/components/schemas/Job/allOf/1/properties/note", "value": {"type": "null"}},
    {"op": "add", "path": "/components/schemas/Job/allOf/1/properties/priority", "value": {"type": "integer"}},
    {
        "op": "add",
        "path": "/components/schemas/Job/allOf/1/properties/run_id",
        "value": {"type": "string", "format": "uuid"},
    },
    {
        "op": "add",
        "path": "/components/schemas/Job/allOf/1/properties/started_at",
        "value": {"type": "string", "format": "date-time"},
    },
    {
        "op": "add",
        "path": "/components/schemas/Owner/properties/team",
        "value": {
            "type": "object",
            "properties": {"name": {"type": "string"}, "size": {"type": "integer"}},
            "required": ["name"],
        },
    },
    {"op": "add", "path": "/components/schemas/Status/enum/-", "value": "paused"},
    {"op": "add", "path": "/components/schemas/Task/properties/attempts", "value": {"type": "integer"}},
    {"op": "add", "path": "/components/schemas/Task/properties/score", "value": {"type": "number"}},
]

VALIDATE = """
import json, sys
from evaljobs.cli import main
sys.exit(main(["validate", "--schema", "tiny.Job", "--format", "json", *sys.argv[1:]]))
"""


def _run(code: str, package: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``code`` in a fresh interpreter importing ``evaljobs`` from ``package``, with ``args`` as sys.argv[1:]."""
    return run_python(f"import sys; sys.argv[1:] = {list(args)!r}\n" + textwrap.dedent(code), package)


def _apply(document: Any, operations: list[dict[str, Any]]) -> Any:
    """A small RFC 6902 applier, for ``add`` (the only operation a suggestion makes): independent of the
    command's own (``--apply``)."""
    for operation in operations:
        assert operation["op"] == "add"
        *parents, last = [t.replace("~1", "/").replace("~0", "~") for t in operation["path"].split("/")[1:]]
        node = document
        for token in parents:
            node = node[int(token)] if isinstance(node, list) else node[token]
        if isinstance(node, list):
            node.insert(len(node) if last == "-" else int(last), operation["value"])
        else:
            assert last not in node, operation
            node[last] = operation["value"]
    return document


def _reports(result: subprocess.CompletedProcess[str]) -> list[dict[str, Any]]:
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_round_trip_patch_then_generate_leaves_no_drift(tmp_path: Path) -> None:
    schemas, captures = tmp_path / "schemas", tmp_path / "captures"
    schemas.mkdir()
    captures.mkdir()
    (schemas / "tiny.openapi.yaml").write_text(TINY)
    (captures / "one.json").write_text(json.dumps(CAPTURES[0]))
    (captures / "more.jsonl").write_text(json.dumps(CAPTURES[1]) + "\n")
    before = tmp_path / "before"
    generated = run_generator("generate", schemas, before)
    assert generated.returncode == 0, generated.stderr
    drifted = _run(VALIDATE, before, str(captures))
    assert all(report["valid"] and report["drift"] for report in _reports(drifted)), drifted.stdout

    suggest = """
    import sys
    from evaljobs.cli import main
    sys.exit(main(["suggest", "--schema", "tiny.Job", *sys.argv[1:]]))
    """
    suggested = _run(suggest, before, "--schemas", str(schemas), str(captures))
    assert suggested.returncode == 0, suggested.stderr
    operations = json.loads(suggested.stdout)
    assert operations == EXPECTED_PATCH

    document, problems = load_document(schemas / "tiny.openapi.yaml", "tiny")
    assert not problems
    patched = _apply(document, operations)
    applied = _run(suggest, before, "--apply", "--schemas", str(schemas), str(captures))  # the command's own
    assert applied.returncode == 0, applied.stderr
    assert load_document(schemas / "tiny.openapi.yaml", "tiny") == (patched, [])
    assert "# a comment that --apply keeps" in (schemas / "tiny.openapi.yaml").read_text()

    after = tmp_path / "after"
    regenerated = run_generator("generate", schemas, after)
    assert regenerated.returncode == 0, regenerated.stderr
    checked = _run(VALIDATE, after, str(captures))
    assert checked.returncode == 0, checked.stderr
    reports = _reports(checked)
    assert len(reports) == 2
    assert all(report["valid"] and not report["drift"] for report in reports), checked.stdout
    again = _run(suggest, after, "--schemas", str(schemas), str(captures))
    assert (again.returncode, json.loads(again.stdout)) == (0, [])


def test_round_trip_on_the_project_specs_and_samples(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The bundled samples' drift, applied to a copy of schemas/ (flow-style enums among the places)."""
    schemas = tmp_path / "schemas"
    shutil.copytree(SCHEMAS, schemas, ignore=shutil.ignore_patterns("*.md"))
    validate = """
    import sys
    from evaljobs.cli import main
    sys.exit(main(["validate", "--format", "json", *sys.argv[1:]]))
    """
    before = _reports(_run(validate, ROOT / "generated", str(ROOT / "samples/captures")))
    assert any(report["drift"] for report in before)
    assert main(["suggest", "--apply", "--schemas", str(schemas), str(ROOT / "samples/captures")]) == 0
    assert "written whole" not in capsys.readouterr().err  # inserted into the text, comments kept
    generated = run_generator("generate", schemas, tmp_path / "out")
    assert generated.returncode == 0, generated.stderr
    after = _reports(_run(validate, tmp_path / "out", str(ROOT / "samples/captures")))
    assert [(report["source"], report["valid"]) for report in after] == [
        (report["source"], report["valid"]) for report in before
    ]
    assert not any(report["drift"] for report in after)


# Inference -------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("values", "schema"),
    [
        ([1, 2], {"type": "integer"}),
        ([1, 2.5], {"type": "number"}),
        ([1.0], {"type": "number"}),  # 1.0 is no integer literal: the spec's integers refuse it
        ([True], {"type": "boolean"}),
        (["a", None], {"type": ["string", "null"]}),
        ([None], {"type": "null"}),
        (["2025-01-01T00:00:00Z", "2025-01-01T00:00:00.123+05:30"], {"type": "string", "format": "date-time"}),
        (
            ["2025-01-01T00:00:00", "2025-01-01T00:00:00Z"],
            {"type": "string", "pattern": LOCAL_PATTERN, "x-evaljobs-datetime-offset": "optional"},
        ),
        (["2025-01-01T00:00:00Z", "soon"], {"type": "string"}),
        (["3fa85f64-5717-4562-b3fc-2c963f66afa6"], {"type": "string", "format": "uuid"}),
        (["https://example.com/a?b=c"], {"type": "string", "format": "uri"}),
        (["https://example.com/", "example.com"], {"type": "string"}),
        ([[1], [], [2, 3]], {"type": "array", "items": {"type": "integer"}}),
        ([[]], {"type": "array"}),
        ([1, "a"], {"anyOf": [{"type": "integer"}, {"type": "string"}]}),
        (
            [{"a": 1, "b": {"c": "x"}}, {"a": None}],
            {
                "type": "object",
                "properties": {
                    "a": {"type": ["integer", "null"]},
                    "b": {"type": "object", "properties": {"c": {"type": "string"}}, "required": ["c"]},
                },
                "required": ["a"],
            },
        ),
    ],
)
def test_infer(values: list[Any], schema: dict[str, Any]) -> None:
    assert infer(values) == schema


def test_infer_openapi_30_nullable() -> None:
    assert infer([1, None], nullable_keyword=True) == {"type": "integer", "nullable": True}
    assert infer([None], nullable_keyword=True) == {"nullable": True}


# Owner resolution ------------------------------------------------------------------------------------------

TINY_DOCUMENT = yaml.safe_load(TINY)
JOB = "/components/schemas/Job"


def test_a_referenced_component_is_patched_not_the_referring_place() -> None:
    payload = {"status": "x", "owner": {"email": "e", "team": {}}}
    place = locate(TINY_DOCUMENT, JOB, "/owner", payload)
    assert place == "/components/schemas/Job/allOf/1/properties/owner"
    assert owner(TINY_DOCUMENT, place, payload["owner"]) == "/components/schemas/Owner"  # anyOf member, $ref'd


def test_an_array_item_is_owned_by_the_items_schema() -> None:
    payload = {"tasks": [{"name": "a"}, {"name": "b", "score": 1}]}
    place = locate(TINY_DOCUMENT, JOB, "/tasks/1", payload)
    assert place == "/components/schemas/Job/allOf/1/properties/tasks/items"
    assert owner(TINY_DOCUMENT, place, payload["tasks"][1]) == "/components/schemas/Task"


def test_an_allof_field_goes_to_the_inline_member() -> None:
    payload = {"id": "j", "status": "done", "extra": 1}
    assert owner(TINY_DOCUMENT, JOB, payload) == "/components/schemas/Job/allOf/1"
    assert locate(TINY_DOCUMENT, JOB, "/id", payload) == "/components/schemas/Resource/properties/id"
    assert locate(TINY_DOCUMENT, JOB, "/missing/x", {"missing": {"x": 1}}) is None


def test_the_project_specs_are_read_as_the_generator_reads_them() -> None:
    for api in APIS:
        path = SCHEMAS / f"{api}.openapi.yaml"
        assert _cli_suggest._load(path) == spec(api)


def test_insert_keeps_comments_and_layout() -> None:
    text = textwrap.dedent("""\
        a:
          properties:
            x: {type: string}  # x
            y:
              description: |-
                long

          # before b
        b: {properties: {}}
        c:
          enum:
          - one
        d: {enum: [one]}
        e:
          type: object""")
    operations = [
        {"op": "add", "path": "/a/properties/z", "value": {"type": "integer"}},
        {"op": "add", "path": "/b/properties/z", "value": {"type": "string", "format": "date-time"}},
        {"op": "add", "path": "/c/enum/-", "value": "two"},
        {"op": "add", "path": "/c/enum/-", "value": "null"},
        {"op": "add", "path": "/d/enum/-", "value": "two"},
        {"op": "add", "path": "/e/properties", "value": {"z": {"type": "boolean"}}},
    ]
    edited = _spec_text.insert(text, operations)
    assert edited == textwrap.dedent("""\
        a:
          properties:
            x: {type: string}  # x
            y:
              description: |-
                long
            z:
              type: integer

          # before b
        b: {properties: {z: {type: string, format: date-time}}}
        c:
          enum:
          - one
          - two
          - 'null'
        d: {enum: [one, two]}
        e:
          type: object
          properties:
            z:
              type: boolean
        """)
    assert _spec_text.insert("a: &x {p: 1}\nb: *x\n", [{"op": "add", "path": "/a/p", "value": 2}]) is None


# The command -----------------------------------------------------------------------------------------------


def test_samples_give_a_patch_per_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["suggest", "--schemas", str(SCHEMAS), "samples/captures/gradient"]) == 0
    operations = json.loads(capsys.readouterr().out)
    assert {
        "op": "add",
        "path": "/components/schemas/APIEvaluationRunStatus/enum/-",
        "value": "EVALUATION_RUN_TIMED_OUT",
    } in operations
    assert main(["suggest", "--schemas", str(SCHEMAS), "samples/captures"]) == 0
    assert sorted(json.loads(capsys.readouterr().out)) == [f"{SCHEMAS}/{api}.openapi.yaml" for api in sorted(APIS)]


def test_yaml_fragment(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["suggest", "--format", "yaml", "--schemas", str(SCHEMAS), "samples/captures/gradient"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"# {SCHEMAS}/gradient.openapi.yaml: merge into the spec\n")
    fragment = yaml.safe_load(out)
    run = fragment["components"]["schemas"]
    assert run["APIEvaluationRun"]["properties"]["agent_region"] == {"type": "string"}
    listed = spec("gradient")["components"]["schemas"]["APIEvaluationRunStatus"]["enum"]
    assert run["APIEvaluationRunStatus"]["enum"] == [*listed, "EVALUATION_RUN_TIMED_OUT"]


def test_nothing_to_suggest(capsys: pytest.CaptureFixture[str]) -> None:
    capture = "samples/captures/nemo_evaluator/v1-job-completed.json"
    assert main(["suggest", "--schemas", str(SCHEMAS), capture]) == 0
    assert capsys.readouterr().out == "[]\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["suggest", "no/such/capture.json"], "no/such/capture.json: no such file or folder"),
        (["suggest", "--schemas", "no/such/folder", "samples/captures"], "no/such/folder: no such folder of specs"),
        (["suggest", "--schema", "gradient.Nope", "samples/captures"], "gradient has no schema 'Nope'"),
        (["suggest", "--format", "csv", "samples/captures"], "invalid choice: 'csv'"),
    ],
)
def test_usage_errors_exit_2(args: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    try:
        status = main(args)
    except SystemExit as exit:  # argparse's own usage errors
        status = exit.code  # type: ignore[assignment]
    captured = capsys.readouterr()
    assert status == 2
    assert message in captured.err
    assert captured.out == ""
    assert "Traceback" not in captured.err


def test_a_spec_that_is_missing_or_broken_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    capture = "samples/captures/gradient/evaluation-run-drifted.json"
    assert main(["suggest", "--schemas", str(tmp_path), capture]) == 2
    assert "no spec of gradient" in capsys.readouterr().err
    (tmp_path / "gradient.openapi.yaml").write_text("a: 1\na: 2\n")
    assert main(["suggest", "--schemas", str(tmp_path), str(tmp_path)]) == 2  # a folder with no capture
    assert "nothing to read: no payload in" in capsys.readouterr().err
    assert main(["suggest", "--schemas", str(tmp_path), capture]) == 2
    assert "duplicate key 'a'" in capsys.readouterr().err

"""A spec the generator has never seen gets a working client, pager, waiter and mock with no generator change:
everything API-specific comes from the spec's ``x-evaljobs-*`` extensions. Also: refusals of bad extensions."""

from __future__ import annotations

import textwrap
from pathlib import Path

from tests.generation import run_generator, run_python

WIDGETS = """
openapi: 3.1.0
info: {title: Widget runs, version: "1"}
servers: [{url: "https://widgets.example.test/api"}]
x-evaljobs-base-url-env: [WIDGETS_URL]
x-evaljobs-token-env: WIDGETS_TOKEN
x-evaljobs-request-id-header: x-trace
x-evaljobs-mock-unknown-id: "404"
paths:
  /runs:
    get:
      operationId: listRuns
      x-evaljobs-pagination: {style: cursor, cursor_param: after, next_field: meta.next, items_field: runs}
      parameters:
        - {name: after, in: query, schema: {type: string}}
        - {name: state-filter, in: query, schema: {$ref: "#/components/schemas/RunState"}}
      responses:
        "200":
          description: A page.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/RunPage"}
              examples:
                complete: {value: {runs: [{uuid: r-1, phase: BUSY}], meta: {next: null}}}
  /runs/{run_id}/notes:
    post:
      operationId: addNote
      parameters:
        - {name: run_id, in: path, required: true, schema: {type: string}, example: r-1}
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Note"}
      responses:
        "201":
          description: The note.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Note"}
              examples:
                complete: {value: {text: noted}}
  /runs/{run_id}:
    get:
      operationId: getRun
      summary: One run
      x-evaljobs-job-status: {state_field: phase, progress_field: done_pct}
      parameters:
        - {name: run_id, in: path, required: true, schema: {type: string}, example: r-1}
      responses:
        "200":
          description: A run.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Run"}
              examples:
                complete: {value: {uuid: r-1, phase: FINE, done_pct: 100}}
        "404":
          description: No such run.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Problem"}
              examples:
                complete: {value: {why: no such run}}
components:
  schemas:
    RunState:
      type: string
      enum: [WAIT, BUSY, FINE, BAD, STOPPED]
      x-evaljobs-job-states: {queued: [WAIT], running: [BUSY], succeeded: [FINE], failed: [BAD], cancelled: [STOPPED]}
    Run:
      type: object
      required: [uuid]
      properties:
        uuid: {type: string}
        phase: {$ref: "#/components/schemas/RunState"}
        done_pct: {type: number}
    RunPage:
      type: object
      properties:
        runs: {type: array, items: {$ref: "#/components/schemas/Run"}}
        meta: {type: object, properties: {next: {type: [string, "null"]}}}
    Note:
      type: object
      required: [text]
      properties:
        text: {type: string}
    Problem:
      type: object
      properties:
        why: {type: string}
"""

USE = """
import asyncio, os
from evaljobs._mock import Fault, MockServer
from evaljobs.widgets import Client, AsyncClient, NotFoundError, JobState, ServerError
from evaljobs.widgets.models import Note, Run, RunState

with MockServer() as mock:
    os.environ["WIDGETS_URL"] = mock.url
    os.environ["WIDGETS_TOKEN"] = "tok-secret"
    with Client() as client:
        assert "tok-secret" not in repr(client)
        run = client.get_run("r-1")
        assert type(run) is Run and run.phase is RunState.FINE
        assert mock.requests[-1].headers["Authorization"] == "Bearer tok-secret"
        try:
            client.get_run("r-2")
        except NotFoundError as error:
            assert error.body.why == "no such run" and error.request_id.startswith("mock-"), error
        else:
            raise AssertionError("unknown id served")
        mock.inject(Fault(path="/runs", body={"runs": [{"uuid": "a"}], "meta": {"next": "c1"}}))
        assert [r.uuid for r in client.iter_list_runs(state_filter="BUSY")] == ["a", "r-1"]
        assert mock.requests[-1].query == "state-filter=BUSY&after=c1", mock.requests[-1].query
        mock.inject(*(Fault(path="/runs/{run_id}", body={"uuid": "r-1", "phase": p, "done_pct": n})
                      for p, n in (("WAIT", 0), ("BUSY", 50), ("BAD", 60))))
        seen = []
        final = client.wait("r-1", poll_interval=0.01, on_progress=seen.append)
        assert client.add_note("r-1", Note(text="é")).text == "noted"
        sent = mock.requests[-1]
        assert (sent.method, sent.body) == ("POST", '{"text":"é"}'.encode())
        assert sent.headers["Content-Type"] == "application/json"
        client.add_note("r-1", {"text": "raw", "extra": [1]})
        assert mock.requests[-1].body == b'{"text":"raw","extra":[1]}'
        before = len(mock.requests)
        mock.inject(Fault(method="POST", status=503), Fault(method="POST", status=503))
        try:
            client.add_note("r-1", {"text": "once"})
        except ServerError:
            pass
        else:
            raise AssertionError("a 503 on POST succeeded")
        assert len(mock.requests) == before + 1, "a POST that reached the server is not retried on a 503"
        assert [p.state for p in seen] == [JobState.QUEUED, JobState.RUNNING, JobState.FAILED]
        assert final.progress == 60.0 and final.done

    async def main():
        async with AsyncClient(base_url=mock.url) as client:
            return [r.uuid async for r in client.iter_list_runs()]
    assert asyncio.run(main()) == ["r-1"]
print("ok")
"""


def test_a_new_spec_gets_a_working_client_pager_waiter_and_mock(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    (schemas / "widgets.openapi.yaml").write_text(WIDGETS)
    result = run_generator("generate", schemas, tmp_path / "out")
    assert result.returncode == 0, result.stderr
    check = run_python(textwrap.dedent(USE), tmp_path / "out")
    assert check.returncode == 0 and check.stdout.strip() == "ok", check.stderr


def test_bad_client_extensions_are_refused_with_their_place(tmp_path: Path) -> None:
    schemas = tmp_path / "schemas"
    schemas.mkdir()
    broken = (
        WIDGETS.replace("items_field: runs}", "items_field: nothing}")
        .replace("{state_field: phase, progress_field: done_pct}", "{state_field: uuid}")
        .replace('x-evaljobs-mock-unknown-id: "404"', 'x-evaljobs-mock-unknown-id: "oops"')
    )
    (schemas / "widgets.openapi.yaml").write_text(broken)
    result = run_generator("generate", schemas, tmp_path / "out")
    assert result.returncode == 1
    for expected in (
        "#/paths/~1runs/get/x-evaljobs-pagination: 'nothing' is not an array field of RunPage",
        "#/paths/~1runs~1{run_id}/get/x-evaljobs-job-status: the enum of Run.uuid has no x-evaljobs-job-states",
        "#/x-evaljobs-mock-unknown-id: expected a 4xx or 5xx status code",
    ):
        assert expected in result.stderr, result.stderr
    assert "Traceback" not in result.stderr

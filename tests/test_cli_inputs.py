"""`evaljobs validate` on every input kind and on hostile input: HAR captures, JUnit output, --jobs,
terminals (colour, progress), huge folders and files. Real files, real processes."""

from __future__ import annotations

import base64
import json
import os
import pty
import resource
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest
from hypothesis import given
from hypothesis import strategies as st

from evaljobs._inputs import CHUNK, TAIL, Unit, _normal, _suffix, batches, units
from tests.conftest import ROOT
from tests.test_cli import evaljobs, reports

RUN = "samples/captures/gradient/evaluation-run-successful.json"


@given(st.text(alphabet="a./", max_size=12))
def test_paths_are_named_as_pathlib_names_them(name: str) -> None:
    """_inputs names paths without importing pathlib (start-up): as ``str(Path(name))`` and ``Path.suffix``."""
    assert _normal(name) == str(Path(name))
    assert _suffix(_normal(name)) == Path(name).suffix


def test_a_folder_s_files_are_named_as_before(tmp_path: Path) -> None:
    """A folder given as ``.``, ``./x/``, ``x//``: its files named as pathlib names them, and as relative to it."""
    folder = tmp_path / "x"
    (folder / "sub").mkdir(parents=True)
    (folder / "sub" / "a.json").write_text("{}")
    (folder / "notes.txt").write_text("")
    cases = ((".", ".", "x/notes.txt"), ("./x/", "x", "notes.txt"), ("x//", "x", "notes.txt"))
    for given_name, folder_named, note_named in cases:
        result = subprocess.run(
            [sys.executable, "-m", "evaljobs.cli", "validate", given_name],
            capture_output=True,
            text=True,
            cwd=tmp_path,
            check=False,
        )
        assert " x/sub/a.json " in result.stdout, result.stdout
        assert result.stderr.startswith(f"evaljobs: {folder_named}: skipped 1 file(s) not named "), result.stderr
        assert result.stderr.rstrip().endswith(f": {note_named}"), result.stderr


def har(entries: list[tuple[str, str, int, str, str | None]]) -> str:
    """A HAR capture of (method, url, status, mime type, body) exchanges."""
    log = []
    for method, url, status, mime, body in entries:
        content: dict[str, object] = {"mimeType": mime, "size": len(body or "")}
        if body is not None:
            content["text"] = body
        log.append(
            {
                "request": {"method": method, "url": url, "headers": []},
                "response": {"status": status, "headers": [], "content": content},
            }
        )
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "test", "version": "1"}, "entries": log}})


def test_har_entries_are_matched_to_their_operations(tmp_path: Path) -> None:
    run = (ROOT / RUN).read_text()
    encoded = base64.b64encode(b'{"message": "ok", "progress": 50}').decode()
    capture = tmp_path / "session.har"
    capture.write_text(
        har(
            [
                (
                    "GET",
                    "https://api.digitalocean.com/v2/gen-ai/evaluation_runs/8f0c?x=1",
                    200,
                    "application/json",
                    run,
                ),
                (
                    "GET",
                    "https://api.digitalocean.com/v2/gen-ai/evaluation_runs/8f0c",
                    404,
                    "application/json",
                    '{"id": "not_found"}',
                ),
                ("GET", "https://api.digitalocean.com/v2/account", 200, "application/json", "{}"),
                ("GET", "http://nemo.test/v1/evaluation/jobs/eval-1", 200, "text/html", "<html></html>"),
                (
                    "GET",
                    "http://nemo.test/v1/evaluation/jobs/eval-1/status",
                    200,
                    "application/json; charset=utf-8",
                    None,
                ),
            ]
        )
    )
    data = json.loads(capture.read_text())
    data["log"]["entries"][4]["response"]["content"].update(text=encoded, encoding="base64")
    capture.write_text(json.dumps(data))
    result = evaljobs("validate", "--format", "json", str(capture))
    assert result.returncode == 1, result.stderr  # the 404 body lacks `message`
    found = {r["source"].split(":", 1)[1]: r for r in reports(result)}
    assert set(found) == {
        "1 GET /v2/gen-ai/evaluation_runs/8f0c 200",
        "2 GET /v2/gen-ai/evaluation_runs/8f0c 404",
        "3 GET /v2/account 200",
        "4 GET /v1/evaluation/jobs/eval-1 200",
        "5 GET /v1/evaluation/jobs/eval-1/status 200",
    }
    html = found["4 GET /v1/evaluation/jobs/eval-1 200"]  # not JSON, and not what the operation answers: drift
    assert (html["schema"], html["valid"], html["errors"]) == (None, True, [])
    assert [(d["in"], d["kind"], d["severity"]) for d in html["drift"]] == [
        ("response", "unexpected_content_type", "warning")
    ]
    assert "documents application/json for status 200; the response is text/html" in html["drift"][0]["message"]
    undocumented = found["3 GET /v2/account 200"]  # no spec has the path: the exchange's drift, not a skip
    assert (undocumented["schema"], undocumented["valid"], undocumented["errors"]) == (None, True, [])
    assert [(d["in"], d["kind"], d["severity"]) for d in undocumented["drift"]] == [
        ("request", "undocumented_endpoint", "warning")
    ]
    assert found["1 GET /v2/gen-ai/evaluation_runs/8f0c 200"]["schema"] == "gradient.EvaluationRunRetrieveResponse"
    assert found["2 GET /v2/gen-ai/evaluation_runs/8f0c 404"]["schema"] == "gradient.Error"
    assert found["2 GET /v2/gen-ai/evaluation_runs/8f0c 404"]["errors"][0]["pointer"] == "/message"
    assert found["5 GET /v1/evaluation/jobs/eval-1/status 200"]["schema"] == "nemo_evaluator.EvaluationStatusDetails"
    text = evaljobs("validate", str(capture))
    assert text.stdout.splitlines()[-1] == "5 payload(s): 4 valid (2 with drift), 1 invalid"
    broken = tmp_path / "broken.har"
    broken.write_text('{"log": {}}')
    assert evaljobs("validate", str(broken)).returncode == 2


def test_undocumented_endpoints_methods_and_statuses_are_drift_of_the_exchange(tmp_path: Path) -> None:
    """Traffic beyond the specs: a path no spec has, a method its path does not have, a status its operation
    does not document (nor its class, nor default: Gradient's operations all have a default). Each is the
    exchange's drift, with its side: exit 0, and 1 with --strict."""
    run = "https://api.digitalocean.com/v2/gen-ai/evaluation_runs/8f0c"
    capture = tmp_path / "beyond.har"
    capture.write_text(
        har(
            [
                ("DELETE", run, 200, "application/json", "{}"),
                ("GET", "http://nemo.test/v1/evaluation/jobs/eval-1", 418, "application/json", '{"teapot": true}'),
                ("GET", "https://api.digitalocean.com/v2/gen-ai/unknown", 200, "text/plain", "ok"),
                ("GET", run, 200, "application/json", (ROOT / RUN).read_text()),
            ]
        )
    )
    result = evaljobs("validate", "--format", "json", str(capture))
    assert result.returncode == 0, result.stderr
    found = {r["source"].split(":", 1)[1]: r for r in reports(result)}
    kinds = {source: [(d["in"], d["kind"]) for d in report["drift"]] for source, report in found.items()}
    assert kinds == {
        "1 DELETE /v2/gen-ai/evaluation_runs/8f0c 200": [("request", "undocumented_method")],
        "2 GET /v1/evaluation/jobs/eval-1 418": [("response", "undocumented_status")],
        "3 GET /v2/gen-ai/unknown 200": [("request", "undocumented_endpoint")],
        "4 GET /v2/gen-ai/evaluation_runs/8f0c 200": [],
    }
    method = found["1 DELETE /v2/gen-ai/evaluation_runs/8f0c 200"]["drift"][0]["message"]
    assert method == "DELETE is not an operation of /v2/gen-ai/evaluation_runs/8f0c (the specs have GET)", method
    status = found["2 GET /v1/evaluation/jobs/eval-1 418"]["drift"][0]["message"]
    assert status == "getEvaluationJob (nemo_evaluator) does not document status 418 (it documents 200, 404, 422)"
    assert all(report["valid"] for report in found.values())
    assert evaljobs("validate", "--strict", str(capture)).returncode == 1
    text = evaljobs("validate", str(capture)).stdout
    assert "request drift method: DELETE is not an operation of" in text, text
    assert "response drift status: getEvaluationJob (nemo_evaluator) does not document status 418" in text, text
    assert "request drift endpoint: no operation of any spec has the path /v2/gen-ai/unknown" in text, text


def test_the_exit_status_follows_fail_on(tmp_path: Path) -> None:
    """An undocumented query parameter is an info finding: it fails only with --fail-on drift; an unknown field is
    drift of severity warning: it fails with --fail-on warning (or --strict) too; nothing fails by default."""
    run = "https://api.digitalocean.com/v2/gen-ai/evaluation_runs/8f0c"
    body = json.loads((ROOT / RUN).read_text())
    informed, drifted = tmp_path / "info.har", tmp_path / "drift.har"
    informed.write_text(har([("GET", run + "?foo=1", 200, "application/json", json.dumps(body))]))
    drifted.write_text(har([("GET", run, 200, "application/json", json.dumps({**body, "novel": 1}))]))
    statuses = {
        (path.stem, level): evaljobs("validate", *flags, str(path)).returncode
        for path in (informed, drifted)
        for level, flags in (
            ("default", []),
            ("strict", ["--strict"]),
            ("warning", ["--fail-on", "warning"]),
            ("drift", ["--fail-on", "drift"]),
        )
    }
    assert statuses == {
        ("info", "default"): 0,
        ("info", "strict"): 0,
        ("info", "warning"): 0,
        ("info", "drift"): 1,
        ("drift", "default"): 0,
        ("drift", "strict"): 1,
        ("drift", "warning"): 1,
        ("drift", "drift"): 1,
    }
    both = evaljobs("validate", "--strict", "--fail-on", "drift", str(informed))
    assert both.returncode == 2 and "not allowed with argument" in both.stderr, both.stderr
    junit = evaljobs("validate", "--format", "junit", "--fail-on", "drift", str(informed)).stdout
    assert 'failures="1"' in junit and "undocumented_parameter" in junit, junit


def test_a_har_is_read_as_one_by_its_content_on_stdin_and_named_json(tmp_path: Path) -> None:
    """A HAR piped on standard input, or saved as .json, is read entry by entry as a .har file is (it used to
    pass as one payload, valid with drift); a payload whose first key is not an object ``log`` stays one."""
    body = (ROOT / RUN).read_text()
    run = "https://api.digitalocean.com/v2/gen-ai/evaluation_runs/8f0c"
    broken = '{"evaluation_run": 5}'
    capture = har([("GET", run, 200, "application/json", body), ("GET", run, 200, "application/json", broken)])
    named = tmp_path / "capture.json"
    named.write_text(capture)
    expected = [
        ("1 GET /v2/gen-ai/evaluation_runs/8f0c 200", True),
        ("2 GET /v2/gen-ai/evaluation_runs/8f0c 200", False),  # a number for an object
    ]
    for source, result in (
        ("<stdin>", evaljobs("validate", "--format", "json", "-", stdin=capture.encode())),
        (str(named), evaljobs("validate", "--format", "json", str(named))),
    ):
        assert result.returncode == 1, result.stderr
        found = [(r["source"], r["valid"]) for r in reports(result)]
        assert found == [(f"{source}:{entry}", valid) for entry, valid in expected], found
    plain = evaljobs("validate", "--format", "json", "-", stdin=b'{"log": "text", "entries": []}')
    assert [r["source"] for r in reports(plain)] == ["<stdin>"], plain.stdout


def test_csv_output_has_a_row_per_finding_as_json_reports_them(tmp_path: Path) -> None:
    """--format csv: a header, then a row per finding with the same findings the json lines hold, the same
    exit status; a cell a spreadsheet would run as a formula is written as text."""
    import csv

    run = "https://api.digitalocean.com/v2/gen-ai/evaluation_runs/8f0c"
    capture = tmp_path / "=cmd.har"  # a file name that a spreadsheet would take for a formula
    capture.write_text(har([("GET", run + "?page=x&foo=1", 200, "application/json", '{"evaluation_run": 5}')]))
    paths = [str(ROOT / "samples" / "captures"), capture.name]
    as_json = evaljobs("validate", "--format", "json", *paths, cwd=tmp_path)
    as_csv = evaljobs("validate", "--format", "csv", *paths, cwd=tmp_path)
    assert as_csv.returncode == as_json.returncode == 1, as_csv.stderr
    rows = list(csv.reader(as_csv.stdout.splitlines()))
    assert rows[0] == ["source", "schema", "in", "severity", "kind", "where", "message"]
    expected = []
    for report in reports(as_json):
        for finding in [*report["errors"], *report["drift"]]:  # type: ignore[misc]
            place = finding["pointer"]
            if "parameter" in finding:
                place = f"{finding['location']} parameter {finding['parameter']!r}"
            source = str(report["source"])
            expected.append(
                [
                    "'" + source if source.startswith("=") else source,
                    report["schema"] or "",
                    finding.get("in", ""),
                    finding.get("severity", "warning" if "kind" in finding and "in" not in finding else "error"),
                    finding.get("kind", ""),
                    place,
                    finding["message"],
                ]
            )
    assert rows[1:] == expected
    assert any(row[0].startswith("'=") and row[2] == "request" for row in rows[1:]), rows[-3:]
    assert len(rows) > 10


def test_coverage_counts_the_operations_and_documented_statuses_reached(tmp_path: Path) -> None:
    """--coverage: which operations the HAR's exchanges reached, and which documented statuses (a status counts
    for the key that documents it; one no key documents counts for none), against every spec's totals."""
    run = "https://api.digitalocean.com/v2/gen-ai/evaluation_runs/8f0c"
    body = (ROOT / RUN).read_text()
    capture = tmp_path / "session.har"
    capture.write_text(
        har(
            [
                ("GET", run, 200, "application/json", body),
                ("GET", run, 200, "application/json", body),
                ("GET", run, 503, "application/json", '{"id": "unavailable", "message": "try later"}'),
                ("GET", "http://nemo.test/v1/evaluation/jobs/eval-1", 418, "application/json", "{}"),
                ("GET", "http://nemo.test/v2/unknown", 200, "application/json", "{}"),
            ]
        )
    )
    result = evaljobs("validate", "--format", "json", "--coverage", str(capture))
    found = json.loads(result.stdout.splitlines()[-1])["coverage"]
    rows = {(row["api"], row["operation"]): row for row in found["by_operation"]}
    run_row, job_row = rows["gradient", "getEvaluationRun"], rows["nemo_evaluator", "getEvaluationJob"]
    assert (run_row["seen"], run_row["documented_seen"]) == (["200", "503"], ["200", "default"])
    assert (job_row["seen"], job_row["documented_seen"]) == (["418"], [])
    assert found["operations"] == {"seen": 2, "total": len(rows)}
    documented = sum(len(row["documented"]) for row in rows.values())
    assert found["statuses"] == {"seen": 2, "total": documented}
    reached = {("gradient", "getEvaluationRun"), ("nemo_evaluator", "getEvaluationJob")}
    assert all(not row["seen"] for key, row in rows.items() if key not in reached)
    text = evaljobs("validate", "--coverage", str(capture)).stdout
    assert f"coverage: 2/{len(rows)} operations, 2/{documented} documented statuses" in text, text
    assert "gradient GET /v2/gen-ai/evaluation_runs/{evaluation_run_uuid} (getEvaluationRun): 200 503 of " in text
    plain = evaljobs("validate", "--format", "json", str(capture)).stdout
    assert '{"coverage"' not in plain  # only when asked


def test_junit_output_is_read_by_a_junit_parser() -> None:
    result = evaljobs("validate", "--format", "junit", "samples/captures")
    assert result.returncode == 1
    root = ElementTree.fromstring(result.stdout)
    suite = root.find("testsuite")
    assert suite is not None
    cases = suite.findall("testcase")
    assert int(suite.get("tests", "0")) == len(cases) == 14
    failed = [case for case in cases if case.find("failure") is not None]
    assert int(suite.get("failures", "0")) == len(failed) == 5
    drifted = [case for case in cases if case.find("system-out") is not None]
    assert len(drifted) == 3 and "unknown_field" in (drifted[0].findtext("system-out") or "")
    strict = ElementTree.fromstring(evaljobs("validate", "--strict", "--format", "junit", "samples/captures").stdout)
    assert strict.find("testsuite").get("failures") == "8"  # type: ignore[union-attr]


def test_jobs_give_the_same_reports_in_the_same_order(tmp_path: Path) -> None:
    lines = [line for line in (ROOT / "samples/captures/nemo_evaluator/v2-logs.jsonl").read_text().splitlines() if line]
    big = tmp_path / "big.jsonl"
    with big.open("w") as stream:  # several times CHUNK: cut into units, line numbers carried over
        for index in range(6000):
            stream.write(lines[index % 2] + "\n")
    for index in range(3):
        (tmp_path / f"run-{index}.json").write_text((ROOT / RUN).read_text())
    one = evaljobs("validate", "--format", "json", str(tmp_path))
    two = evaljobs("validate", "--format", "json", "--jobs", "2", str(tmp_path))
    assert one.returncode == two.returncode == 1
    assert one.stdout == two.stdout
    found = reports(two)
    assert len(found) == 6003 and found[5999]["source"] == f"{big}:6000" and found[5999]["valid"] is False
    assert evaljobs("validate", "--jobs", "0", str(tmp_path)).returncode == 2


def _on_a_terminal(*args: str) -> tuple[int, str]:
    """Run `evaljobs` with stdout and stderr on a pseudo-terminal; its status and everything it wrote."""
    leader, follower = pty.openpty()
    env = {key: value for key, value in os.environ.items() if key not in ("NO_COLOR", "CI")}
    process = subprocess.Popen(
        [sys.executable, "-m", "evaljobs.cli", *args],
        stdout=follower,
        stderr=follower,
        cwd=ROOT,
        env={**env, "TERM": "xterm"},
    )
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(leader)
    return process.wait(timeout=300), b"".join(chunks).decode("utf-8", "replace")


def test_a_large_jsonl_file_is_cut_at_line_boundaries(tmp_path: Path) -> None:
    """Pieces of about CHUNK bytes, the last TAIL bytes in quarter pieces; each piece a batch of its own (a
    small file before it included in none of its batches); line numbers carried over from piece to piece."""
    big = tmp_path / "big.jsonl"
    data = b"".join(b'{"n": %d, "pad": "%s"}\n' % (index, b"x" * (index % 900)) for index in range(9_000))
    big.write_bytes(data)
    (tmp_path / "a.json").write_text("{}")
    pieces = [unit for unit in units([str(tmp_path / "a.json"), str(big)]) if unit.path == str(big)]
    assert isinstance(pieces[0], Unit) and pieces[0].start == 0 and pieces[-1].end == len(data)
    quarters = 0  # the bytes in quarter pieces
    for piece, after in zip(pieces, [*pieces[1:], None], strict=True):
        assert isinstance(piece, Unit)
        assert piece.first_line == data.count(b"\n", 0, piece.start) + 1 and data[piece.end - 1 : piece.end] == b"\n"
        assert after is None or (isinstance(after, Unit) and after.start == piece.end)
        if len(data) - piece.start > TAIL:
            assert CHUNK <= piece.size < CHUNK + 1_000
        else:
            quarters += piece.size
            assert piece.size < CHUNK // 4 + 1_000
    assert TAIL - CHUNK < quarters <= TAIL  # (the piece before the tail started more than TAIL from the end)
    grouped = list(batches(units([str(tmp_path / "a.json"), str(big)])))
    assert [len(batch) for batch in grouped] == [1] * (len(pieces) + 1)


def test_a_huge_folder_with_progress_and_colour_on_a_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "many"
    folder.mkdir()
    for index in range(100_000):
        (folder / f"{index:06}.json").write_bytes(b'{"evaluation_run": {"agent_name": "a"}}' if index % 1000 else b"")
    status, output = _on_a_terminal("validate", str(folder))
    assert status == 1 and "Traceback" not in output
    assert "100000 payload(s): 99900 valid (0 with drift), 100 invalid" in output
    assert "\033[31m" in output, "colour on a terminal"
    assert "payloads, " in output and "/s" in output, "a progress line on a terminal for a long batch"


def test_memory_stays_bounded_on_hostile_files(tmp_path: Path) -> None:
    samples = {
        "deep.json": b"[" * 200_000 + b"]" * 200_000,
        "digits.json": b'{"evaluation_run": {"test_case_version": ' + b"9" * 100_000 + b"}}",
        "huge.json": b'{"evaluation_run": {"run_name": "' + b"x" * 20_000_000 + b'"}}',
        "inf.json": b'{"evaluation_run": {"number_value": 1e99999}}',
        "garbage.json": bytes(range(256)) * 64,
        "empty.json": b"",
        "bom.json": b"\xef\xbb\xbf{}",
    }
    for name, content in samples.items():
        (tmp_path / name).write_bytes(content)
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    result = evaljobs("validate", "--format", "json", str(tmp_path))
    peak_mb = max(before, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    assert result.returncode == 1 and "Traceback" not in result.stderr
    verdicts = {Path(r["source"]).name: r["valid"] for r in reports(result)}
    assert verdicts == {name: name == "huge.json" for name in samples}
    assert peak_mb < 600, f"peak resident memory {peak_mb:.0f} MB"


@pytest.mark.parametrize("args", [["validate", "--format", "yaml", RUN], ["validate", "--jobs", "many", RUN]])
def test_bad_options_exit_2(args: list[str]) -> None:
    result = evaljobs(*args)
    assert result.returncode == 2 and "Traceback" not in result.stderr

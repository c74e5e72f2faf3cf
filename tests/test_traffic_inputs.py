"""`evaljobs validate` on traffic: HAR captures read entry by entry (a large one cut into ranges of entries for
--jobs, one cut short reported up to where it stops) and NDJSON traffic logs of every kind it reads (evaljobs'
envelope, Redocly drift's aliases, Kong, nginx and Apache JSON access logs), each told by its content.

The captures are written by the tests; the command runs in a subprocess, as a user runs it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from evaljobs._har import har_entry_payload
from evaljobs._inputs import CHUNK, Unit, units
from evaljobs._traffic import line_payload
from tests.test_cli import evaljobs, reports

ROOT = Path(__file__).resolve().parent.parent

RUN_URL = "https://api.digitalocean.com/v2/gen-ai/evaluation_runs/8f0c"
RUN = json.loads((ROOT / "samples/captures/gradient/evaluation-run-successful.json").read_text())
DRIFTED = {**RUN, "evaluation_run": {**RUN["evaluation_run"], "colour": "blue"}}


def har_entry(number: int, body: object, *, query: str = "") -> dict[str, object]:
    text = json.dumps(body)
    return {
        "startedDateTime": f"2026-12-05T12:00:{number % 60:02d}.000Z",
        "request": {
            "method": "GET",
            "url": f"{RUN_URL}{query}",
            "headers": [
                {"name": ":authority", "value": "api"},
                {"name": "Accept", "value": "application/json"},
                {"name": "Authorization", "value": "Bearer t"},
            ],
        },
        "response": {"status": 200, "content": {"mimeType": "application/json", "text": text, "size": len(text)}},
    }


def har_text(entries: list[dict[str, object]], *, indent: int | None = None) -> str:
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "t"}, "entries": entries}}, indent=indent)


def large_har(path: Path) -> int:
    """A HAR of about 3 CHUNKs, one entry in 7 drifted and one in 11 with an undocumented query parameter."""
    entries: list[dict[str, object]] = []
    while len(entries) * 2600 < 3 * CHUNK:
        number = len(entries)
        entries.append(har_entry(number, DRIFTED if number % 7 == 0 else RUN, query="?foo=1" if number % 11 else ""))
    path.write_text(har_text(entries, indent=1))
    return len(entries)


def test_a_large_har_is_cut_into_ranges_of_entries_and_jobs_do_not_change_the_report(tmp_path: Path) -> None:
    capture = tmp_path / "large.har"
    count = large_har(capture)
    cut = [unit for unit in units([str(capture)]) if isinstance(unit, Unit)]
    assert len(cut) >= 3 and all(unit.kind == "har" for unit in cut), cut
    assert [unit.first_line for unit in cut] == [1] + [unit.last_line + 1 for unit in cut[:-1]]
    assert cut[-1].last_line == count
    one = evaljobs("validate", "--format", "json", str(capture))
    two = evaljobs("validate", "--format", "json", "--jobs", "2", str(capture))
    assert one.returncode == two.returncode == 0, one.stderr
    assert one.stdout == two.stdout
    found = reports(one)
    assert [str(r["source"]).split(" ")[0] for r in found] == [f"{capture}:{n}" for n in range(1, count + 1)]
    kinds = [{d["kind"] for d in r["drift"]} for r in found]  # type: ignore[attr-defined]
    assert kinds[0] == {"unknown_field"} and kinds[1] == {"undocumented_parameter"} and kinds[11] == set()
    small = tmp_path / "small.har"  # the same entries read whole, as a small HAR is: the same report
    small.write_text(har_text([json.loads(json.dumps(e)) for e in json.loads(capture.read_text())["log"]["entries"]]))
    whole = evaljobs("validate", "--format", "json", str(small))
    assert [r["drift"] for r in reports(whole)] == [r["drift"] for r in found]


def test_a_har_cut_short_reports_the_entries_before_and_where_it_stops(tmp_path: Path) -> None:
    text = har_text([har_entry(n, RUN) for n in range(3)], indent=1)
    cut_at = text.index('"startedDateTime"', text.index('"startedDateTime"', 200) + 1) + 40  # inside entry 3
    for name, content in (("short.har", text[:cut_at]), ("short.json", text[:cut_at])):
        capture = tmp_path / name
        capture.write_text(content)
        result = evaljobs("validate", "--format", "json", str(capture))
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert [str(r["source"]).split(" ")[0] for r in reports(result)] == [f"{capture}:1", f"{capture}:2"]
        assert f"evaljobs: {capture}: not read past byte {len(content.encode()):,}: the input ends" in result.stderr
    large = tmp_path / "large.har"
    count = large_har(large)
    data = large.read_bytes()
    large.write_bytes(data[: len(data) - 5000])  # the last entry or two lost
    for jobs in ("1", "2"):
        result = evaljobs("validate", "--format", "json", "--jobs", jobs, str(large))
        assert result.returncode == 2 and "not read past byte" in result.stderr, result.stderr
        assert count - 3 <= len(reports(result)) < count


def test_a_corrupt_entry_is_a_problem_and_the_others_are_read(tmp_path: Path) -> None:
    text = har_text([har_entry(n, RUN) for n in range(3)])
    second = text.index('"startedDateTime"', text.index('"startedDateTime"') + 1)
    capture = tmp_path / "corrupt.har"
    capture.write_text(text[:second] + '"startedDateTime" 5, ' + text[second:])  # a missing colon
    result = evaljobs("validate", "--format", "json", str(capture))
    assert result.returncode == 2
    assert [str(r["source"]).split(" ")[0] for r in reports(result)] == [f"{capture}:1", f"{capture}:3"]
    assert f"{capture}:2: entry 2 at byte {second - 1:,} is not JSON" in result.stderr, result.stderr


def test_har_and_ndjson_on_stdin_are_told_by_their_content() -> None:
    har = har_text([har_entry(1, RUN), har_entry(2, DRIFTED)], indent=2)
    result = evaljobs("validate", "--format", "json", "-", stdin=har.encode())
    assert [r["source"] for r in reports(result)] == [
        "<stdin>:1 GET /v2/gen-ai/evaluation_runs/8f0c 200",
        "<stdin>:2 GET /v2/gen-ai/evaluation_runs/8f0c 200",
    ]
    line = {"request": {"method": "GET", "url": RUN_URL + "?foo=1"}, "response": {"status": 200, "body": RUN}}
    log = "\n" + json.dumps(line) + "\n"  # one exchange (a blank line first): no second line needed
    found = reports(evaljobs("validate", "--format", "json", "-", stdin=log.encode()))
    assert [r["source"] for r in found] == ["<stdin>:2 GET /v2/gen-ai/evaluation_runs/8f0c 200"]
    assert kinds(found[0]) == [("request", "undocumented_parameter")]
    plain = evaljobs("validate", "--format", "json", "-", stdin=(json.dumps(RUN) + "\n" + json.dumps(RUN)).encode())
    assert [r["source"] for r in reports(plain)] == ["<stdin>:1", "<stdin>:2"]


def exchanges(tmp_path: Path, name: str, lines: list[object]) -> dict[str, dict[str, object]]:
    log = tmp_path / name
    log.write_text("".join(json.dumps(line) + "\n" for line in lines))
    result = evaljobs("validate", "--format", "json", str(log))
    assert result.returncode in (0, 1) and "Traceback" not in result.stderr, result.stderr
    return {str(r["source"]).removeprefix(f"{log}:"): r for r in reports(result)}


def kinds(report: dict[str, object]) -> list[tuple[str, str]]:
    return sorted((str(d.get("in")), str(d["kind"])) for d in report["drift"])  # type: ignore[attr-defined]


def test_the_evaljobs_envelope_in_each_of_its_forms(tmp_path: Path) -> None:
    """Headers as an object or a list, a body as JSON text or as a JSON value, a URL or a path (with the host
    from its headers), a query apart from the URL."""
    lines = [
        {
            "request": {"method": "get", "url": RUN_URL + "?foo=1", "headers": {"Accept": "application/json"}},
            "response": {"status": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(RUN)},
            "timestamp": "2026-12-05T12:00:00Z",
        },
        {
            "request": {
                "method": "GET",
                "path": "/v2/gen-ai/evaluation_runs/8f0c",
                "headers": [{"name": "Host", "value": "api.digitalocean.com"}],
                "query": {"foo": "1"},
            },
            "response": {
                "status": "200",
                "headers": [{"name": "content-type", "value": "application/json"}],
                "body": DRIFTED,
            },
        },
        {"request": {"method": "GET", "url": RUN_URL}, "response": {"status": 200, "body": "<html></html>"}},
        {"request": {"method": "GET", "url": RUN_URL}, "response": {"status": 204}},
    ]
    found = exchanges(tmp_path, "traffic.ndjson", lines)
    path = "GET /v2/gen-ai/evaluation_runs/8f0c"
    assert list(found) == [f"1 {path} 200", f"2 {path} 200"]  # (3 and 4: no JSON body, nothing else to say)
    assert kinds(found[f"1 {path} 200"]) == [("request", "undocumented_parameter")]
    assert kinds(found[f"2 {path} 200"]) == [("request", "undocumented_parameter"), ("response", "unknown_field")]


def test_redocly_aliases_kong_and_access_logs(tmp_path: Path) -> None:
    redocly = [
        {
            "req": {"httpMethod": "GET", "requestUrl": RUN_URL},
            "res": {"statusCode": 200, "bodyText": json.dumps(DRIFTED)},
        },
        {"http": {"request": {"method": "GET", "url": RUN_URL}, "response": {"status": 200, "payload": RUN}}},
    ]
    found = exchanges(tmp_path, "redocly.jsonl", redocly)
    assert [kinds(r) for r in found.values()] == [[("response", "unknown_field")], []]
    kong = {
        "request": {"method": "GET", "uri": "/v2/gen-ai/evaluation_runs/8f0c?foo=1", "url": RUN_URL + "?foo=1",
                    "headers": {"host": "api.digitalocean.com"}, "querystring": {"foo": "1"}},
        "response": {"status": 200, "headers": {"content-type": "application/json"}},
        "latencies": {"request": 3}, "started_at": 1764936000000, "route": {"id": "r"},
    }  # fmt: skip
    with_body = {**kong, "response": {**kong["response"], "body": json.dumps(DRIFTED)}}  # type: ignore[dict-item]
    log = tmp_path / "kong.log"  # any name: told by its content
    log.write_text(json.dumps(kong) + "\n" + json.dumps(with_body) + "\n")
    result = evaljobs("validate", "--format", "json", str(log))
    found = {str(r["source"]).removeprefix(f"{log}:"): r for r in reports(result)}
    assert [kinds(r) for r in found.values()] == [
        [("request", "undocumented_parameter")],  # the request is still checked
        [("request", "undocumented_parameter"), ("response", "unknown_field")],
    ], found
    clean = {**kong, "request": {"method": "GET", "url": RUN_URL, "headers": {"authorization": "Bearer t"}}}
    log.write_text(json.dumps(clean) + "\n")  # no finding on its request: skipped, saying why
    result = evaljobs("validate", str(log))
    assert result.returncode == 0 and "Kong logs bodies only where a plugin adds them" in result.stdout, result
    nginx = {
        "time_iso8601": "2026-12-05T12:00:00+00:00", "remote_addr": "10.0.0.1",
        "request": "GET /v2/gen-ai/evaluation_runs/8f0c?foo=1 HTTP/1.1",
        "status": "200", "http_host": "api.digitalocean.com", "request_body": "", "resp_body": json.dumps(RUN),
    }  # fmt: skip
    apache = {"request_method": "GET", "uri": "/v2/gen-ai/evaluation_runs/8f0c", "args": "foo=1", "status": 200,
              "response_body": json.dumps(DRIFTED)}  # fmt: skip
    found = exchanges(tmp_path, "access.json", [nginx, apache])
    assert [kinds(r) for r in found.values()] == [
        [("request", "undocumented_parameter")],
        [("request", "undocumented_parameter"), ("response", "unknown_field")],  # its query from args
    ]


def test_plain_payload_lines_stay_payloads_and_a_large_log_is_cut_for_jobs(tmp_path: Path) -> None:
    plain = exchanges(tmp_path, "plain.ndjson", [RUN, DRIFTED])
    assert list(plain) == ["1", "2"]  # no request, no response: payloads, as in a .jsonl file
    line = json.dumps({"request": {"method": "GET", "url": RUN_URL}, "response": {"status": 200, "body": RUN}})
    log = tmp_path / "large.json"  # not named .ndjson: told by its first line
    count = 3 * CHUNK // len(line) + 1
    log.write_text((line + "\n") * count)
    cut = [unit for unit in units([str(log)]) if isinstance(unit, Unit)]
    assert len(cut) >= 3 and {unit.kind for unit in cut} == {"ndjson"}, cut
    one = evaljobs("validate", "--format", "json", str(log))
    two = evaljobs("validate", "--format", "json", "--jobs", "2", str(log))
    assert one.returncode == 0 and one.stdout == two.stdout
    assert len(reports(one)) == count


def test_a_body_given_as_a_json_value_keeps_its_digits() -> None:
    body = b'{"n": 1180591620717411303424, "f": 1.10}'
    line = b'{"request": {"method": "GET", "url": "/x"}, "response": {"status": 200, "body": ' + body + b"}}"
    payload = line_payload(line, "log:1", "ndjson")
    assert payload.data == body
    assert payload.media_type == "application/json" and payload.exchange == ("GET", "/x", 200)


def test_one_parsed_har_entry_becomes_a_payload() -> None:
    """har_entry_payload: what a live capture hands over, one entry at a time."""
    entry = har_entry(5, RUN, query="?foo=1")
    payload = har_entry_payload(entry, "live:5")
    assert payload.source == "live:5 GET /v2/gen-ai/evaluation_runs/8f0c 200"
    assert payload.exchange == ("GET", "/v2/gen-ai/evaluation_runs/8f0c", 200) and payload.started.endswith(":05.000Z")
    assert payload.request is not None and payload.request.query == (("foo", "1"),)
    headers = (("accept", "application/json"), ("authorization", "Bearer t"))
    assert payload.request.headers == headers  # names lower-cased, no pseudo-headers
    assert json.loads(payload.data) == RUN and payload.media_type == "application/json"
    assert har_entry_payload({"request": 1}, "live:6").skipped == "not a request and response"


def test_a_har_arriving_a_line_at_a_time_is_still_told_by_its_content() -> None:
    """What a pipe gives in small pieces: the first line alone ("{") cannot tell a HAR from a payload, so more
    is read before deciding; a line of JSON Lines is decided on at once (it is validated as it comes)."""
    from evaljobs._inputs import _head, is_har

    def pieces(*parts: bytes) -> Callable[[int], bytes]:
        given = iter(parts)
        return lambda _: next(given, b"")

    assert is_har(_head(pieces(b"{\n", b'  "log"\n', b"  :", b" {\n", b'"entries": []}}')))
    assert _head(pieces(b'{"a": 1}\n', b'{"a": 2}\n')) == b'{"a": 1}\n'
    assert _head(pieces(b"\n", b"\n", b'{"a": 1}\n', b"more")) == b'\n\n{"a": 1}\n'


def test_any_byte_stream_is_read_by_its_content() -> None:
    """read_stream: what reads standard input reads any stream (one a storage layer opened), each kind told by
    its content, the source named as given."""
    import io

    from evaljobs._inputs import read_stream

    line = json.dumps({"request": {"method": "GET", "url": RUN_URL}, "response": {"status": 200, "body": RUN}})
    given = {
        har_text([har_entry(1, RUN)], indent=1): ["s3://b/k:1 GET /v2/gen-ai/evaluation_runs/8f0c 200"],
        line + "\n" + line: [f"s3://b/k:{n} GET /v2/gen-ai/evaluation_runs/8f0c 200" for n in (1, 2)],
        json.dumps(RUN) + "\n" + json.dumps(RUN) + "\n": ["s3://b/k:1", "s3://b/k:2"],
        json.dumps(RUN, indent=2): ["s3://b/k"],
    }
    for text, sources in given.items():
        assert [p.source for p in read_stream("s3://b/k", io.BytesIO(text.encode()).read)] == sources

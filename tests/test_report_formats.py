"""The report formats of `evaljobs validate` on one HAR capture that holds every kind of finding: grouped text,
json with its summary, sarif (checked against the official SARIF 2.1.0 schema, tests/data/), html, and the
existing text, json, junit and csv; exit statuses follow --fail-on in every format.

A small shop API of the tests' own (served at https://api.shop.test/v1, asking for a bearer token, with query,
path and header parameters, a request body and an enum) is generated into a scratch package, as
tests/test_har_contract.py does, and the command runs from it in a subprocess.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import jsonschema
import pytest

from evaljobs._digest import KINDS, Digest, instant
from evaljobs._report import Drift, DriftKind, Error, ErrorKind, Report
from tests.generation import run_generator
from tests.test_har_requests import validate

SPEC = """\
openapi: 3.0.3
info: {title: Shop, version: "1"}
servers:
  - url: https://api.shop.test/v1
security:
  - bearer: []
paths:
  /items:
    get:
      operationId: listItems
      parameters:
        - {name: project, in: query, required: true, schema: {type: string}}
        - {name: page, in: query, schema: {type: integer}}
        - {name: X-Tenant, in: header, schema: {type: string}}
      responses:
        "200":
          description: A page of items.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Items"}
    post:
      operationId: createItem
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: "#/components/schemas/Item"}
      responses:
        "201":
          description: The new item.
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Item"}
  /items/{item_id}:
    parameters:
      - {name: item_id, in: path, required: true, schema: {type: integer}}
    delete:
      operationId: deleteItem
      responses:
        "204": {description: Deleted.}
components:
  securitySchemes:
    bearer: {type: http, scheme: bearer}
  schemas:
    Item:
      type: object
      required: [name]
      properties:
        name: {type: string}
        state: {type: string, enum: [new, sold]}
    Items:
      type: object
      required: [data]
      properties:
        data: {type: array, items: {$ref: "#/components/schemas/Item"}}
"""

BASE = "https://api.shop.test/v1"
ITEMS = '{"data": [{"name": "a", "state": "new"}]}'
ITEM = '{"name": "a"}'
TOKEN = ("Authorization", "Bearer abc")
KIND_NAMES = {*KINDS} - {"invalid_payload"}  # every kind an exchange can have (a bare payload's aside)


@pytest.fixture(scope="module")
def package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    schemas = tmp_path_factory.mktemp("shop-schemas")
    (schemas / "shop.openapi.yaml").write_text(SPEC)
    out = tmp_path_factory.mktemp("shop") / "out"
    result = run_generator("generate", schemas, out)
    assert result.returncode == 0, result.stderr
    return out


def entry(
    method: str,
    url: str,
    status: int,
    body: str | None = None,
    *,
    headers: tuple[tuple[str, str], ...] = (TOKEN,),
    sent: str | None = None,
    sent_type: str = "application/json",
    media: str = "application/json",
    minute: int = 0,
) -> dict[str, Any]:
    """One HAR entry, started ``minute`` minutes after 10:00 on 2026-03-01 (UTC)."""
    request: dict[str, Any] = {
        "method": method,
        "url": url,
        "headers": [{"name": name, "value": value} for name, value in headers],
        "queryString": [],
    }
    if sent is not None:
        request["postData"] = {"mimeType": sent_type, "text": sent}
    content: dict[str, Any] = {"mimeType": media if body is not None else "", "size": len(body or "")}
    if body is not None:
        content["text"] = body
    return {
        "startedDateTime": f"2026-03-01T10:{minute:02d}:07.123+00:00",
        "request": request,
        "response": {"status": status, "headers": [], "content": content},
    }


# each entry, and the kinds of finding it has (with --match host)
EVERYTHING: list[tuple[dict[str, Any], set[str]]] = [
    (entry("GET", f"{BASE}/items?project=p", 200, ITEMS), set()),
    (
        entry("GET", f"{BASE}/items?project=p&page=abc&colour=red", 200, ITEMS, headers=(TOKEN, ("X-Debug", "1"))),
        {"invalid_parameter", "undocumented_parameter", "undocumented_header"},
    ),
    (entry("GET", f"{BASE}/items", 200, ITEMS, minute=1), {"missing_parameter"}),
    (entry("GET", f"{BASE}/items?project=p", 200, ITEMS, headers=(("X-Tenant", "t"),), minute=1), {"security_not_met"}),
    (entry("POST", f"{BASE}/items", 201, ITEM, sent='{"name": 5}', minute=2), {"invalid_request_body"}),
    (entry("POST", f"{BASE}/items", 201, ITEM, minute=2), {"missing_request_body"}),
    (
        entry("POST", f"{BASE}/items", 201, ITEM, sent="name=a", sent_type="text/plain", minute=3),
        {"unexpected_content_type"},
    ),
    (entry("DELETE", f"{BASE}/items/7", 204, sent=ITEM, minute=3), {"undocumented_request_body"}),
    (entry("GET", f"{BASE}/nowhere", 200, "{}", minute=4), {"undocumented_endpoint"}),
    (entry("PUT", f"{BASE}/items", 200, ITEMS, minute=4), {"undocumented_method"}),
    (entry("GET", f"{BASE}/items?project=p", 418, ITEMS, minute=5), {"undocumented_status"}),
    (
        entry("GET", f"{BASE}/items?project=p", 200, "<p>hi</p>", media="text/html", minute=5),
        {"unexpected_content_type"},
    ),
    (
        entry(
            "GET", f"{BASE}/items?project=p", 200, '{"data": [{"name": "a", "state": "lost", "extra": 1}]}', minute=6
        ),
        {"unknown_field", "unknown_enum_value"},
    ),
    (entry("GET", f"{BASE}/items?project=p", 200, '{"data": "none"}', minute=7), {"invalid_response_body"}),
    (entry("GET", "https://mirror.shop.test/v1/items?project=p", 200, ITEMS, minute=8), {"undocumented_server"}),
    (
        entry("GET", f"{BASE}/items?project=p", 200, '{"data": [{"name": "b", "extra": 2}]}', minute=9),
        {"unknown_field"},
    ),
]


def capture(folder: Path, *entries: dict[str, Any], name: str = "shop.har") -> Path:
    path = folder / name
    path.write_text(json.dumps({"log": {"version": "1.2", "creator": {"name": "test"}, "entries": list(entries)}}))
    return path


@pytest.fixture
def everything(tmp_path: Path) -> Path:
    return capture(tmp_path, *(each for each, _ in EVERYTHING))


def shop(package: Path, har: Path, *options: str) -> Any:
    """``evaljobs validate --match host`` of the shop's package on ``har``."""
    return validate(package, "--match", "host", *options, str(har))


def json_kinds(report: dict[str, Any]) -> set[str]:
    found = [*report["errors"], *report["drift"]]
    return {f.get("kind") or ("invalid_response_body" if f.get("in") == "response" else "") for f in found}


def test_the_capture_has_every_kind_of_finding(package: Path, everything: Path) -> None:
    """The json report (unchanged) has each entry's kinds: the HAR below covers every kind an exchange has."""
    result = shop(package, everything, "--format", "json")
    assert result.returncode == 1, result.stderr
    reports = {int(r["source"].split(":")[1].split()[0]): r for r in map(json.loads, result.stdout.splitlines())}
    for number, (_, kinds) in enumerate(EVERYTHING, start=1):
        assert json_kinds(reports.get(number, {"errors": [], "drift": []})) == kinds, (number, reports.get(number))
    assert set().union(*(kinds for _, kinds in EVERYTHING)) == KIND_NAMES


def test_every_kind_has_a_rule() -> None:
    from typing import get_args

    assert set(KINDS) == {*get_args(DriftKind), *get_args(ErrorKind), "invalid_payload", "invalid_response_body"}


def test_grouped_counts_each_finding_once_per_operation_and_place(package: Path, everything: Path) -> None:
    result = shop(package, everything, "--format", "grouped")
    assert result.returncode == 1, result.stderr
    text = result.stdout
    for kind in KIND_NAMES:
        assert re.search(rf"  {kind}  x\d", text), kind
    lines = text.splitlines()
    # the unknown field 'extra' of two exchanges' items is one group (array indices as *), with its first source
    extra = lines.index(next(line for line in lines if "/data/*/extra  unknown_field" in line))
    assert lines[extra].endswith("x2"), lines[extra]
    assert "shop.har:13 GET /v1/items 200" in lines[extra + 1], lines[extra + 1]
    # operations with errors first; within one, errors before drift before info
    headers = [line for line in lines if line and not line.startswith(" ") and ": " in line]
    assert headers[0] == "shop.listItems: 9 payload(s), 4 invalid, 4 with drift", headers
    words = [line.split()[0] for line in lines[1 : lines.index(headers[1])] if not line.startswith("   ")]
    assert words == ["error"] * 4 + ["drift"] * 4 + ["info"] * 2, words
    assert "\nGET /v1/nowhere: 1 payload(s)" in text and "\nPUT /v1/items: 1 payload(s)" in text  # request lines
    assert lines[-2:] == [
        "17 distinct finding(s) in 6 operation(s) or schema(s)",
        "16 payload(s): 10 valid (9 with drift), 6 invalid",
    ]
    covered = shop(package, everything, "--format", "grouped", "--coverage").stdout
    assert covered.startswith(text) and covered[len(text) :].startswith("coverage: 3/3 operations, 3/3 documented")


def test_grouped_prints_at_most_a_thousand_groups(package: Path, tmp_path: Path) -> None:
    har = capture(tmp_path, *(entry("GET", f"{BASE}/nowhere/{n}", 200, "{}") for n in range(1003)))
    result = shop(package, har, "--format", "grouped")
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("undocumented_endpoint  x1") == 1000
    assert "... and 3 more group(s) of findings (3 occurrence(s)) not shown" in result.stdout


def test_json_summary_is_one_last_line_and_the_rest_unchanged(package: Path, everything: Path) -> None:
    plain = shop(package, everything, "--format", "json")
    summed = shop(package, everything, "--format", "json", "--summary", "--coverage")
    assert summed.returncode == plain.returncode == 1
    *lines, last = summed.stdout.splitlines()
    assert lines == plain.stdout.splitlines()
    found = json.loads(last)["summary"]
    reports = [json.loads(line) for line in lines]
    kinds = Counter(f.get("kind") or "invalid_response_body" for r in reports for f in [*r["errors"], *r["drift"]])
    assert found["kinds"] == dict(sorted(kinds.items()))
    assert sum(found["severities"].values()) == sum(kinds.values())
    assert found["payloads"] == len(reports) and found["exit_status"] == 1 and found["fail_on"] == "error"
    assert found["verdicts"]["invalid"] == sum(not r["valid"] for r in reports)
    assert found["coverage"]["operations"] == {"seen": 3, "total": 3}


def test_summary_goes_with_json_only(package: Path, everything: Path) -> None:
    result = shop(package, everything, "--format", "text", "--summary")
    assert result.returncode == 2 and "--summary goes with --format json" in result.stderr


SARIF_SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


def test_sarif_validates_against_the_sarif_2_1_0_schema(package: Path, everything: Path) -> None:
    result = shop(package, everything, "--format", "sarif", "--coverage")
    assert result.returncode == 1, result.stderr
    log = json.loads(result.stdout)
    schema = json.loads(SARIF_SCHEMA.read_text())
    jsonschema.Draft4Validator(schema, format_checker=jsonschema.Draft4Validator.FORMAT_CHECKER).validate(log)
    run = log["runs"][0]
    rules = {rule["id"]: rule for rule in run["tool"]["driver"]["rules"]}
    assert set(rules) == set(KINDS) and all(rule["shortDescription"]["text"] for rule in rules.values())
    results = run["results"]
    assert {r["ruleId"] for r in results} == KIND_NAMES
    json_report = shop(package, everything, "--format", "json")
    count = sum(len(r["errors"]) + len(r["drift"]) for r in map(json.loads, json_report.stdout.splitlines()))
    assert len(results) == count
    levels = {r["ruleId"]: r["level"] for r in results}
    assert levels["security_not_met"] == "error" and levels["unknown_field"] == "warning"
    assert levels["undocumented_header"] == "note"
    page = next(r for r in results if r["ruleId"] == "invalid_parameter")
    assert page["locations"][0]["physicalLocation"]["artifactLocation"]["uri"].endswith("/shop.har")
    names = [(each["kind"], each["fullyQualifiedName"]) for each in page["locations"][0]["logicalLocations"]]
    assert names == [("function", "shop.listItems"), ("parameter", "shop.listItems request query parameter 'page'")]
    assert page["webRequest"] == {"method": "GET", "target": "/v1/items"} and page["webResponse"]["statusCode"] == 200
    field = next(r for r in results if r["ruleId"] == "unknown_field")
    assert field["locations"][0]["logicalLocations"][1] == {
        "name": "/data/0/extra",
        "fullyQualifiedName": "shop.listItems response /data/0/extra",
        "kind": "member",
    }
    assert run["invocations"] == [{"executionSuccessful": True, "exitCode": 1}]
    assert run["properties"]["coverage"]["operations"]["seen"] == 3


def test_sarif_of_bare_payloads_has_their_lines(tmp_path: Path) -> None:
    """A JSONL payload's finding points at its line; a file without findings gives no result."""
    from tests.test_cli import evaljobs

    lines = tmp_path / "runs.jsonl"
    lines.write_text('{"evaluation_run": {}}\n{"evaluation_run": {"agent_name": 5}}\n')
    result = evaljobs("validate", "--format", "sarif", "--schema", "gradient.EvaluationRunRetrieveResponse", str(lines))
    log = json.loads(result.stdout)
    jsonschema.Draft4Validator(json.loads(SARIF_SCHEMA.read_text())).validate(log)
    (found,) = log["runs"][0]["results"]
    location = found["locations"][0]
    assert location["physicalLocation"]["region"] == {"startLine": 2}
    assert location["physicalLocation"]["artifactLocation"]["uri"] == "file://" + str(lines)
    assert location["logicalLocations"][0]["fullyQualifiedName"] == "gradient.EvaluationRunRetrieveResponse"
    assert found["ruleId"] == "invalid_payload" and result.returncode == 1


class _Page(HTMLParser):
    """What a page holds: its tags (outside SVG), whether any points outside it, and its text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: Counter[str] = Counter()
        self.external: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags[tag] += 1
        self.external += [value or "" for name, value in attrs if name in ("src", "href") or tag == "link"]

    def handle_data(self, data: str) -> None:
        self.text.append(data)


def test_html_is_one_self_contained_page_with_a_plot_per_operation(package: Path, everything: Path) -> None:
    result = shop(package, everything, "--format", "html", "--coverage")
    assert result.returncode == 1, result.stderr
    page = _Page()
    page.feed(result.stdout)
    assert page.external == [] and page.tags["script"] == 0 and page.tags["html"] == 1
    text = "".join(page.text)
    for kind in KIND_NAMES:
        assert kind in text, kind
    assert "Over time" in text and "Exchanges per 10 seconds from 2026-03-01 10:00:00 to 2026-03-01 10:09:10" in text
    # shop.listItems, shop.createItem, shop.deleteItem, GET /v1/nowhere, PUT /v1/items, GET /v1/items (the mirror's)
    assert page.tags["svg"] == 6
    assert "Coverage" in text and "3/3 operations" in text
    assert "exit status 1" in text


def test_html_escapes_what_the_captures_hold_and_has_no_plot_without_timestamps(package: Path, tmp_path: Path) -> None:
    hostile = entry("GET", f"{BASE}/%3Cscript%3E<script>alert(1)</script>", 200, "{}")
    del hostile["startedDateTime"]
    har = capture(tmp_path, hostile, name="<b>&.har")
    result = shop(package, har, "--format", "html")
    assert result.returncode == 0, result.stderr
    assert "<script>" not in result.stdout and "<b>" not in result.stdout
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in result.stdout and "&lt;b&gt;&amp;.har" in result.stdout
    assert "<svg" not in result.stdout and "Over time" not in result.stdout


@pytest.mark.parametrize("output", ["grouped", "sarif", "html", "json", "text", "junit", "csv"])
@pytest.mark.parametrize(
    ("finding", "statuses"),
    [
        # an undocumented query parameter (info), an unknown field (warning), a missing body (error)
        (entry("GET", f"{BASE}/items?project=p&colour=red", 200, ITEMS), {"error": 0, "warning": 0, "drift": 1}),
        (entry("GET", f"{BASE}/items?project=p", 200, '{"data": [], "x": 1}'), {"error": 0, "warning": 1, "drift": 1}),
        (entry("POST", f"{BASE}/items", 201, ITEM), {"error": 1, "warning": 1, "drift": 1}),
    ],
    ids=["info", "warning", "error"],
)
def test_exit_statuses_follow_fail_on_in_every_format(
    package: Path, tmp_path: Path, output: str, finding: dict[str, Any], statuses: dict[str, int]
) -> None:
    har = capture(tmp_path, entry("GET", f"{BASE}/items?project=p", 200, ITEMS), finding)
    for fail_on, status in statuses.items():
        options = ["--summary"] if output == "json" else []
        result = shop(package, har, "--format", output, "--fail-on", fail_on, *options)
        assert result.returncode == status, (fail_on, result.stdout, result.stderr)
        if output == "sarif":
            assert json.loads(result.stdout)["runs"][0]["invocations"][0]["exitCode"] == status
        if output == "json":
            assert json.loads(result.stdout.splitlines()[-1])["summary"]["exit_status"] == status


def test_existing_formats_are_unchanged_by_the_new_ones(package: Path, everything: Path) -> None:
    """text, junit and csv are what they were (tests/test_report_golden.py holds the samples' bytes): checked
    here on the capture with every kind against their own readers."""
    junit = shop(package, everything, "--format", "junit")
    suite = ElementTree.fromstring(junit.stdout).find("testsuite")
    assert suite is not None and suite.get("tests") == "16" and suite.get("failures") == "6"
    csv = shop(package, everything, "--format", "csv")
    assert csv.stdout.startswith("source,schema,in,severity,kind,where,message\n")  # (text mode: \r\n read as \n)
    text = shop(package, everything)
    assert text.stdout.splitlines()[-1] == "16 payload(s): 10 valid (9 with drift), 6 invalid"


def test_a_digest_grows_with_groups_not_with_payloads() -> None:
    digest = Digest()
    drift = [Drift("/data/3/extra", "unknown_field", "field 'extra' is not in the spec", side="response")]
    for second in range(20_000):
        report = Report(f"big.har:{second} GET /v1/items 200", "shop.Items", [], drift, ("shop", "listItems", 200))
        report.started = "2026-03-01T00:00:00Z" if second % 2 else str(1_772_323_200 + second)
        digest.add(report, "error")
    assert len(digest.groups) == 1 and next(iter(digest.groups.values())).count == 20_000
    assert len(digest.timeline.buckets) <= 4096 and digest.timeline.width > 1
    other = Digest()
    other.add(
        Report("x", None, [Error("", "no", "request", "security_not_met")], [], ("shop", "listItems", 200)), "error"
    )
    digest.merge(other)
    assert len(digest.groups) == 2 and digest.kinds == {"unknown_field": 20_000, "security_not_met": 1}


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("2026-03-01T10:00:07.123+00:00", 1772359207.123),
        ("2026-03-01T10:00:07.123456789Z", 1772359207.123456),
        ("2026-03-01 10:00:07,5", 1772359207.5),
        ("2026-03-01T11:00:07+0100", 1772359207.0),
        ("2026-03-01T10:00:07", 1772359207.0),
        ("2026-03-01", 1772323200.0),
        ("1772359207", 1772359207.0),
        ("1772359207123", 1772359207.123),
        ("yesterday", None),
        ("nan", None),
        ("-inf", None),
        ("1e300", None),
        ("2026-02-30T00:00:00Z", None),
        ("", None),
    ],
)
def test_timestamps_are_read_leniently(text: str, seconds: float | None) -> None:
    found = instant(text)
    assert found == (None if seconds is None else pytest.approx(seconds, abs=1e-6))


@pytest.mark.parametrize("output", ["grouped", "sarif", "html", "json"])
def test_the_reports_of_the_whole_run_are_the_same_with_jobs(package: Path, tmp_path: Path, output: str) -> None:
    """600 captures make three batches (256 files a batch): with --jobs 3 each worker folds its own digest, and
    the command's process merges them in input order into the same report."""
    for number in range(600):
        each, _ = EVERYTHING[number % len(EVERYTHING)]
        capture(tmp_path, {**each, "startedDateTime": f"2026-03-01T{number // 60:02d}:{number % 60:02d}:00Z"},
                name=f"{number:03d}.har")  # fmt: skip
    options = ["--summary"] if output == "json" else []
    alone = shop(package, tmp_path, "--format", output, *options)
    shared = shop(package, tmp_path, "--format", output, "--jobs", "3", *options)
    assert alone.returncode == shared.returncode == 1, alone.stderr + shared.stderr
    assert alone.stdout == shared.stdout
    if output == "grouped":
        assert "  unknown_field  x74" in alone.stdout  # 2 of every 16 captures (the 13th and 16th): 37 x 2


def test_a_plot_over_a_year_has_at_most_sixty_bars_of_whole_weeks() -> None:
    from evaljobs._html_report import _plots

    digest = Digest()
    for day in range(0, 365, 3):
        report = Report("x", "shop.Items", [], [], ("shop", "listItems", 200))
        report.started = str(1_767_225_600 + day * 86400)  # from 2026-01-01
        digest.add(report, "error")
    page = _plots(digest, 1000)
    assert "Exchanges per week from 2026-01-01 00:00:00 to 2026-12-31 00:00:00" in page, page[:300]
    assert page.count("<rect ") == 52  # (weeks start on Thursdays, as the epoch's first did)


@pytest.mark.parametrize(
    ("source", "uri", "region", "web"),
    [
        ("caps/a b.har:7 GET /x y 0", "caps/a%20b.har", None, ({"method": "GET", "target": "/x y"}, 0)),
        ("<stdin>:3 POST /v1/items 201", "%3Cstdin%3E", None, ({"method": "POST", "target": "/v1/items"}, 201)),
        ("runs.jsonl:12", "runs.jsonl", {"startLine": 12}, None),
        ("run.json", "run.json", None, None),
    ],
)
def test_sarif_locations_from_each_kind_of_source(
    source: str, uri: str, region: dict[str, int] | None, web: tuple[dict[str, str], int] | None
) -> None:
    from evaljobs._sarif import SarifFormat

    finding = Drift("/a/0", "unknown_field", "field 'a' is not in the spec", side="response")
    found = SarifFormat("error").result(Report(source, "shop.Items", [], [finding]), finding)
    physical = found["locations"][0]["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == uri and physical.get("region") == region
    assert (None if web is None else (found["webRequest"], found["webResponse"]["statusCode"])) == web
    assert found["level"] == "warning" and found["message"]["text"] == "/a/0: field 'a' is not in the spec"

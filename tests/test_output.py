"""The reports of `evaljobs validate` are well-formed for any input: real files with hostile keys, values and
names, real processes. JUnit parses with an XML parser, JSON lines with a strict JSON parser, and the text
report carries no control character from the data (escaped visibly instead)."""

from __future__ import annotations

import os
import subprocess
import sys
import unicodedata
from pathlib import Path
from xml.etree import ElementTree

import orjson
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from evaljobs._output import _UNSAFE, Tally, _escape, visible
from evaljobs._report import Drift, Error, FailOn, Report
from tests.conftest import ROOT

RUN = "gradient.EvaluationRunRetrieveResponse"

# JSON texts whose keys, values and messages carry what a terminal or an XML document must not get raw
HOSTILE = {
    "control-key.json": b'{"a\\u0001b": 1}',
    "escape-key.json": b'{"evaluation_run": {"\\u001b[31mred\\u001b[0m": 1, "\\u0000": 2, "x\\u0085y": 3}}',
    "bidi-key.json": b'{"evaluation_run": {"\\u202egnp.exe": 1, "line\\u2028sep": 2, "\\ufffe\\uffff": 3}}',
    "markup-key.json": b'{"evaluation_run": {"]]></failure><x a=\\"&": 1, "status": "<&\\u0007>"}}',
    "bad-value.json": b'{"evaluation_run": {"test_case_version": "\\u001b[2J\\u0008", "agent_name": 5}}',
    "lone-surrogate.json": b'{"evaluation_run": {"agent_name": "\\ud800"}}',
    "invalid-utf8.json": b'{"evaluation_run": {"agent_name": "\xff\xfe"}}',
    "control-byte.json": b'{"evaluation_run": {"agent_name": "a\x01b"}}',
    "duplicate.json": b'{"evaluation_run": {"\\u001bk": 1, "\\u001bk": 2}}',
}

# what no line of the text report may hold: C0/C1 controls and DEL, separators, bidirectional controls
FORBIDDEN = {chr(c) for c in [*range(0x20), *range(0x7F, 0xA0), 0x2028, 0x2029, *range(0x202A, 0x202F)]} - {"\n"}


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    for name, content in HOSTILE.items():
        (tmp_path / name).write_bytes(content)
    # file names are data too: a control character, and bytes that are not UTF-8
    (tmp_path / "esc\x1b[1mname.json").write_bytes(b'{"evaluation_run": {}}')
    (Path(os.fsdecode(bytes(tmp_path) + b"/bad\xff\xfename.json"))).write_bytes(b'{"evaluation_run": {}}')
    return tmp_path


def run(*args: str) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "evaljobs.cli", "validate", *args],
        capture_output=True,
        timeout=120,
        cwd=ROOT,
        check=False,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )


@pytest.mark.parametrize("forced", [[], ["--schema", RUN]], ids=["detected", "schema"])
def test_junit_is_well_formed_xml_for_hostile_keys_values_and_names(hostile: Path, forced: list[str]) -> None:
    result = run("--format", "junit", *forced, str(hostile))
    assert result.returncode == 1 and b"Traceback" not in result.stderr, result.stderr
    suite = ElementTree.fromstring(result.stdout).find("testsuite")  # raises on a document that is not XML
    assert suite is not None
    cases = suite.findall("testcase")
    assert len(cases) == len(HOSTILE) + 2 == int(suite.get("tests", "0"))
    text = "".join(ElementTree.fromstring(result.stdout).itertext()) + "".join(
        value for case in cases for element in case.iter() for value in element.attrib.values()
    )
    assert "\\x1b[31mred\\x1b[0m" in text and "\\u202egnp.exe" in text and "\\x01" in text
    assert "bad\\xff\\xfename.json" in text
    assert not FORBIDDEN & set(text.replace("\n", ""))


@pytest.mark.parametrize("forced", [[], ["--schema", RUN]], ids=["detected", "schema"])
def test_text_report_escapes_control_characters_from_the_data(hostile: Path, forced: list[str]) -> None:
    result = run(*forced, str(hostile))
    assert result.returncode == 1 and b"Traceback" not in result.stderr, result.stderr
    text = result.stdout.decode("utf-8")  # strict: every byte is UTF-8
    assert not FORBIDDEN & set(text), sorted({hex(ord(c)) for c in FORBIDDEN & set(text)})
    assert "esc\\x1b[1mname.json" in text and "bad\\xff\\xfename.json" in text
    assert all(unicodedata.category(c) != "Cs" for c in text)


@pytest.mark.parametrize("forced", [[], ["--schema", RUN]], ids=["detected", "schema"])
def test_json_lines_parse_strictly_for_hostile_input(hostile: Path, forced: list[str]) -> None:
    result = run("--format", "json", *forced, str(hostile))
    assert result.returncode == 1 and b"Traceback" not in result.stderr, result.stderr
    found = [orjson.loads(line) for line in result.stdout.splitlines()]  # orjson refuses lone surrogates
    assert len(found) == len(HOSTILE) + 2
    sources = {Path(str(report["source"])).name for report in found}
    assert "bad\\xff\\xfename.json" in sources and "esc\x1b[1mname.json" in sources  # JSON escapes it itself


def test_the_summary_counts_drift_among_valid_payloads_only() -> None:
    tally = Tally()
    drift = [Drift("/x", "unknown_field", "field 'x' is not in the spec")]
    tally.add(Report("bad", RUN, errors=[Error("/y", "expected an integer")], drift=drift), "error")
    assert tally.summary("error") == "1 payload(s): 0 valid (0 with drift), 1 invalid"
    tally.add(Report("drifted", RUN, drift=drift), "error")
    tally.add(Report("clean", RUN), "error")
    assert tally.summary("error") == "3 payload(s): 2 valid (1 with drift), 1 invalid"
    assert tally.failing == 1


@pytest.mark.parametrize(
    ("fail_on", "failing", "ending"),
    [
        ("error", 1, "1 invalid"),
        ("warning", 2, "1 invalid; --strict: drift fails"),
        ("drift", 3, "1 invalid; --fail-on drift: drift and info fail"),
    ],
)
def test_what_fails_follows_fail_on(fail_on: FailOn, failing: int, ending: str) -> None:
    """Errors always fail; drift of severity warning with --fail-on warning (--strict); info findings (an
    undocumented query parameter) only with --fail-on drift."""
    tally = Tally()
    warning = Drift("/x", "unknown_field", "field 'x' is not in the spec", side="response")
    info = Drift("", "undocumented_parameter", "not documented", side="request", parameter="foo", location="query")
    for report in (
        Report("bad", RUN, errors=[Error("/y", "expected an integer")]),
        Report("drifted", RUN, drift=[warning]),
        Report("told", RUN, drift=[info]),
        Report("clean", RUN),
    ):
        tally.add(report, fail_on)
    assert tally.failing == failing
    assert tally.summary(fail_on) == f"4 payload(s): 3 valid (1 with drift), {ending}"


@pytest.mark.parametrize("output", ["grouped", "html"])
def test_the_reports_of_the_whole_run_escape_the_data(hostile: Path, output: str) -> None:
    """The grouped text and the HTML page carry no control character from the data: escaped visibly (and the
    page's markup characters as entities)."""
    result = run("--format", output, str(hostile))
    assert result.returncode == 1 and b"Traceback" not in result.stderr, result.stderr
    text = result.stdout.decode("utf-8")
    assert not FORBIDDEN & set(text), sorted({hex(ord(c)) for c in FORBIDDEN & set(text)})
    assert "\\x1b[31mred\\x1b[0m" in text and "\\u202egnp.exe" in text
    if output == "html":
        assert "]]&gt;&lt;/failure&gt;&lt;x a=&quot;&amp;" in text and "<x a=" not in text


def test_sarif_parses_strictly_for_hostile_input(hostile: Path) -> None:
    result = run("--format", "sarif", str(hostile))
    assert result.returncode == 1 and b"Traceback" not in result.stderr, result.stderr
    log = orjson.loads(result.stdout)  # refuses lone surrogates
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in log["runs"][0]["results"]}
    assert "file://" + str(hostile) + "/bad-value.json" in uris
    from evaljobs._sarif import _uri  # a file name's undecodable bytes, percent-encoded as they are

    assert _uri(os.fsdecode(b"/x/bad\xff\xfe name.json")) == "file:///x/bad%FF%FE%20name.json"
    assert _uri("runs/a#1.jsonl") == "runs/a%231.jsonl"
    messages = " ".join(r["message"]["text"] for r in log["runs"][0]["results"])
    assert "\\x1b[31mred\\x1b[0m" in messages


@given(st.text(alphabet=st.characters(codec=None, categories=None, max_codepoint=0x20FF), max_size=20) | st.text())
@example("name\udcff\x1b[31m\u202e\x7f")
@example("plain ascii ~")
def test_visible_escapes_exactly_the_unsafe_characters(text: str) -> None:
    """``visible`` passes printable ASCII without its pattern (compiled on first use): the same text as the
    pattern gives, on any text."""
    import re

    assert visible(text) == re.sub(_UNSAFE, _escape, text)

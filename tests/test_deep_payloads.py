"""Payloads nested deeper than the encoders and parsers recurse (990 to 1,024 levels are JSON the decoder
accepts): each is a finding about itself, the lines and files around it still validated, under --jobs too."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
import pytest

from evaljobs._inputs import CHUNK
from evaljobs._validation.duplicates import duplicate_key, without_duplicates
from tests.conftest import ROOT
from tests.test_cli import evaljobs, reports

RUN = json.dumps(json.loads((ROOT / "samples/captures/gradient/evaluation-run-successful.json").read_text()))


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_deep_payload_is_a_finding_between_its_neighbours(tmp_path: Path, jobs: str) -> None:
    """990 to 1,024 levels are JSON the decoder accepts, deeper than the duplicate-key checks recursed:
    the payload gets its report, and so do the lines around it and the other files (under --jobs too)."""
    deep = tmp_path / "deep.jsonl"
    deep.write_text(f"{RUN}\n{'[' * 1000}{']' * 1000}\n{RUN}\n{'[' * 1023}{']' * 1023}\n{'[' * 1025}{']' * 1025}\n")
    other = tmp_path / "other.jsonl"
    other.write_text((RUN + "\n") * (2 * CHUNK // len(RUN)))  # several batches: workers work
    result = evaljobs("validate", "--format", "json", "--jobs", jobs, str(deep), str(other))
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    found = {str(r["source"]): r for r in reports(result)}
    assert [found[f"{deep}:{line}"]["valid"] for line in range(1, 6)] == [True, False, True, False, False]
    expected = "no schema matches: none of the 18 response schemas is an array"  # (detection, issue 17)
    assert found[f"{deep}:2"]["errors"] == [{"pointer": "", "message": expected}]
    assert "nested more than 1,024 levels" in str(found[f"{deep}:5"]["errors"])
    assert len(found) == 5 + 2 * CHUNK // len(RUN)


@pytest.mark.parametrize("depth", [300, 1000, 1021])
def test_duplicate_keys_are_found_at_any_depth(depth: int) -> None:
    inner = b'{"a": 1, "b": {"\\u0061": 2}, "\\u0061": 3}'  # "\u0061" is "a": the outer object repeats it
    data = b'{"x": ' + b"[" * depth + inner + b"]" * depth + b"}"
    assert duplicate_key(data) == ("/x" + "/0" * depth, "a")
    assert duplicate_key(data.replace(b'"\\u0061": 3', b'"c": 3')) is None
    decoded = orjson.loads(data)  # (a JSON reader keeps the last of duplicate keys silently)
    assert without_duplicates(data.replace(b"\\u0061", b"a"), decoded) is False
    clean = b"[" * depth + b'{"a": "x:y", "b": {"a": 1}}' + b"]" * depth
    assert without_duplicates(clean, orjson.loads(clean)) is True


def test_a_deep_payload_with_a_duplicate_key_is_that_finding(tmp_path: Path) -> None:
    bad = tmp_path / "bad.json"
    bad.write_bytes(b'{"x": ' + b"[" * 1000 + b'{"k": 1, "k": 2}' + b"]" * 1000 + b"}")
    result = evaljobs("validate", "--format", "json", str(bad))
    assert result.returncode == 1 and result.stderr == ""
    pointer = "/x" + "/0" * 1000  # the object that holds the duplicate, found without recursion
    assert reports(result)[0]["errors"] == [{"pointer": pointer, "message": "duplicate key 'k' in one object"}]

"""`evaljobs validate` loses nothing and misleads no one: a bad payload is a finding about that payload, an
input that cannot be read (a dead worker, a pipe with no writer, a file that shrinks) is named with the exit
status 2, and everything finished is still written. Real files, pipes and processes."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from evaljobs._inputs import CHUNK, Payload, Unit, payloads, units
from tests.conftest import ROOT
from tests.test_cli import evaljobs, reports

RUN = json.dumps(json.loads((ROOT / "samples/captures/gradient/evaluation-run-successful.json").read_text()))
BROKEN = json.dumps(json.loads((ROOT / "samples/captures/gradient/evaluation-run-broken.json").read_text()))


def _command(*args: str) -> list[str]:
    return [sys.executable, "-m", "evaljobs.cli", *args]


def _valid_lines(path: Path, count: int) -> Path:
    path.write_text((RUN + "\n") * count)
    return path


# -- a worker killed under --jobs ----------------------------------------------------------------------------


def test_a_killed_worker_costs_nothing_every_line_is_written_once(tmp_path: Path) -> None:
    """A `--jobs` worker killed mid-run (SIGKILL from outside: no payload's fault): the batches it held and
    the other worker's, in flight when the pool broke, are validated again (one at a time, the first of them
    alone), the results finished before are kept, and the report is the whole one, each line once."""
    total = 12_000  # 24 batches of payloads with errors, each explained: the workers have batches throughout
    big = tmp_path / "big.jsonl"
    big.write_text((BROKEN + "\n") * total)
    process = subprocess.Popen(
        _command("validate", "--format", "json", "--jobs", "2", str(big)),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()  # the run is under way: the workers have their batches
    children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    assert len(children) == 2
    os.kill(int(children[0]), signal.SIGKILL)
    rest, errors = process.stdout.read(), process.stderr.read().decode()
    process.stdout.close()
    process.stderr.close()
    assert process.wait(timeout=120) == 1, errors  # the payloads' errors: nothing could not be validated
    reported = [int(str(json.loads(line)["source"]).rsplit(":", 1)[1]) for line in [first, *rest.splitlines()]]
    assert "Traceback" not in errors and "not validated" not in errors
    assert reported == list(range(1, total + 1)), "every line reported once, in order"


# -- pipes and other files that are not regular ---------------------------------------------------------------


def test_a_fifo_in_a_folder_is_skipped_with_a_word(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text(RUN)
    os.mkfifo(tmp_path / "stream.json")  # no writer: reading it would wait forever
    result = evaljobs("validate", "--format", "json", str(tmp_path))
    assert result.returncode == 0, result.stderr
    assert [r["source"] for r in reports(result)] == [str(tmp_path / "run.json")]
    assert f"{tmp_path / 'stream.json'}: skipped: not a regular file (a FIFO)" in result.stderr


def test_a_fifo_given_with_no_writer_is_not_waited_for(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text(RUN)
    fifo = tmp_path / "stream.jsonl"
    os.mkfifo(fifo)
    result = evaljobs("validate", "--format", "json", str(fifo), str(tmp_path / "run.json"))
    assert result.returncode == 2
    assert f"{fifo}: not read: a pipe with no writer" in result.stderr
    assert [r["valid"] for r in reports(result)] == [True]


def test_a_pipe_with_a_writer_is_read(tmp_path: Path) -> None:
    """A shell's process substitution: a pipe that a command writes into, here after a while."""
    run = tmp_path / "run.json"
    run.write_text(RUN)
    script = f'"$@" <(sleep 0.5; cat {run}) <(cat {run})'
    command = ["bash", "-c", script, "bash", *_command("validate", "--format", "json")]
    result = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert [r["valid"] for r in reports(result)] == [True, True]


# -- files that shrink while they are read --------------------------------------------------------------------


def test_a_jsonl_file_that_shrinks_while_it_is_read_is_named(tmp_path: Path) -> None:
    """Cut into units as the command does, then truncated (mid-line) before the units are read: the lines
    before are kept, the rest is a problem naming them, and no cut line is taken for a payload."""
    big = _valid_lines(tmp_path / "big.jsonl", 3 * CHUNK // len(RUN))
    cut = [unit for unit in units([str(big)]) if isinstance(unit, Unit)]
    assert len(cut) > 2
    os.truncate(big, cut[1].start + len(RUN) * 3 // 2)  # in the middle of the second line of the second unit
    found = [payload for unit in cut for payload in payloads(unit)]
    problems = [payload for payload in found if payload.problem is not None]
    kept = [payload.source for payload in found if payload.problem is None]
    assert kept == [f"{big}:{line}" for line in range(1, cut[1].first_line + 1)]
    assert len(problems) == len(cut) - 1
    assert problems[0].problem is not None and problems[0].problem.startswith(
        f"lines {cut[1].first_line + 1:,} to {cut[1].last_line:,}: not validated: the file shrank"
    )
    assert all("shrank" in str(problem.problem) for problem in problems)


def test_the_command_says_when_a_file_shrank_under_it(tmp_path: Path) -> None:
    total = 12_000  # 24 batches of payloads with errors, each explained: a run far from over at its first report
    big = tmp_path / "big.jsonl"
    big.write_text((BROKEN + "\n") * total)
    process = subprocess.Popen(
        _command("validate", "--format", "json", str(big)), stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=ROOT
    )
    assert process.stdout is not None and process.stderr is not None
    first = process.stdout.readline()  # every unit is cut (one process cuts first), the reading under way
    os.truncate(big, 1_000_000)
    rest, errors = process.stdout.read(), process.stderr.read().decode()
    process.stdout.close()
    process.stderr.close()
    assert process.wait(timeout=120) == 2
    assert f"{big}: lines " in errors and "not validated: the file shrank while it was read" in errors
    assert 0 < len([first, *rest.splitlines()]) < total


# -- lines, stdin, empty and unknown inputs -------------------------------------------------------------------


def test_only_json_whitespace_makes_a_blank_line(tmp_path: Path) -> None:
    lines = tmp_path / "lines.jsonl"
    lines.write_bytes(RUN.encode() + b"\n \t\r\n\x0b\n\x0c\n" + RUN.encode() + b"\n")
    result = evaljobs("validate", "--format", "json", str(lines))
    assert result.returncode == 1
    found = {r["source"]: r for r in reports(result)}
    assert sorted(found) == [f"{lines}:{line}" for line in (1, 3, 4, 5)]
    assert found[f"{lines}:3"]["valid"] is False and "not JSON" in str(found[f"{lines}:3"]["errors"])
    assert found[f"{lines}:4"]["valid"] is False and "not JSON" in str(found[f"{lines}:4"]["errors"])


def test_stdin_jsonl_is_validated_as_it_comes() -> None:
    """Reports come out before standard input is closed: it is read in pieces, not whole."""
    process = subprocess.Popen(
        _command("validate", "--format", "json", "-"),
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        cwd=ROOT,
    )
    assert process.stdin is not None and process.stdout is not None
    lines = 3 * CHUNK // len(RUN)
    reported = threading.Event()

    def write() -> None:
        assert process.stdin is not None
        process.stdin.write((RUN + "\n").encode() * lines)
        process.stdin.flush()
        reported.wait(100)  # the end of the input comes only once a report has
        process.stdin.write(b"not json\n")
        process.stdin.close()

    writer = threading.Thread(target=write)
    writer.start()
    readable = select.select([process.stdout], [], [], 100)[0]
    first = process.stdout.readline() if readable else b""
    reported.set()
    rest = process.stdout.read().splitlines()  # (the writer may wait for the command to take more input)
    writer.join()
    process.stdout.close()
    assert process.wait(timeout=120) == 1
    assert first, "no report before the end of standard input"
    assert json.loads(first)["source"] == "<stdin>:1" and json.loads(first)["valid"] is True
    assert len(rest) == lines and json.loads(rest[-1])["source"] == f"<stdin>:{lines + 1}"


def test_no_input_at_all_exits_2(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    (tmp_path / "nothing.jsonl").write_bytes(b"")
    for path in (empty, tmp_path / "nothing.jsonl"):
        result = evaljobs("validate", str(path))
        assert result.returncode == 2 and "Traceback" not in result.stderr
        assert f"evaljobs: nothing to validate: no payload in {path}" in result.stderr
    assert f"{empty}: no .json, .jsonl, .ndjson or .har file in this folder" in evaljobs("validate", str(empty)).stderr


def test_an_empty_jsonl_file_among_others_is_a_warning(tmp_path: Path) -> None:
    (tmp_path / "empty.jsonl").write_bytes(b"")
    (tmp_path / "run.json").write_text(RUN)
    result = evaljobs("validate", str(tmp_path))
    assert result.returncode == 0
    assert f"evaljobs: {tmp_path / 'empty.jsonl'}: empty: no payload in it" in result.stderr


def test_files_of_other_kinds_in_a_folder_are_named(tmp_path: Path) -> None:
    (tmp_path / "run.json").write_text(RUN)
    for name in ("notes.txt", "a.csv", "b.yaml", "c.xml", "d.log", "e.bin", "f.tmp"):
        (tmp_path / name).write_text("x")
    result = evaljobs("validate", str(tmp_path))
    assert result.returncode == 0
    assert (
        f"evaljobs: {tmp_path}: skipped 7 file(s) not named .json, .jsonl, .ndjson or .har: "
        "a.csv, b.yaml, c.xml, d.log, e.bin and 2 more"
    ) in result.stderr


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"5", "its JSON is a number, not an object"),
        (b'{"log": [1]}', 'its "log" is an array, not an object'),
        (b'{"log": {"version": "1.2"}}', 'it has no "log.entries" list'),
        (b'{"log": {"entries": {}}}', 'its "log.entries" is an object'),
        (b"{not json", "not JSON"),
        (b"[" * 5000, "not JSON"),
    ],
)
def test_a_har_that_is_not_one_says_what_is_wrong(tmp_path: Path, content: bytes, message: str) -> None:
    capture = tmp_path / "session.har"
    capture.write_bytes(content)
    result = evaljobs("validate", str(capture))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"evaljobs: {capture}: not a HAR capture: {message}" in result.stderr


def test_payloads_read_from_stdin_are_batched_like_files() -> None:
    """Standard input's payloads travel in batches of about CHUNK bytes (not one batch of everything)."""
    from evaljobs._inputs import batches

    items: list[Unit | Payload] = [Payload(f"<stdin>:{n}", b"x" * 1000) for n in range(3000)]
    sizes = [sum(item.size for item in batch) for batch in batches(items)]
    assert len(sizes) > 2 and max(sizes) <= CHUNK + 1000

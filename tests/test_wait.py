"""``wait()`` and ``evaljobs watch`` over real loopback HTTP: each status operation the specs mark, scripted
through the mock server to reach every terminal state, the progress callback, the timeout, and the CLI."""

from __future__ import annotations

import asyncio
import copy
import io
import json
from typing import Any

import pytest

from evaljobs import cli
from evaljobs._clients.jobs import JobState
from evaljobs._mock import Fault, MockServer
from tests.loopback import FLAVORS, GRADIENT_RUN, NEMO_V1_JOB, NEMO_V2_JOB, client_kwargs, module, package

# (api, status method, job id) of every operation a spec marks with x-evaljobs-job-status.
STATUS_OPERATIONS = [
    ("nemo_evaluator", "get_evaluation_job", NEMO_V1_JOB),
    ("nemo_evaluator", "get_evaluation_job_v2", NEMO_V2_JOB),
    ("nemo_evaluator", "get_evaluation_job_status_v2", NEMO_V2_JOB),
    ("gradient", "get_evaluation_run", GRADIENT_RUN),
]
TERMINAL = (JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED)


pytestmark = pytest.mark.usefixtures("fresh_mock")  # the mock server of tests/loopback.py, reset per test


def test_the_marked_operations_are_exactly_those_of_the_specs() -> None:
    marked = [
        (api, name) for api in ("nemo_evaluator", "gradient") for name in module(api, "_client").CONFIG.job_status
    ]
    assert marked == [(api, name) for api, name, _ in STATUS_OPERATIONS]


def script(api: str, method: str, states: list[JobState]) -> list[Fault]:
    """One reply per poll, each the operation's example with its status field set to a value of that state."""
    spec = module(api, "_client").CONFIG.job_status[method]
    by_state = {}
    for value, state in spec.states.items():
        by_state.setdefault(state, value)
    raw_example = module(api, "_examples").RESPONSES[spec.endpoint.operation_id]["200"]
    example = json.loads(json.dumps(raw_example))
    faults = []
    for state in states:
        body = copy.deepcopy(example)
        *parents, last = spec.state_field.split(".")
        target = body
        for key in parents:
            target = target[key]
        target[last] = by_state[state] if state is not JobState.UNKNOWN else "SOMETHING_NEW"
        faults.append(Fault(path=spec.endpoint.path, body=body))
    return faults


def wait(api: str, flavor: str, base_url: str, job_id: str, **kwargs: Any) -> Any:
    if flavor == "sync":
        with package(api).Client(**client_kwargs(base_url)) as client:
            return client.wait(job_id, **kwargs)

    async def run() -> Any:
        async with package(api).AsyncClient(**client_kwargs(base_url)) as client:
            return await client.wait(job_id, **kwargs)

    return asyncio.run(run())


@pytest.mark.parametrize("flavor", FLAVORS)
@pytest.mark.parametrize("terminal", TERMINAL, ids=[s.value for s in TERMINAL])
@pytest.mark.parametrize("operation", STATUS_OPERATIONS, ids=[m for _, m, _ in STATUS_OPERATIONS])
def test_wait_polls_until_each_terminal_state(
    mock: MockServer, operation: tuple[str, str, str], terminal: JobState, flavor: str
) -> None:
    api, method, job_id = operation
    states = [JobState.QUEUED, JobState.UNKNOWN, JobState.RUNNING, terminal]
    mock.inject(*script(api, method, states))
    seen: list[Any] = []
    final = wait(api, flavor, mock.url, job_id, poll_interval=0.01, on_progress=seen.append, operation=method)
    assert [p.state for p in seen] == states
    assert [p.polls for p in seen] == [1, 2, 3, 4]
    assert final is seen[-1] and final.done and final.job_id == job_id
    assert seen[1].status == "SOMETHING_NEW" and not seen[1].done
    model = module(api, "_client").CONFIG.job_status[method].endpoint.model
    assert type(final.job) is model
    assert len(mock.requests) == 4


def test_wait_defaults_to_the_first_marked_operation_and_reads_progress_and_message(mock: MockServer) -> None:
    final = wait("nemo_evaluator", "sync", mock.url, NEMO_V1_JOB, poll_interval=0.01)
    assert mock.requests[0].path == f"/v1/evaluation/jobs/{NEMO_V1_JOB}"
    assert (final.state, final.status, final.message) == (JobState.SUCCEEDED, "completed", "Job completed successfully")
    v2 = wait("nemo_evaluator", "sync", mock.url, NEMO_V2_JOB, operation="get_evaluation_job_v2")
    assert (v2.progress, v2.message) == (100.0, "Job completed successfully")


@pytest.mark.parametrize("flavor", FLAVORS)
def test_wait_gives_up_after_its_timeout(mock: MockServer, flavor: str) -> None:
    from evaljobs.gradient import WaitTimeoutError

    mock.inject(*script("gradient", "get_evaluation_run", [JobState.RUNNING] * 50))
    with pytest.raises(WaitTimeoutError) as caught:
        wait("gradient", flavor, mock.url, GRADIENT_RUN, timeout=0.15, poll_interval=0.03)
    assert isinstance(caught.value, TimeoutError)
    assert caught.value.last is not None and caught.value.last.state is JobState.RUNNING
    assert 3 <= len(mock.requests) <= 8


def test_wait_refuses_bad_arguments_and_unknown_operations(mock: MockServer) -> None:
    from evaljobs.gradient import InvalidParameterError

    for kwargs in ({"poll_interval": 0}, {"timeout": -1}, {"operation": "nope"}):
        with pytest.raises(InvalidParameterError):
            wait("gradient", "sync", mock.url, GRADIENT_RUN, **kwargs)
    assert mock.requests == []


def test_a_status_error_while_waiting_propagates(mock: MockServer) -> None:
    from evaljobs.nemo_evaluator import NotFoundError

    with pytest.raises(NotFoundError):
        wait("nemo_evaluator", "sync", mock.url, "eval-nobody-knows")


def watch(mock: MockServer, *args: str) -> int:
    return cli.main(["watch", *args, "--base-url", mock.url, "--interval", "0.01"])


def test_watch_follows_a_job_to_success(mock: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    mock.inject(*script("nemo_evaluator", "get_evaluation_job_v2", [JobState.QUEUED, JobState.RUNNING]))
    status = watch(mock, "nemo_evaluator", NEMO_V2_JOB, "--operation", "get_evaluation_job_v2")
    out = capsys.readouterr().out.splitlines()
    assert status == 0
    assert out[0].startswith(f"{NEMO_V2_JOB} queued (created)")
    assert out[1].startswith(f"{NEMO_V2_JOB} running (active)")
    assert out[-1].startswith(f"{NEMO_V2_JOB} succeeded after ")


@pytest.mark.parametrize(("state", "expected"), [(JobState.FAILED, 1), (JobState.CANCELLED, 1)])
def test_watch_exits_1_when_the_job_fails_or_is_cancelled(
    mock: MockServer, capsys: pytest.CaptureFixture[str], state: JobState, expected: int
) -> None:
    mock.inject(*script("gradient", "get_evaluation_run", [state]))
    assert watch(mock, "gradient", GRADIENT_RUN) == expected
    assert capsys.readouterr().out.splitlines()[-1].startswith(f"{GRADIENT_RUN} {state.value} after")


def test_watch_escapes_what_the_server_says(mock: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    faults = script("gradient", "get_evaluation_run", [JobState.FAILED])
    faults[0].body["evaluation_run"]["error_description"] = "boom\x1b[2J\u202e"
    mock.inject(*faults)
    assert watch(mock, "gradient", GRADIENT_RUN) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\u202e" not in out and "boom\\x1b[2J\\u202e" in out


def test_watch_exit_statuses_for_timeouts_and_errors(mock: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    mock.inject(*script("gradient", "get_evaluation_run", [JobState.RUNNING] * 50))
    assert watch(mock, "gradient", GRADIENT_RUN, "--timeout", "0.05") == 3
    assert watch(mock, "gradient", "no-such-run") == 2
    assert watch(mock, "nowhere", "x") == 2
    with pytest.raises(SystemExit) as usage:
        cli.main(["watch", "gradient", "x", "--interval", "soon"])
    assert usage.value.code == 2
    err = capsys.readouterr().err
    assert "404 Not Found" in err and "unknown API 'nowhere'" in err and "Traceback" not in err


def test_watch_finds_a_v2_job_without_operation(mock: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    # The spec's first status operation is the v1 path, which answers 404 for a v2 id: the next ones are tried.
    assert watch(mock, "nemo_evaluator", NEMO_V2_JOB) == 0
    captured = capsys.readouterr()
    assert captured.out.splitlines()[-1].startswith(f"{NEMO_V2_JOB} succeeded after ")
    assert captured.out.splitlines()[-1].endswith("(1 poll)")
    assert [r.path for r in mock.requests] == [
        f"/v1/evaluation/jobs/{NEMO_V2_JOB}",
        f"/v2/evaluation/jobs/{NEMO_V2_JOB}",
    ]
    assert captured.err == ""


def test_watch_reports_the_time_of_every_operation_tried(mock: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    # The v1 path answers its 404 after 0.3 s: the summary's duration counts it (a lower bound, not a speed).
    mock.inject(Fault(path="/v1/evaluation/jobs/{job_id}", status=404, delay=0.3))
    assert watch(mock, "nemo_evaluator", NEMO_V2_JOB) == 0
    summary = capsys.readouterr().out.splitlines()[-1]
    assert float(summary.split(" after ")[1].split(" s ")[0]) >= 0.3, summary


def test_watch_timeout_counts_the_operations_tried_first(mock: MockServer) -> None:
    # 0.3 s go to the v1 path's 404, more than the 0.2 s of --timeout: the v2 path is polled once, then it stops.
    running = script("nemo_evaluator", "get_evaluation_job_v2", [JobState.RUNNING] * 50)
    mock.inject(Fault(path="/v1/evaluation/jobs/{job_id}", status=404, delay=0.3), *running)
    assert watch(mock, "nemo_evaluator", NEMO_V2_JOB, "--timeout", "0.2") == 3
    assert [r.path for r in mock.requests].count(f"/v2/evaluation/jobs/{NEMO_V2_JOB}") == 1


def test_watch_of_an_unknown_job_tries_each_operation_and_lists_them(
    mock: MockServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert watch(mock, "nemo_evaluator", "job-nobody-knows") == 2
    err = capsys.readouterr().err
    assert len(mock.requests) == len(module("nemo_evaluator", "_client").CONFIG.job_status) == 3
    assert "404 Not Found" in err and "Traceback" not in err
    for name in ("get_evaluation_job", "get_evaluation_job_v2", "get_evaluation_job_status_v2"):
        assert name in err
    assert "GET /v2/evaluation/jobs/{job_id}" in err and "--base-url" in err


def test_watch_with_the_wrong_operation_hints_at_the_others(
    mock: MockServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert watch(mock, "nemo_evaluator", NEMO_V2_JOB, "--operation", "get_evaluation_job") == 2
    err = capsys.readouterr().err
    assert len(mock.requests) == 1, "an explicit --operation is the only one asked"
    assert "hint:" in err and "--operation" in err and "get_evaluation_job_v2 (GET /v2/evaluation/jobs/{job_id})" in err


def test_watch_keeps_a_404_after_the_job_was_seen(mock: MockServer, capsys: pytest.CaptureFixture[str]) -> None:
    # Seen once, then gone: that 404 is the answer, no other operation is tried and no hint is given.
    faults = script("nemo_evaluator", "get_evaluation_job", [JobState.RUNNING])
    mock.inject(*faults, Fault(path=faults[0].path, status=404, body={"detail": "Job not found"}))
    assert watch(mock, "nemo_evaluator", NEMO_V1_JOB) == 2
    err = capsys.readouterr().err
    assert len(mock.requests) == 2 and "404 Not Found" in err and "hint" not in err


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_live_line_and_timeout_count_one_poll_in_the_singular(mock: MockServer) -> None:
    from evaljobs._cli.watch import _Live
    from evaljobs.gradient import WaitTimeoutError

    seen: list[Any] = []
    mock.inject(*script("gradient", "get_evaluation_run", [JobState.RUNNING]))
    with pytest.raises(WaitTimeoutError) as caught:
        wait("gradient", "sync", mock.url, GRADIENT_RUN, timeout=0, on_progress=seen.append)
    assert str(caught.value).endswith("and 1 poll")
    terminal = _Terminal()
    _Live(terminal).show(seen[0])
    assert terminal.getvalue().endswith(", 1 poll]")

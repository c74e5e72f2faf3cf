"""Helpers of the live capture tests: the same session of calls through the official SDKs (whatever carries
them: the capture transport, or the proxy), `evaljobs proxy` as a process, and reports compared across captures."""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import gradient
import nemo_microservices
import pytest
from gradient import AsyncGradient, Gradient
from nemo_microservices import AsyncNeMoMicroservices, NeMoMicroservices

from tests.conftest import ROOT
from tests.loopback import GRADIENT_RUN

TOKEN = "dop_v1_secret_live_token"
GRADIENT_TEST_CASE = "7d9e1f2a-3b4c-4d5e-8f6a-7b8c9d0e1f2a"
AGENTS = ["3f1c9a2e-7b4d-4e8a-9c61-2d5f8e0b7a14"]


def nemo_session(sdk: NeMoMicroservices) -> list[str]:
    """Create a job that has succeeded at once, read it, its results and archive, a bad page and a missing job
    (errors the mock answers), delete it. The ids it made."""
    jobs = sdk.evaluation.jobs
    job = jobs.create(
        config="my-organization/gsm8k-cot",
        target="my-organization/llama",
        extra_headers={"X-Mock-Schedule": "succeeded=0"},
    )
    jobs.list()
    jobs.retrieve(job.id)
    jobs.results(job.id)
    assert jobs.download_results(job.id).read()[:2] == b"PK"
    with pytest.raises(nemo_microservices.UnprocessableEntityError):
        jobs.list(extra_query={"page": "abc", "foo": "1"})
    with pytest.raises(nemo_microservices.NotFoundError):
        jobs.retrieve("eval-missing")
    jobs.delete(job.id)
    return [job.id]


def gradient_session(sdk: Gradient) -> list[str]:
    """Run a test case, read the runs; a run that is not there."""
    runs = sdk.agents.evaluation_runs
    created = runs.create(test_case_uuid=GRADIENT_TEST_CASE, agent_uuids=AGENTS, run_name="live")
    made = list(created.evaluation_run_uuids or [])
    for run_id in made:
        runs.retrieve(run_id)
    runs.retrieve(GRADIENT_RUN)
    with pytest.raises(gradient.NotFoundError):
        runs.retrieve("00000000-0000-4000-8000-000000000000")
    return made


async def async_session(nemo: AsyncNeMoMicroservices, runs_sdk: AsyncGradient) -> list[str]:
    """A shorter session through the async SDKs."""
    job = await nemo.evaluation.jobs.create(config="my-organization/gsm8k-cot", target="my-organization/llama")
    await nemo.evaluation.jobs.retrieve(job.id)
    await nemo.evaluation.jobs.list(extra_query={"page_size": "2"})
    await runs_sdk.agents.evaluation_runs.retrieve(GRADIENT_RUN)
    return [job.id]


def evaljobs(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "evaljobs.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
        check=False,
    )


def validated(capture: Path) -> list[dict[str, Any]]:
    """The reports `evaljobs validate --format json` gives on a capture file."""
    result = evaljobs("validate", "--format", "json", str(capture))
    assert result.returncode in (0, 1), result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def normalized(reports: list[dict[str, Any]], capture: str, ids: list[str]) -> list[dict[str, Any]]:
    """Reports with the capture's name and the ids a session made taken out of their sources: what the same
    session through another carrier gives alike."""
    found = []
    for report in reports:
        source = str(report["source"]).removeprefix(capture)
        for number, made in enumerate(ids):
            source = source.replace(made, f"ID{number}")
        found.append({**report, "source": source})
    return found


@dataclass
class Proxy:
    process: subprocess.Popen[str]
    url: str

    def stop(self, sign: int = signal.SIGTERM) -> tuple[int, str, str]:
        """Stop it with ``sign``: its exit status, standard output and standard error."""
        self.process.send_signal(sign)
        out, err = self.process.communicate(timeout=60)
        return self.process.returncode, out, err


@contextmanager
def proxy(*args: str) -> Iterator[Proxy]:
    """`evaljobs proxy ARGS` as a process, once it listens; killed if the test has not stopped it."""
    process = subprocess.Popen(
        [sys.executable, "-m", "evaljobs.cli", "proxy", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        cwd=ROOT,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        listening = re.fullmatch(r"listening on (http://\S+)\n", first)
        if listening is None:
            process.kill()
            _, err = process.communicate(timeout=30)
            raise AssertionError(f"the proxy did not start: {first!r} {err!r}")
        process.stdout.readline()  # "forwarding to ..."
        yield Proxy(process, listening.group(1))
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=30)

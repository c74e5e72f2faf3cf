"""The ``--jobs`` pool (evaljobs._workers: a pipe each way per worker): results in order whatever order the workers
finish in, every item once, a failing or dying worker reported instead of a hang, and no process left behind."""

from __future__ import annotations

import contextlib
import os
import signal
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from evaljobs._workers import WINDOW, WorkerFailed, ordered_map


def _slow_square(item: int) -> tuple[int, int]:
    time.sleep((item * 7 % 5) / 1000)  # the workers finish out of order
    return item, item * item


def _fails_on_13(item: int) -> int:
    if item == 13:
        raise ValueError("thirteen")
    return item


CALLER = os.getpid()


def _dies_on_7(item: int) -> int:
    if item == 7:
        os._exit(3)
    time.sleep(0.001)
    return item


def _worker_pid(item: int) -> int:
    time.sleep(0.002)
    return os.getpid()


def _children() -> set[str]:
    """This process's children, running or exited and not waited for."""
    found: set[str] = set()
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        with contextlib.suppress(FileNotFoundError):  # (a thread that has just ended)
            found.update((task / "children").read_text().split())
    return found


BEFORE: set[str] = set()


@pytest.fixture(autouse=True)
def _children_before() -> None:
    """The children this process had before the test (other tests' helpers: multiprocessing's resource
    tracker, started with Dask's spawned workers, lives as long as this process)."""
    BEFORE.clear()
    BEFORE.update(_children())


def _no_children_left() -> bool:
    """Whether every worker the test started has ended and been waited for."""
    return not _children() - BEFORE


@pytest.mark.parametrize("jobs", [2, 3, 5])
def test_results_come_in_order(jobs: int) -> None:
    results = list(ordered_map(_slow_square, range(60), jobs))
    assert results == [(item, item * item) for item in range(60)]
    assert _no_children_left()


def test_items_are_read_as_needed() -> None:
    """The items come from a generator the pool reads while the workers work (the command cuts its input
    into batches meanwhile), a few ahead of the results given back."""
    read: list[int] = []

    def items() -> Iterator[int]:
        for item in range(40):
            read.append(item)
            yield item

    given = 0
    for item, _ in ordered_map(_slow_square, items(), 2):
        assert item == given
        given += 1
        assert len(read) <= given + WINDOW * 2  # items per process at most beyond those given back
    assert given == 40 and _no_children_left()


@pytest.mark.parametrize("jobs", [2, 3])
def test_the_work_is_shared(jobs: int) -> None:
    """``jobs`` worker processes share the work; the caller's cuts the input and writes the output."""
    pids = list(ordered_map(_worker_pid, range(60), jobs))
    assert len(set(pids)) == jobs and os.getpid() not in pids


@pytest.mark.parametrize("jobs", [2, 3])
def test_a_failing_function_stops_the_run_with_its_error(jobs: int) -> None:
    """Raised in a worker: WorkerFailed naming the error; the run stops, and no worker is left."""
    with pytest.raises(WorkerFailed, match="thirteen"):
        list(ordered_map(_fails_on_13, range(30), jobs))
    assert _no_children_left()


def test_a_dying_worker_stops_the_run() -> None:
    started = time.monotonic()
    with pytest.raises(WorkerFailed, match="stopped unexpectedly"):
        list(ordered_map(_dies_on_7, range(30), 2))
    assert time.monotonic() - started < 30
    assert _no_children_left()


def _lost(item: int, reason: str) -> tuple[int, str]:
    return item, reason


def test_with_a_stand_in_a_dying_worker_costs_only_the_item_it_was_on() -> None:
    """Given ``lost``, the run goes on: the item that killed its worker gets a stand-in naming how the worker
    ended; the items in flight beside it are run again (one at a time, to tell them apart), every result comes
    once, the ones finished before the death included."""
    results = list(ordered_map(_dies_on_7, range(40), 2, lost=_lost))
    assert results[7] == (7, "the worker process validating it exited with status 3")
    assert [result for index, result in enumerate(results) if index != 7] == [i for i in range(40) if i != 7]
    assert _no_children_left()


def _fails_in_a_worker(item: int) -> list[int]:
    if os.getpid() != CALLER and item % 5 == 0:
        raise ValueError(f"no {item}")
    return [item, os.getpid()]


def test_with_a_stand_in_a_failing_item_does_not_stop_the_worker() -> None:
    results = list(ordered_map(_fails_in_a_worker, range(40), 2, lost=_lost))
    assert results[0][0] == 0 and str(results[0][1]).startswith("its worker process failed: ValueError: no 0 (")
    assert [result[0] for result in results] == list(range(40))
    assert results[1][1] != CALLER, "the worker went on with the items it had queued behind the failing one"
    assert _no_children_left()


def _killed_while_it_sends(item: tuple[int, str]) -> bytes:
    """Item 3, the first time: once the command's process has stopped reading (the test says so with the file
    ``<folder>/go``), the worker is killed (SIGKILL, as by the kernel's OOM killer) 0.2 s into sending its 8 MB
    result, which waits in the pipe: half a message is left there."""
    number, folder = item
    killed, go = Path(folder) / "killed", Path(folder) / "go"
    if number == 3 and not killed.exists():
        killed.write_text("killed once")
        while not go.exists():
            time.sleep(0.01)
        threading.Timer(0.2, os.kill, (os.getpid(), signal.SIGKILL)).start()
        return b"3" * 8_000_000
    return str(number).encode() * 1000


def test_a_worker_killed_halfway_through_sending_a_result_costs_nothing(tmp_path: Path) -> None:
    """The half message it left is the end of that worker's results (no other process holds its pipe): the
    run neither hangs (the ProcessPoolExecutor here before could: its workers shared one pipe) nor loses an
    item: the item is run again by another worker."""
    results = ordered_map(_killed_while_it_sends, [(number, str(tmp_path)) for number in range(12)], 2)
    assert next(results) == b"0" * 1000
    (tmp_path / "go").write_text("")  # the pool reads nothing now: this process writes its output
    time.sleep(1)
    rest = list(results)
    assert (tmp_path / "killed").exists(), "item 3's worker was killed"
    assert rest == [str(n).encode() * 1000 for n in range(1, 12)], "item 3 as run again: the half result dropped"
    assert _no_children_left()


def test_a_consumer_that_stops_early_leaves_no_worker() -> None:
    results = ordered_map(_slow_square, range(1000), 2)
    assert next(results) == (0, 0)
    results.close()  # (the command stopped: an error, Ctrl-C)
    assert _no_children_left()


def test_no_items() -> None:
    assert list(ordered_map(_slow_square, [], 2)) == []
    assert _no_children_left()

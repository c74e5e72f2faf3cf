"""``--jobs``: a function mapped over work items by worker processes, the results given back in order.

``jobs`` worker processes (forked on Linux: they start with the command's imports; spawned elsewhere), each
with a pipe of its own each way: the command's process sends each item to the worker with the fewest in hand,
reads the results as they come, keeps at most ``WINDOW`` items per worker in flight and gives the results back
in order (it cuts the input and writes the output meanwhile). A worker takes its items in the order sent, a
thread of its own reading them off its pipe so that sending never waits on a worker that is itself waiting to
send a result.

Why not the standard library's ``ProcessPoolExecutor``, which was here before: its workers share one result
pipe, and a worker killed while it writes a result leaves half a message in it. The executor's thread then
waits for the rest for ever, and the other worker for the pipe's lock the dead one held: the run hangs
(seen here in 4 runs of 280 with a worker killed at a random moment, 3 of them with the other core busy;
CI hung on it; this pool hung in none of 200). A pipe of one's own ends
when its worker does: a death is always seen, as the end of that worker's results, and it is that worker's.

A worker that raises or dies never leaves the run waiting: the caller either stops with a clear error or,
given ``lost``, has a stand-in for the item. A death costs the dead worker's items only: the one it was
working on (the first it had not answered) is run again by another worker, those queued behind it are sent
to the others, and a new worker takes the dead one's place. An item whose worker dies under it twice is the
cause: it alone is lost.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import pickle
import sys
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from multiprocessing.connection import Connection, wait
from typing import Any, TypeVar

__all__ = ["WINDOW", "WorkerFailed", "ordered_map"]

T = TypeVar("T")
R = TypeVar("R")

WINDOW = 8  # items per worker at most between the first not given back and the last submitted: a slow item
# holds the others' results back (they are given in order), so memory stays bounded
DEATHS = 2  # an item whose worker died under it this many times is the cause of it


class WorkerFailed(RuntimeError):
    """A worker process died, or its function raised."""


def ordered_map(
    function: Callable[[T], R], items: Iterable[T], jobs: int, lost: Callable[[T, str], R] | None = None
) -> Iterator[R]:
    """``map(function, items)`` computed by ``jobs`` worker processes, in order, items read as needed.

    A worker that dies (killed, out of memory) or whose ``function`` raises: without ``lost``, WorkerFailed
    stops the run; with it, ``lost(item, reason)`` stands for the result of that item, and the run goes on."""
    pool = _Pool(function, jobs)
    try:
        entries: deque[_Entry] = deque()  # in input order
        source = iter(items)
        while True:
            while len(entries) < WINDOW * jobs and (item := next(source, _END)) is not _END:
                entry = _Entry(item)
                entries.append(entry)
                pool.send(entry)
            if not entries:
                return
            head = entries[0]
            while head.state == _WAITING:
                pool.receive()
            entries.popleft()
            if head.state == _DONE:
                yield head.value
            elif lost is None:
                reason = head.value
                raise WorkerFailed(
                    f"a worker failed: {reason}"
                    if head.state == _RAISED
                    else f"a worker process stopped unexpectedly (it {reason})"
                )
            elif head.state == _RAISED:
                yield lost(head.item, f"its worker process failed: {head.value}")
            else:
                yield lost(head.item, f"the worker process validating it {head.value}")
    finally:
        pool.close()


_WAITING, _DONE, _RAISED, _KILLED = 0, 1, 2, 3  # an entry's state


class _Entry:
    """An item, and its outcome once known: its result, the error its function raised, or how the worker
    that died under it ended (``value``)."""

    __slots__ = ("deaths", "item", "state", "value")

    def __init__(self, item: Any) -> None:
        self.item, self.state, self.deaths = item, _WAITING, 0
        self.value: Any = None


class _Worker:
    """A worker process, the two ends of its pipes in this process, and the entries it has in hand, in the
    order it takes them."""

    __slots__ = ("entries", "process", "results", "tasks")

    def __init__(self, process: Any, tasks: Connection, results: Connection) -> None:
        self.process, self.tasks, self.results = process, tasks, results
        self.entries: deque[_Entry] = deque()


class _Pool:
    def __init__(self, function: Callable[[Any], Any], jobs: int) -> None:
        fork = sys.platform == "linux"  # (no interpreter to start; elsewhere, spawned workers)
        self.context: Any = multiprocessing.get_context("fork" if fork else "spawn")
        self.fork, self.function = fork, function
        self.workers: list[_Worker] = []
        for _ in range(jobs):
            self.workers.append(self._start())

    def _start(self) -> _Worker:
        """A new worker. Forked, it closes the ends of every pipe that are this process's (its own included):
        its own end of its results is then the only one, so that its death is the end of them."""
        tasks_in, tasks_out = self.context.Pipe(duplex=False)
        results_in, results_out = self.context.Pipe(duplex=False)
        ours = [end for worker in self.workers for end in (worker.tasks, worker.results)]
        ours += [tasks_out, results_in]
        process = self.context.Process(
            target=_serve, args=(self.function, tasks_in, results_out, ours if self.fork else []), daemon=True
        )
        sys.stdout.flush()  # nothing left in the buffers for a forked worker to write a second time
        sys.stderr.flush()
        process.start()
        tasks_in.close()
        results_out.close()
        return _Worker(process, tasks_out, results_in)

    def send(self, entry: _Entry) -> None:
        worker = min(self.workers, key=lambda worker: len(worker.entries))
        worker.entries.append(entry)
        with contextlib.suppress(OSError):  # (the worker has died: receive() sends its entries elsewhere)
            worker.tasks.send_bytes(pickle.dumps(entry.item, pickle.HIGHEST_PROTOCOL))

    def receive(self) -> None:
        """Waits for results, and takes those that have come; a worker whose results end has died."""
        ready = wait([worker.results for worker in self.workers])
        for worker in [worker for worker in self.workers if worker.results in ready]:
            try:
                message = worker.results.recv_bytes()
            except (EOFError, OSError):
                self._died(worker)
                continue
            entry = worker.entries.popleft()
            entry.state, entry.value = pickle.loads(message)

    def _died(self, worker: _Worker) -> None:
        worker.tasks.close()
        worker.results.close()
        worker.process.join(5)
        if worker.process.is_alive():  # (its results closed, yet not ended)
            worker.process.kill()
            worker.process.join()
        reason = _ended(worker.process.exitcode)
        self.workers.remove(worker)
        self.workers.append(self._start())
        if worker.entries:
            first = worker.entries[0]  # the one it was working on
            first.deaths += 1
            if first.deaths >= DEATHS:
                worker.entries.popleft()
                first.state, first.value = _KILLED, reason
        for entry in worker.entries:
            self.send(entry)

    def close(self) -> None:
        """Every worker ended and waited for: told there is nothing more, and stopped if it goes on working
        (the run stopped early: an error, Ctrl-C)."""
        for worker in self.workers:
            worker.tasks.close()
        for worker in self.workers:
            worker.process.join(0.5 if not worker.entries else 0)
            if worker.process.is_alive():
                worker.process.kill()
                worker.process.join()
            worker.results.close()


def _serve(function: Callable[[Any], Any], tasks: Connection, results: Connection, theirs: list[Connection]) -> None:
    """A worker: each item read from ``tasks`` (by a thread, as they come), its function's outcome written to
    ``results``, until ``tasks`` ends."""
    import signal  # noqa: PLC0415
    import threading  # noqa: PLC0415
    from queue import SimpleQueue  # noqa: PLC0415

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the command's to handle: it ends the workers
    for end in theirs:
        end.close()
    queue: SimpleQueue[bytes | None] = SimpleQueue()

    def read() -> None:
        try:
            while True:
                queue.put(tasks.recv_bytes())
        except (EOFError, OSError):
            queue.put(None)

    threading.Thread(target=read, daemon=True).start()
    while (message := queue.get()) is not None:
        try:
            outcome = (_DONE, function(pickle.loads(message)))
            reply = pickle.dumps(outcome, pickle.HIGHEST_PROTOCOL)
        except Exception as error:  # the function's error, or a result that cannot be sent
            reply = pickle.dumps((_RAISED, _described(error)), pickle.HIGHEST_PROTOCOL)
        try:
            results.send_bytes(reply)
        except OSError:  # the command's process has gone
            return


def _ended(code: int | None) -> str:
    if code is None or code == 0:
        return "stopped"
    if code > 0:
        return f"exited with status {code}"
    import signal  # noqa: PLC0415

    try:
        name = f" ({signal.Signals(-code).name})"
    except ValueError:
        name = ""
    return f"was killed by signal {-code}{name}"


def _described(error: BaseException) -> str:
    """The error, with where it was raised (the last frame of its traceback)."""
    frames = traceback.extract_tb(error.__traceback__)
    where = f" ({frames[-1].filename}:{frames[-1].lineno})" if frames else ""
    return f"{type(error).__name__}: {error}{where}"


_END: Any = object()

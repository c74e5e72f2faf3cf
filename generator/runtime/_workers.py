"""``--jobs``: a function mapped over work items by worker processes, the results given back in order.

The standard library's ``ProcessPoolExecutor`` runs ``jobs`` worker processes (forked on Linux: they start with
the command's imports; spawned elsewhere); the command's process reads the items as needed (it cuts the input
meanwhile), keeps at most ``WINDOW`` items per worker in flight and gives the results back in order (it writes
the output meanwhile). bench/scale.py measured this pool against the forked pool of pipes and signals
that was here before (kept only if more than 10% faster): on 100,000 payloads, 2 cores shared with other work,
`--jobs 2` took 1.39 s and 2.74 s there, 1.14 s and 1.67 s here (best of 5, two runs); in 7 alternating
rounds, best 0.60 s there and 0.64 s here, medians 1.63 s and 1.12 s. Never 10% faster: it went.

A worker that raises or dies never leaves the run waiting: the caller either stops with a clear error or,
given ``lost``, has a stand-in for the item. A dying worker breaks the whole executor, every item in flight
failing with it; the results already finished are kept, and the unfinished items are run again, one at a
time in a new pool, so that the item that kills a worker is told apart from the ones that were only queued
beside it: it alone is lost. Then the window opens again.
"""

from __future__ import annotations

import re
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from typing import Any, TypeVar

__all__ = ["WINDOW", "WorkerFailed", "ordered_map"]

T = TypeVar("T")
R = TypeVar("R")

WINDOW = 8  # items per worker at most between the first not given back and the last submitted: a slow item
# holds the others' results back (they are given in order), so memory stays bounded


class WorkerFailed(RuntimeError):
    """A worker process died, or its function raised."""


def ordered_map(
    function: Callable[[T], R], items: Iterable[T], jobs: int, lost: Callable[[T, str], R] | None = None
) -> Iterator[R]:
    """``map(function, items)`` computed by ``jobs`` worker processes, in order, items read as needed.

    A worker that dies (killed, out of memory) or whose ``function`` raises: without ``lost``, WorkerFailed
    stops the run; with it, ``lost(item, reason)`` stands for the result of that item, and the run goes on."""
    sys.stdout.flush()  # nothing left in the buffers for a forked worker to write a second time
    sys.stderr.flush()
    pool = _Pool(function, jobs)
    try:
        entries: deque[_Entry] = deque()  # in input order: each item and its future (None: to submit again)
        again = 0  # entries being run again after a worker died: no new item until they are done
        source = iter(items)
        while True:
            while not again and len(entries) < WINDOW * jobs and (item := next(source, _END)) is not _END:
                entries.append(_Entry(item, pool.submit(item)))
            if not entries:
                return
            head = entries[0]
            if head.future is None:  # one at a time: a death is then this item's doing
                head.future = pool.submit(head.item)
            try:
                result = head.future.result()
            except BrokenProcessPool:
                alone = head.again  # run again, alone: its death is its own
                reason = pool.renew()
                for entry in entries:  # the results finished are kept; the others are submitted again
                    if entry.future is not None and not _finished(entry.future):
                        entry.future = None
                        again += not entry.again
                        entry.again = True
                if not alone:
                    continue  # (several items were in flight: which one killed the worker is not known yet)
                entries.popleft()
                again -= 1
                if lost is None:
                    raise WorkerFailed(f"a worker process stopped unexpectedly (it {reason})") from None
                yield lost(head.item, f"the worker process validating it {reason}")
                continue
            except Exception as error:  # the function raised, in the worker
                entries.popleft()
                again -= head.again
                if lost is None:
                    raise WorkerFailed(f"a worker failed: {_described(error)}") from None
                yield lost(head.item, f"its worker process failed: {_described(error)}")
                continue
            entries.popleft()
            again -= head.again
            yield result
    finally:
        pool.close()


class _Entry:
    """An item, its future, and whether it is being run again (a worker died while it was in flight)."""

    __slots__ = ("again", "future", "item")

    def __init__(self, item: Any, future: Future[Any] | None) -> None:
        self.item, self.future, self.again = item, future, False


def _finished(future: Future[Any]) -> bool:
    """Whether ``future`` has its result, or the function's own error (a broken pool fails the others)."""
    return future.done() and not isinstance(future.exception(), BrokenProcessPool)


class _Pool:
    """The executor, replaced by a new one when a worker dies; how the dead one ended is read before."""

    def __init__(self, function: Callable[[Any], Any], jobs: int) -> None:
        self.function, self.jobs = function, jobs
        self.executor = self._new()

    def _new(self) -> ProcessPoolExecutor:
        if sys.platform == "linux":
            import multiprocessing  # noqa: PLC0415 - (Linux: forked workers, no interpreter to start)

            return ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("fork"))
        return ProcessPoolExecutor(self.jobs)

    def submit(self, item: Any) -> Future[Any]:
        try:
            return self.executor.submit(self.function, item)
        except BrokenProcessPool as error:  # broken before the caller learnt of it: the item's future says so
            failed: Future[Any] = Future()
            failed.set_exception(error)
            return failed

    def renew(self) -> str:
        """A new executor for a broken one; returns how its dead worker ended ("exited with status 3")."""
        processes = dict(getattr(self.executor, "_processes", None) or {})
        self.executor.shutdown(wait=True, cancel_futures=True)
        codes = [process.exitcode for process in processes.values() if process.exitcode]
        # (the executor ends the other workers with SIGTERM: the dead one's code is another, unless it was that)
        codes.sort(key=lambda code: code == -15)
        self.executor = self._new()
        return _ended(codes[0]) if codes else "stopped"

    def close(self) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)


def _ended(code: int) -> str:
    if code > 0:
        return f"exited with status {code}"
    import signal  # noqa: PLC0415

    try:
        name = f" ({signal.Signals(-code).name})"
    except ValueError:
        name = ""
    return f"was killed by signal {-code}{name}"


def _described(error: BaseException) -> str:
    """The error, with where in the worker it was raised (the last frame of its remote traceback)."""
    remote = str(error.__cause__ or "")
    frames = re.findall(r'File "([^"]+)", line (\d+)', remote)
    where = f" ({frames[-1][0]}:{frames[-1][1]})" if frames else ""
    return f"{type(error).__name__}: {error}{where}"


_END: Any = object()

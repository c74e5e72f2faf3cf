"""``--jobs``: a function mapped over work items by several processes, the results given back in order.

On Linux, a small pool of its own. ``jobs`` processes share the work: the command's own and ``jobs - 1``
workers forked from it (they start with its imports, no interpreter to start), each fed through a pipe and
read back through another. The command's process, in its one thread, keeps each worker a few items ahead,
and validates an item itself whenever no result is waiting; so its chores (cutting the input, writing the
output) fall into its own share instead of taking time from a worker's core, and no third process competes
for 2 cores. It imports neither ``multiprocessing`` nor ``concurrent.futures`` (a serial 30 ms of start-up);
``multiprocessing.Pool`` also ran three threads, one of which woke on every result waiting in its queue.
When the input runs out, the command's process does not wait idle for the last results: it takes over an
item a worker has queued but not begun (computing it twice, so ``function`` must be pure), and the worker
still busy with it is stopped; the finish is then uneven by half an item on average instead of one and a half.
A worker that raises or dies never leaves the run waiting: the caller either stops with a clear error or, given
``lost``, has a stand-in for the item it was on, computes the items it had not begun elsewhere, and goes on
without it, every result finished still given back. Elsewhere than Linux, ``concurrent.futures`` spawns the
workers.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
import struct
import sys
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

__all__ = ["WorkerFailed", "ordered_map"]

T = TypeVar("T")
R = TypeVar("R")

AHEAD = 3  # items a worker holds at most, the one it works on included: it never waits for the next one
# (with 2, a worker spent 10 to 27 ms of a 1.6 s run waiting for its next item, in 3 timelines; with 3,
# no wait over 1 ms)
WINDOW = 8  # items per process at most between the first not given back and the last sent: a slow item
# holds the others' results back (they are given in order), so memory stays bounded (with 4, this process
# waited 8 to 20 ms for a worker at the end of a run, its window full of the small last pieces of a file)
_SIZE = struct.Struct("<Q")  # each message: its length, then its pickle
_SET_PIPE_SIZE, _PIPE_SIZE = 1031, 1 << 20  # Linux's F_SETPIPE_SZ; a megabyte, the most a user may set


class WorkerFailed(RuntimeError):
    """A worker process died, or its function raised."""


def ordered_map(
    function: Callable[[T], R], items: Iterable[T], jobs: int, lost: Callable[[T, str], R] | None = None
) -> Iterator[R]:
    """``map(function, items)`` computed by ``jobs`` processes (this one and ``jobs - 1`` workers), in order,
    items read as needed. ``function`` must be pure: an item near the end may be computed twice.

    A worker that dies (killed, out of memory) or whose ``function`` raises: without ``lost``, WorkerFailed
    stops the run; with it, ``lost(item, reason)`` stands for the result of the item it was computing,
    the items it had queued but not begun are computed by the others, and the run goes on without it."""
    sys.stdout.flush()  # nothing left in the buffers for a forked worker to write a second time
    sys.stderr.flush()
    if sys.platform != "linux":
        from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415 - spawned workers

        with ProcessPoolExecutor(jobs) as pool:
            yield from pool.map(function, items)
        return
    workers: list[_Worker] = []
    finished = False
    try:
        for _ in range(jobs - 1):  # the caller's process is one of the jobs
            workers.append(_Worker.fork(function, workers))
        yield from _dispatch(function, iter(items), workers, lost)
        finished = True
    finally:
        for worker in workers:  # (one still busy at the end works on an item taken over: not needed)
            worker.stop(wait=finished and not worker.waiting)


class _Worker:
    """A forked worker process and the two pipes to it."""

    def __init__(self, pid: int, to_worker: int, from_worker: int) -> None:
        self.pid = pid
        self.to_worker = to_worker
        self.from_worker = from_worker
        self.waiting: deque[int] = deque()  # the positions of the items sent, not yet answered
        self.open = True  # False once a send failed: it has gone, its last results are still read

    @classmethod
    def fork(cls, function: Callable[[Any], Any], others: list[_Worker]) -> _Worker:
        """A new worker; ``others``: the workers forked before, whose pipes it must not hold open (a
        worker sees the end of its input only when no process holds the other end)."""
        items_read, items_write = os.pipe()
        results_read, results_write = os.pipe()
        import fcntl  # noqa: PLC0415 - (Linux only)

        # room for a whole batch's output: the worker goes on to its next item without waiting (where the
        # system refuses, the default size works, a little slower)
        with contextlib.suppress(OSError):
            fcntl.fcntl(results_write, _SET_PIPE_SIZE, _PIPE_SIZE)
        pid = os.fork()
        if pid == 0:  # the worker: serve, then leave without running the command's exit handlers
            status = 1
            try:
                for fd in (items_write, results_read, *(f for o in others for f in (o.to_worker, o.from_worker))):
                    os.close(fd)
                _serve(function, items_read, results_write)
                status = 0
            finally:
                os._exit(status)
        os.close(items_read)
        os.close(results_write)
        return cls(pid, items_write, results_read)

    def send(self, item: Any, position: int) -> None:
        _write(self.to_worker, item)
        self.waiting.append(position)

    def stop(self, *, wait: bool) -> str:
        """Close the pipes (the worker's end of input: it returns); unless ``wait``, kill it first. Returns
        how it ended ("was killed by signal 9 (SIGKILL)", "exited with status 1")."""
        if not wait:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        for fd in (self.to_worker, self.from_worker):
            with contextlib.suppress(OSError):
                os.close(fd)
        try:
            status = os.waitpid(self.pid, 0)[1]
        except ChildProcessError:
            return "ended"
        if os.WIFSIGNALED(status):
            number = os.WTERMSIG(status)
            try:
                name = f" ({signal.Signals(number).name})"
            except ValueError:
                name = ""
            return f"was killed by signal {number}{name}"
        return f"exited with status {os.waitstatus_to_exitcode(status)}"


def _dispatch(
    function: Callable[[T], R], items: Iterator[T], workers: list[_Worker], lost: Callable[[T, str], R] | None
) -> Iterator[R]:
    """The items to the workers, a few ahead each; the caller's process takes one itself whenever no result
    is waiting (so ``jobs`` processes share the work, and this one's own chores, cutting the input and
    writing the output, fall into its share instead of taking time from a worker's core)."""
    state = _Dispatch(items, workers, lost)
    while not state.over():
        state.feed()
        busy = [w.from_worker for w in workers if w.waiting]
        ready = select.select(busy, [], [], 0)[0] if busy else []
        if not ready:
            taken = state.take()
            if taken is not None:  # nothing to read yet: this process's share
                state.done[taken[0]] = function(taken[1])
            elif state.exhausted and (position := state.spare()) is not None:  # the input has run out: the tail
                state.done[position] = function(state.queued.pop(position))
            elif busy:  # (else the window is full of results of this process's own, given back below)
                ready = select.select(busy, [], [])[0]
        for fd in ready:
            state.receive(fd)
        yield from state.given_back()


class _Dispatch:
    """The bookkeeping of _dispatch: which item is where, and what came back. A worker that dies is removed
    from ``workers`` (see ordered_map)."""

    def __init__(self, items: Iterator[Any], workers: list[_Worker], lost: Callable[[Any, str], Any] | None) -> None:
        self.items = items
        self.workers = workers
        self.lost = lost
        self.by_fd = {worker.from_worker: worker for worker in workers}
        self.done: dict[int, Any] = {}  # position -> result, not given back yet
        self.queued: dict[int, Any] = {}  # position -> item, sent to a worker, not answered, not taken over
        self.again: deque[tuple[int, Any]] = deque()  # (position, item) a dead worker had queued, not begun
        self.window = WINDOW * (len(workers) + 1)
        self.sent = self.given = 0  # positions handed out, results given back
        self.exhausted = False

    def over(self) -> bool:
        return self.exhausted and not self.again and self.given == self.sent

    def take(self) -> tuple[int, Any] | None:
        """The next item to compute and its position, if the window has room for one."""
        if self.again:
            return self.again.popleft()
        if self.exhausted or self.sent - self.given >= self.window:
            return None
        item = next(self.items, _END)
        if item is _END:
            self.exhausted = True
            return None
        self.sent += 1
        return self.sent - 1, item

    def feed(self) -> None:
        for worker in list(self.workers):
            while worker.open and len(worker.waiting) < AHEAD and (taken := self.take()) is not None:
                try:
                    worker.send(taken[1], taken[0])
                except OSError:  # it has gone (EPIPE): what it answered is still read, then its end noted
                    self.again.appendleft(taken)
                    worker.open = False
                    if not worker.waiting:
                        self.ended(worker)
                    break
                self.queued[taken[0]] = taken[1]

    def spare(self) -> int | None:
        """The last position a worker has queued behind the item it works on, if any: once the input has run
        out, this process takes it over instead of waiting."""
        found = [p for worker in self.workers for p in list(worker.waiting)[1:] if p in self.queued]
        return max(found) if found else None

    def receive(self, fd: int) -> None:
        worker = self.by_fd[fd]
        message = _read(fd)
        if message is None:
            self.ended(worker)
            return
        ok, result = message
        position = worker.waiting.popleft()
        item = self.queued.pop(position, _END)
        if item is _END:
            pass  # taken over: this process has its result
        elif ok:
            self.done[position] = result
        elif self.lost is None:
            raise WorkerFailed(f"a worker failed: {result}")
        else:
            self.done[position] = self.lost(item, f"its worker process failed: {result}")
        if not worker.open and not worker.waiting:
            self.ended(worker)

    def ended(self, worker: _Worker) -> None:
        """A worker that stopped unexpectedly: the item it was on is lost, those it had not begun go again."""
        reason = worker.stop(wait=True)
        self.workers.remove(worker)
        del self.by_fd[worker.from_worker]
        if self.lost is None:
            raise WorkerFailed(f"a worker process stopped unexpectedly (it {reason})")
        for index, position in enumerate(worker.waiting):
            item = self.queued.pop(position, _END)
            if item is _END:
                continue  # (taken over: this process has its result)
            if index == 0:
                self.done[position] = self.lost(item, f"the worker process validating it {reason}")
            else:
                self.again.append((position, item))

    def given_back(self) -> Iterator[Any]:
        """The results that come next in order, as far as they are done."""
        while self.given in self.done:
            yield self.done.pop(self.given)
            self.given += 1


_END: Any = object()


def _serve(function: Callable[[Any], Any], items: int, results: int) -> None:
    """A worker: apply ``function`` to each item read until the end of input, writing back (ok, result).
    Ctrl-C is the command's process's to handle: it stops the workers."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    while True:
        message = _read(items)
        if message is None:
            return
        try:
            answer = (True, function(message))
        except BaseException as error:  # reported to the command's process, which stops
            last = traceback.extract_tb(error.__traceback__)[-1:]
            where = f" ({last[0].filename}:{last[0].lineno})" if last else ""
            answer = (False, f"{type(error).__name__}: {error}{where}")
        try:
            _write(results, answer)
        except OSError:  # the command's process has gone
            return


def _write(fd: int, value: Any) -> None:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    view = memoryview(_SIZE.pack(len(data)) + data)
    while view:
        view = view[os.write(fd, view) :]


def _read(fd: int) -> Any:
    """The next message on ``fd``, or None at the end of input."""
    header = _exactly(fd, _SIZE.size)
    if header is None:
        return None
    data = _exactly(fd, _SIZE.unpack(header)[0])
    return None if data is None else pickle.loads(data)


def _exactly(fd: int, size: int) -> bytes | None:
    chunks = []
    while size:
        chunk = os.read(fd, min(size, 1 << 20))
        if not chunk:
            return None
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)

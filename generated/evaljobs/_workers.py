"""``--jobs``: a function mapped over work items by worker processes, the results given back in order.

On Linux, a small pool of its own: workers forked from the command's process (they start with its imports
and no interpreter to start), each fed through a pipe, read back through another. One thread, the caller's,
hands out the items and reads the results, so the command's process spends almost no CPU time while its
workers fill the cores; and it imports neither ``multiprocessing`` nor ``concurrent.futures`` (a serial
30 ms of start-up). (``multiprocessing.Pool`` runs three threads, one of which wakes on every result waiting
in its queue: on 2 cores that took a tenth of a second and more from the workers.) A worker that dies stops
the run with a clear error instead of leaving it waiting. Elsewhere, ``concurrent.futures`` spawns them.
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

AHEAD = 2  # items sent to a worker before its first result comes back: it never waits for the next one
WINDOW = 4  # items per worker at most between the first not given back and the last sent: a slow item
# holds the others' results back (they are given in order), so memory stays bounded
_SIZE = struct.Struct("<Q")  # each message: its length, then its pickle
_SET_PIPE_SIZE, _PIPE_SIZE = 1031, 1 << 20  # Linux's F_SETPIPE_SZ; a megabyte, the most a user may set


class WorkerFailed(RuntimeError):
    """A worker process died, or its function raised."""


def ordered_map(function: Callable[[T], R], items: Iterable[T], jobs: int) -> Iterator[R]:
    """``map(function, items)`` computed by ``jobs`` worker processes, in order, items read as needed."""
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
        for _ in range(jobs):
            workers.append(_Worker.fork(function, workers))
        yield from _dispatch(iter(items), workers)
        finished = True
    finally:
        for worker in workers:
            worker.stop(wait=finished)


class _Worker:
    """A forked worker process and the two pipes to it."""

    def __init__(self, pid: int, to_worker: int, from_worker: int) -> None:
        self.pid = pid
        self.to_worker = to_worker
        self.from_worker = from_worker
        self.waiting: deque[int] = deque()  # the positions of the items sent, not yet answered

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

    def stop(self, *, wait: bool) -> None:
        """Close the pipes (the worker's end of input: it returns); unless ``wait``, kill it first."""
        if not wait:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)
        for fd in (self.to_worker, self.from_worker):
            with contextlib.suppress(OSError):
                os.close(fd)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(self.pid, 0)


def _dispatch(items: Iterator[T], workers: list[_Worker]) -> Iterator[R]:
    by_fd = {worker.from_worker: worker for worker in workers}
    done: dict[int, Any] = {}
    window = WINDOW * len(workers)
    sent = given = 0
    exhausted = False

    def feed() -> None:
        """Items to the workers with room for them, while the results held back stay within the window."""
        nonlocal sent, exhausted
        for worker in workers:
            while not exhausted and len(worker.waiting) < AHEAD and sent - given < window:
                item = next(items, _END)
                if item is _END:
                    exhausted = True
                    return
                worker.send(item, sent)
                sent += 1

    feed()
    while given < sent:
        ready, _, _ = select.select([w.from_worker for w in workers if w.waiting], [], [])
        for fd in ready:
            worker = by_fd[fd]
            message = _read(fd)
            if message is None:
                raise WorkerFailed("a worker process stopped unexpectedly")
            ok, result = message
            if not ok:
                raise WorkerFailed(f"a worker failed: {result}")
            done[worker.waiting.popleft()] = result
        while given in done:
            yield done.pop(given)
            given += 1
        feed()


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

"""``--dask``: the batches of ``evaljobs validate`` validated on a Dask cluster, results given back in input order.

The command's process cuts the input into batches exactly as it does alone (``evaljobs._inputs.batches``: the
batches depend on the input, never on who validates them) and submits each, as a task, to a scheduler: a
LocalCluster of worker processes on this machine (``local[:N]``) or a running one (``tcp://host:8786``). A
task is the same pure function one process applies (``_Settings.render``: a batch -> its rendered output and
tally), so the report is the one a single process prints, whatever the number of workers. Tasks carry units
(a path or URL and a byte range), not payloads: each worker reads its own bytes, from object storage or a
file system every worker sees.

At most ``WINDOW`` tasks per worker thread are in flight between the first result not given back and the
last submitted: memory stays bounded on both sides whatever the input's size. A worker that dies is Dask's
to handle: the scheduler runs its tasks again on another worker (up to ``distributed.scheduler.allowed-
failures`` times), and since each result is taken once, by its task, nothing is lost or counted twice. A task
that fails for good (its worker died too often, or it raised) is handed to ``lost``, which stands for it.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")

WINDOW = 8  # tasks in flight per worker thread: enough to keep each busy while results travel back
EXTRA = "pip install 'evaljobs[dask]'"


class ClusterUnavailable(RuntimeError):
    """Dask is not installed, or its scheduler cannot be reached or started: a usage error (exit status 2)."""


def parse_address(text: str) -> str:
    """``--dask``'s value checked: ``local``, ``local:N`` (N workers, 1 to 64) or a scheduler's address."""
    if text == "local" or "://" in text:
        return text
    if text.startswith("local:"):
        count = text.partition(":")[2]
        if count.isdigit() and 1 <= int(count) <= 64:
            return text
        raise ValueError(f"expected local:N with N from 1 to 64, found {text!r}")
    raise ValueError(f"expected local, local:N or a scheduler's address (tcp://host:8786), found {text!r}")


class Cluster:
    """A client of the scheduler ``address`` names, with the LocalCluster it started for ``local[:N]``; a
    context manager that closes both."""

    def __init__(self, address: str) -> None:
        try:
            import distributed as typed  # noqa: PLC0415 - the optional extra
        except ImportError:
            raise ClusterUnavailable(f"--dask needs Dask's distributed scheduler: {EXTRA}") from None
        distributed: Any = typed  # (its constructors are not annotated)
        self.local: Any = None
        self.client: Any = None
        try:
            if address.startswith("local"):
                workers = int(address.partition(":")[2] or os.cpu_count() or 1)
                self.local = distributed.LocalCluster(
                    n_workers=workers,
                    threads_per_worker=1,  # validation holds the GIL: a process per core
                    processes=True,
                    dashboard_address=":0",  # (its HTTP server: a free port, not 8787)
                    silence_logs=logging.ERROR,
                )
                self.client = distributed.Client(self.local, set_as_default=False)
            else:
                self.client = distributed.Client(
                    address, set_as_default=False
                )  # (timeout: distributed.comm.timeouts.connect)
        except (OSError, TimeoutError) as error:
            self.close()
            raise ClusterUnavailable(f"--dask {address}: cannot reach the scheduler ({error})") from None

    def threads(self) -> int:
        """The worker threads of the cluster now (at least 1: tasks wait for workers that join later)."""
        threads: dict[str, int] = self.client.nthreads()
        return max(1, sum(threads.values()))

    def close(self) -> None:
        client, self.client = getattr(self, "client", None), None
        if client is not None:
            client.close()
        if self.local is not None:
            self.local.close()
            self.local = None

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def ordered_map(
    function: Callable[[T], R], items: Iterable[T], cluster: Cluster, lost: Callable[[T, str], R]
) -> Iterator[R]:
    """``map(function, items)`` computed as tasks of ``cluster``, given back in order, items read as needed;
    a task that failed for good is given back as ``lost(item, reason)``."""
    client = cluster.client
    run = uuid.uuid4().hex[:12]  # task keys of this run: never confused with another client's
    window = WINDOW * cluster.threads()
    pending: deque[tuple[T, Any]] = deque()
    source = iter(items)
    position = 0
    while True:
        while len(pending) < window and (item := next(source, _END)) is not _END:
            key = f"evaljobs-validate-{run}-{position}"
            pending.append((item, client.submit(function, item, key=key, pure=False)))
            position += 1
        if not pending:
            return
        item, future = pending.popleft()
        try:
            result = future.result()
        except Exception as error:  # KilledWorker (died too often), or the task raised
            result = lost(item, _failure(error))
        finally:
            future.release()
        yield result


def _failure(error: BaseException) -> str:
    if type(error).__name__ == "KilledWorker":
        return "the Dask workers running it died too many times"
    return f"its Dask task failed: {type(error).__name__}: {error}"


_END: Any = object()

"""Signals during generation: SIGINT and SIGTERM become exceptions (so every cleanup runs), they wait
while the new package is swapped in, and tests can pause generation at a named checkpoint.

``EVALJOBS_PAUSE_AT=<checkpoint>`` makes generation print ``paused at <checkpoint>`` to standard error and
wait (up to PAUSE_SECONDS) before going on: a test sends its signal then, at a known point.
"""

from __future__ import annotations

import os
import signal
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType

PAUSE_VARIABLE = "EVALJOBS_PAUSE_AT"
PAUSE_SECONDS = 60.0
_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """Generation was stopped by a signal."""

    def __init__(self, number: int) -> None:
        self.signal_name = signal.Signals(number).name
        super().__init__(self.signal_name)


def _raise(number: int, frame: FrameType | None) -> None:
    raise Interrupted(number)


@contextmanager
def signals_as_exceptions() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise Interrupted."""
    previous = {number: signal.signal(number, _raise) for number in _SIGNALS}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


@contextmanager
def signals_deferred() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM wait; they are delivered when it ends."""
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def checkpoint(name: str) -> None:
    """Pause here when EVALJOBS_PAUSE_AT names this checkpoint (a hook for the interruption tests)."""
    if os.environ.get(PAUSE_VARIABLE) != name:
        return
    print(f"paused at {name} (pid {os.getpid()})", file=sys.stderr, flush=True)
    deadline = time.monotonic() + PAUSE_SECONDS
    while time.monotonic() < deadline:
        time.sleep(0.05)

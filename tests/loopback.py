"""Helpers of the client, mock and wait tests: the mock server on 127.0.0.1, fast backoff, and calling an
operation through the sync or the async client with one line."""

from __future__ import annotations

import asyncio
import functools
import importlib
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from evaljobs._clients.retry import Backoff
from evaljobs._mock import MockServer
from tests.conftest import spec

FLAVORS = ("sync", "async")
FAST = Backoff(initial=0.001, maximum=0.004, retry_after_cap=1.0)
"""Backoff for tests: a millisecond or so between attempts, Retry-After honoured up to 1 s."""

# Ids the specs' examples document (the mock answers 404 for others).
NEMO_V1_JOB = "eval-UVW123XYZ456"
NEMO_V2_JOB = "job-dq1pjj6vj5p64xaeqgvuk4"
GRADIENT_RUN = "0a7c3f5e-4b2d-4f1a-9e8c-6d5b4a3f2e1d"


cached_spec = functools.cache(spec)
"""The spec of an API as data, loaded once."""


@contextmanager
def serving() -> Iterator[MockServer]:
    with MockServer("127.0.0.1", 0) as server:
        yield server


def package(api: str) -> Any:
    return importlib.import_module(f"evaljobs.{api}")


def module(api: str, name: str) -> Any:
    """A private module of an API package: ``_client`` or ``_examples``."""
    return importlib.import_module(f"evaljobs.{api}.{name}")


def client_kwargs(base_url: str, **options: Any) -> dict[str, Any]:
    return {"base_url": base_url, "backoff": FAST, **options}


def call(api: str, flavor: str, base_url: str, method: str, *args: Any, options: Any = None, **kwargs: Any) -> Any:
    """Call ``method`` on a fresh ``Client`` or ``AsyncClient`` of ``api`` (closed afterwards) and return its result;
    ``method`` may be ``with_raw_response.<name>``."""
    settings = client_kwargs(base_url, **(options or {}))

    def resolve(client: Any) -> Any:
        target = client
        for part in method.split("."):
            target = getattr(target, part)
        return target

    if flavor == "sync":
        with package(api).Client(**settings) as client:
            return resolve(client)(*args, **kwargs)

    async def run() -> Any:
        async with package(api).AsyncClient(**settings) as client:
            return await resolve(client)(*args, **kwargs)

    return asyncio.run(run())


def unused_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port

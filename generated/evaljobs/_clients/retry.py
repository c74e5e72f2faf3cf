"""When to retry a call and how long to wait first: the policy of the official (Stainless) SDKs, with two
deliberate differences noted below. Pure functions, shared by the sync and async clients.

- Retried: connection errors and timeouts, and the statuses 408, 409, 429 and 5xx; at most ``max_retries``
  times (2 by default, so 3 attempts). A response header ``x-should-retry: true|false`` overrides the status.
- Not idempotent methods (POST, PATCH) are retried only when the request cannot have been processed: a
  connection that was never established, 408 or 429 (difference 1: Stainless also retries them on 409, 5xx
  and read errors, which may repeat a side effect).
- Wait: ``retry-after-ms``, else ``Retry-After`` (seconds or an HTTP date) when it is more than 0 and at most
  ``Backoff.retry_after_cap`` (60 s); otherwise exponential backoff ``min(initial * 2**n, maximum)`` shortened
  by up to ``jitter`` (25 %) at random. A ``Retry-After`` beyond the cap ends the retries at once and the
  status error is raised with its ``retry_after`` (difference 2: Stainless then sleeps the backoff and retries,
  which a server that asked for minutes will refuse again).
"""

from __future__ import annotations

import math
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

__all__ = ["DEFAULT_MAX_RETRIES", "Backoff", "retry_after"]

DEFAULT_MAX_RETRIES = 2
RETRY_STATUSES = frozenset({408, 409, 429})
_UNPROCESSED_STATUSES = frozenset({408, 429})
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
# Errors raised before the request can have reached the server: safe to retry for every method.
_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Errors after which a retry may help: the network or the server broke off (the body may be cut short).
_TRANSIENT = (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError)


@dataclass(frozen=True)
class Backoff:
    """How long to wait between attempts (seconds). Tests pass tiny values to stay fast."""

    initial: float = 0.5
    maximum: float = 8.0
    jitter: float = 0.25
    retry_after_cap: float = 60.0

    def delay(self, retries_taken: int) -> float:
        """The exponential delay before retry number ``retries_taken + 1``, jitter included."""
        base = min(self.initial * 2.0 ** min(retries_taken, 62), self.maximum)
        return base * (1.0 - self.jitter * random.random())


def check_max_retries(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"max_retries must be an integer >= 0, found {value!r}")
    return value


def delay_after_response(
    response: httpx.Response, method: str, retries_taken: int, max_retries: int, backoff: Backoff
) -> float | None:
    """Seconds to wait before retrying after ``response``, or None to return (or raise) it now."""
    if retries_taken >= max_retries or response.status_code < 400:
        return None
    should = response.headers.get("x-should-retry")
    if should == "false":
        return None
    if should != "true":
        status = response.status_code
        if method in IDEMPOTENT_METHODS:
            if status not in RETRY_STATUSES and status < 500:
                return None
        elif status not in _UNPROCESSED_STATUSES:
            return None
    asked = retry_after(response.headers)
    if asked is not None and asked > backoff.retry_after_cap:
        return None
    if asked is not None and asked > 0:
        return asked
    return backoff.delay(retries_taken)


def delay_after_error(
    error: httpx.HTTPError, method: str, retries_taken: int, max_retries: int, backoff: Backoff
) -> float | None:
    """Seconds to wait before retrying after a transport error, or None to raise it now."""
    if retries_taken >= max_retries:
        return None
    if isinstance(error, _NOT_SENT) or (method in IDEMPOTENT_METHODS and isinstance(error, _TRANSIENT)):
        return backoff.delay(retries_taken)
    return None


def retry_after(headers: Mapping[str, str]) -> float | None:
    """The wait a response asks for, in seconds: ``retry-after-ms``, else ``Retry-After`` as seconds or as an
    HTTP date. None when absent or unreadable (never raises); may be 0, negative or very large."""
    millis = _number(headers.get("retry-after-ms"))
    if millis is not None:
        return millis / 1000.0
    text = headers.get("retry-after")
    if text is None:
        return None
    seconds = _number(text)
    if seconds is not None:
        return seconds
    from email.utils import parsedate_to_datetime  # noqa: PLC0415 - rare; keeps the import of clients light

    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if when.tzinfo is None:
        return None
    return when.timestamp() - time.time()


def _number(text: str | None) -> float | None:
    if text is None:
        return None
    try:
        value = float(text.strip())
    except ValueError:
        return None
    return value if math.isfinite(value) else None

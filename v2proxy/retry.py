"""When and how long to retry an upstream call: pure decisions, no I/O.

The Go SDK retries every method on 5xx (so a create that succeeded but answered 504 comes
back as 409, and job submissions can run twice), ignores ``Retry-After`` and never retries
the connection errors that are the truly transient case. Here only requests that are safe
to repeat are retried: GET and HEAD, and a PUT that carries ``metadata.resourceVersion``
(optimistic concurrency turns a duplicate into a harmless 409). Watches are retried only
before the first byte reaches the client — the forwarder never retries after it returned a
response, so a stream is never replayed.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

from v2proxy.bodies import BodyError, decode_body

RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
MAX_BACKOFF = 10.0


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 3  # attempts = max_retries + 1
    backoff: float = 0.5  # first delay; doubles each retry, capped at MAX_BACKOFF
    budget: float = 30.0  # seconds a call may spend from its first attempt to its last


def is_idempotent(method: str, body: bytes | None, content_type: str | None) -> bool:
    """May this request be sent twice without changing the outcome?"""
    if method in ("GET", "HEAD"):
        return True
    if method == "PUT" and body is not None:
        return _has_resource_version(body, content_type or "")
    return False


def _has_resource_version(body: bytes, content_type: str) -> bool:
    try:
        document = decode_body(body, "yaml" if "yaml" in content_type else "json")
    except BodyError:
        return False  # not an object we can read: sent once, the upstream says what is wrong
    metadata = document.get("metadata") if isinstance(document, dict) else None
    return isinstance(metadata, dict) and bool(metadata.get("resourceVersion"))


def backoff_delay(retry: int, base: float, rng: Callable[[], float] = random.random) -> float:
    """Delay before retry number ``retry`` (0-based): ``base * 2**retry`` with full jitter
    on its upper half, so many bridges retrying the same outage do not arrive in step."""
    ceiling = min(base * (2**retry), MAX_BACKOFF)
    return ceiling / 2 + rng() * ceiling / 2


def retry_after_seconds(value: str | None, now: float | None = None) -> float | None:
    """``Retry-After`` as seconds from now: delta-seconds or an HTTP-date; None if absent or
    unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None:
        return None
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


def next_delay(
    policy: RetryPolicy,
    retry: int,
    retry_after: str | None,
    elapsed: float,
    rng: Callable[[], float] = random.random,
) -> float | None:
    """Seconds to wait before retry number ``retry``, or None when retrying must stop
    (no retries left, or the wait would end past the budget)."""
    if retry >= policy.max_retries:
        return None
    delay = backoff_delay(retry, policy.backoff, rng)
    asked = retry_after_seconds(retry_after)
    if asked is not None:
        delay = max(delay, asked)
    if elapsed + delay > policy.budget:
        return None
    return delay

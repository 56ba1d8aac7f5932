"""When to try a failed transmission again, and when to give up.

Retryable failures (connection errors, timeouts before sending, 5xx, 429, a
recipient refused "for now") wait an exponentially growing delay with
jitter, never less than the gateway's ``Retry-After``. A backend reports the
wait on the error, or per recipient::

    raise MessageSendingError("rate limited", identities, retryable=True,
                              retry_after=response.headers.get("Retry-After"))
    return {"+15550001": Refused("busy", retryable=True, retry_after=60)}

Permanent failures (``retryable=False``, typically 4xx) are never retried.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from rapidsms.errors import parse_retry_after
from rapidsms.router.db.conf import get_setting

__all__ = ["RetryDecision", "backoff_delay", "decide", "decide_deferred", "parse_retry_after"]


@dataclass(frozen=True)
class RetryDecision:
    """What to do with a failed transmission: retry at ``retry_at``, or fail with ``reason``."""

    retry_at: datetime | None
    reason: str

    @property
    def gives_up(self) -> bool:
        """True when the transmission fails for good."""
        return self.retry_at is None


def backoff_delay(attempt: int, rng: random.Random | None = None) -> float:
    """Return the wait before retry number ``attempt`` (1 for the first retry).

    ``base * 2**(attempt-1)`` capped at the maximum, of which the upper half
    is random ("equal jitter"): retries of many transmissions that failed
    together spread out instead of hitting the gateway at the same instant.
    """
    base = float(get_setting("RAPIDSMS_RETRY_BASE_DELAY"))
    ceiling = float(get_setting("RAPIDSMS_RETRY_MAX_DELAY"))
    delay = min(ceiling, base * (2 ** max(0, attempt - 1)))
    rng = rng or random
    return delay / 2 + rng.uniform(0, delay / 2)


def decide(
    *,
    attempts: int,
    queued_at: datetime,
    retryable: bool | None,
    error: str,
    retry_after: Any = None,
    now: datetime | None = None,
) -> RetryDecision:
    """Decide the fate of a transmission whose attempt number ``attempts`` just failed.

    ``retryable`` ``None`` (unknown) counts as retryable: the router wraps
    unexpected exceptions that way, and most are connection errors.
    """
    now = now or timezone.now()
    if retryable is False:
        return RetryDecision(None, f"permanent failure: {error}")
    max_attempts = int(get_setting("RAPIDSMS_RETRY_MAX_ATTEMPTS"))
    if attempts >= max_attempts:
        return RetryDecision(None, f"gave up after {attempts} attempts: {error}")
    delay = backoff_delay(attempts)
    asked = parse_retry_after(retry_after, now)
    if asked is not None:
        delay = max(delay, asked)
    retry_at = now + timedelta(seconds=delay)
    deadline = queued_at + timedelta(seconds=float(get_setting("RAPIDSMS_RETRY_MAX_AGE")))
    if retry_at > deadline:
        return RetryDecision(
            None, f"gave up: the next attempt would pass the maximum age ({error})"
        )
    return RetryDecision(retry_at, error)


def decide_deferred(
    *, queued_at: datetime, error: str, retry_after: Any, now: datetime | None = None
) -> RetryDecision:
    """Decide when to try again a send the backend put off before trying it.

    Not an attempt (see :class:`~rapidsms.backends.results.Deferred`): no
    attempt is counted and there is no backoff, only the wait asked for
    (at least a second, spread by up to a tenth so that sends put off
    together do not return together), within the maximum age.
    """
    now = now or timezone.now()
    wait = max(1.0, parse_retry_after(retry_after, now) or 0.0)
    retry_at = now + timedelta(seconds=wait * random.uniform(1.0, 1.1))
    deadline = queued_at + timedelta(seconds=float(get_setting("RAPIDSMS_RETRY_MAX_AGE")))
    if retry_at > deadline:
        return RetryDecision(None, f"gave up: waiting longer would pass the maximum age ({error})")
    return RetryDecision(retry_at, error)

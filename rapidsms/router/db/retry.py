"""When to try a failed transmission again, and when to give up.

Retryable failures (connection errors, timeouts before sending, 5xx, 429)
wait an exponentially growing delay with jitter, never less than the
gateway's ``Retry-After``. A backend passes ``Retry-After`` on the error::

    error = MessageSendingError("rate limited", identities, retryable=True)
    error.retry_after = response.headers.get("Retry-After")  # seconds or an HTTP date
    raise error

Permanent failures (``retryable=False``, typically 4xx) are never retried.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

from django.utils import timezone

from rapidsms.router.db.conf import get_setting


@dataclass(frozen=True)
class RetryDecision:
    """What to do with a failed transmission: retry at ``retry_at``, or fail with ``reason``."""

    retry_at: datetime | None
    reason: str

    @property
    def gives_up(self) -> bool:
        """True when the transmission fails for good."""
        return self.retry_at is None


def parse_retry_after(value: Any, now: datetime | None = None) -> float | None:
    """Return the seconds a ``Retry-After`` value asks for, or None if it says nothing usable.

    Accepts a number of seconds (int, float or digits), an HTTP date, a
    ``datetime`` or a ``timedelta``.
    """
    now = now or timezone.now()
    if value is None or value == "":
        return None
    if isinstance(value, timedelta):
        return max(0.0, value.total_seconds())
    if isinstance(value, datetime):
        return max(0.0, (value - now).total_seconds())
    if isinstance(value, int | float):
        return max(0.0, float(value))
    text = str(value).strip()
    try:
        return max(0.0, float(text))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


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

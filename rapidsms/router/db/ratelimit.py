"""A per-backend sending rate shared by every worker on every machine.

Configured per backend in ``INSTALLED_BACKENDS``::

    "kannel": {
        "ENGINE": "rapidsms.backends.kannel.KannelBackend",
        "router.rate": 30,              # per second, across all workers
        "router.rate_unit": "segments", # or "messages" (the default)
    }

Each send books time on the backend's schedule in the database (one row per
backend, locked for the instant of the booking): a send of ``n`` messages at
``r`` per second moves the backend's next free slot ``n / r`` seconds ahead.
The worker waits for its slot when it is at most a second away; otherwise it
books nothing and puts the task back in the queue until the schedule has
room, so that it does not sit idle.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from rapidsms.router.db.models import BackendThrottle

UNITS = ("messages", "segments")


@dataclass(frozen=True)
class RateLimit:
    """``rate`` messages or segments (``unit``) per second for one backend."""

    backend: str
    rate: float
    unit: str = "messages"

    def cost(self, text: str, recipients: int) -> float:
        """Return what sending ``text`` to ``recipients`` identities uses of the rate."""
        if self.unit == "segments":
            return float(recipients * segments(text))
        return float(recipients)

    def acquire(self, cost: float, max_wait: float) -> tuple[bool, float]:
        """Book ``cost`` on the backend's schedule if its slot is at most ``max_wait`` away.

        Return ``(True, seconds to wait for the slot)`` when booked, or
        ``(False, seconds until the schedule has room)`` without booking
        anything, so that a task that comes back later books afresh and no
        capacity is lost.
        """
        now = timezone.now()
        with transaction.atomic():
            throttle = (
                BackendThrottle.objects.select_for_update().filter(backend=self.backend).first()
            )
            if throttle is None:
                BackendThrottle.objects.get_or_create(
                    backend=self.backend, defaults={"next_free_at": now}
                )
                throttle = BackendThrottle.objects.select_for_update().get(backend=self.backend)
            start = max(throttle.next_free_at, now)
            wait = (start - now).total_seconds()
            if wait > max_wait:
                return False, wait
            throttle.next_free_at = start + timedelta(seconds=cost / self.rate)
            throttle.save(update_fields=["next_free_at"])
        return True, wait


def rate_limit_for(backend: Any) -> RateLimit | None:
    """Return the rate limit configured on ``backend`` (a backend object), or None."""
    config = getattr(backend, "_config", None) or {}
    rate = config.get("router.rate")
    if rate in (None, "", 0):
        return None
    try:
        value = float(rate)
    except (TypeError, ValueError):
        value = -1.0
    if value <= 0:
        raise ImproperlyConfigured(
            f"INSTALLED_BACKENDS[{backend.name!r}]['router.rate'] must be a positive number "
            f"of messages per second, not {rate!r}."
        )
    unit = str(config.get("router.rate_unit") or "messages").lower()
    if unit not in UNITS:
        raise ImproperlyConfigured(
            f"INSTALLED_BACKENDS[{backend.name!r}]['router.rate_unit'] must be one of "
            f"{', '.join(UNITS)}, not {unit!r}."
        )
    return RateLimit(backend.name, value, unit)


def segments(text: str) -> int:
    """Return how many SMS ``text`` takes (GSM-7 or UCS-2, concatenated)."""
    try:
        from rapidsms.backends.encoding import count_segments
    except ImportError:  # an older core without the encoding helpers
        single, part = (160, 153) if text.isascii() else (70, 67)
        length = len(text)
        return 1 if length <= single else -(-length // part)
    return max(1, count_segments(text).segments)

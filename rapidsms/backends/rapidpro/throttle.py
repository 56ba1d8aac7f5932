"""A request budget per backend, shared by every process through the database.

RapidPro counts requests per workspace over a sliding window (2,500 an hour
on RapidPro 9 and in the hosted documentation; the current code allows
3,600) and answers 429 with ``Retry-After`` beyond it. Web workers, Celery
workers and the poller all spend the same budget, so the budget lives in the
database: each request is a row, and a request may be made when fewer than
``limit`` rows fall within the last ``window`` seconds. A 429 pauses the
backend for every process until ``Retry-After`` has passed.

Taking a slot locks the backend's :class:`RateLimitState` row (an UPDATE,
which serialises on PostgreSQL and SQLite alike) so two processes never
both take the last slot.
"""

from __future__ import annotations

import logging
import random
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from rapidsms.backends.rapidpro.client import RapidProClient
from rapidsms.backends.rapidpro.errors import RapidProRateExceededError
from rapidsms.backends.rapidpro.models import ApiRequest, RateLimitState

logger = logging.getLogger("rapidsms.backends.rapidpro")

UNITS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}
RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*(s|m|h|d)[a-z]*\s*$", re.IGNORECASE)


class RateLimited(Exception):
    """No request may be made for ``wait`` seconds (longer than the caller would wait)."""

    def __init__(self, wait: float) -> None:
        super().__init__(f"RapidPro's request budget is spent; next slot in {wait:.1f} s")
        self.wait = wait


def parse_rate(value: str | int) -> tuple[int, float]:
    """Return ``(requests, window seconds)`` for ``"2500/h"``, ``"5/s"``, ``"100/10m"``.

    A bare number is per hour. Raise ``ValueError`` for anything else.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise ValueError("A rate limit must allow at least one request.")
        return value, UNITS["h"]
    match = RATE.match(str(value))
    if not match or int(match.group(1)) < 1:
        raise ValueError(f"{value!r} is not a rate such as '2500/h' or '5/s'.")
    count = int(match.group(1))
    multiple = int(match.group(2) or 1)
    return count, multiple * UNITS[match.group(3).lower()]


class SharedRateLimit:
    """``limit`` requests per ``window`` seconds for backend ``backend``, in every process."""

    def __init__(self, backend: str, limit: int, window: float) -> None:
        self.backend = backend
        self.limit = limit
        self.window = timedelta(seconds=window)
        self.sleep: Callable[[float], None] = time.sleep
        #: Share of requests that also delete the rows older than the window.
        self.prune_chance = 0.02

    def acquire(self, max_wait: float) -> None:
        """Take one request slot, sleeping up to ``max_wait`` seconds for it.

        Raise :class:`RateLimited` when the next slot is further away.
        """
        deadline = time.monotonic() + max_wait
        while True:
            wait = self.try_acquire()
            if wait <= 0:
                return
            if time.monotonic() + wait > deadline:
                raise RateLimited(wait)
            self.sleep(wait)

    def try_acquire(self) -> float:
        """Take a slot and return 0, or return the seconds until one is free."""
        now = timezone.now()
        with transaction.atomic():
            state = self._lock_state(now)
            if state.paused_until and state.paused_until > now:
                return (state.paused_until - now).total_seconds()
            since = now - self.window
            recent = ApiRequest.objects.filter(backend=self.backend, made_at__gt=since)
            used = recent.count()
            if used >= self.limit:
                first_free = recent.order_by("made_at").values_list("made_at", flat=True)[
                    used - self.limit
                ]
                return max(0.01, (first_free + self.window - now).total_seconds())
            ApiRequest.objects.create(backend=self.backend, made_at=now)
            if random.random() < self.prune_chance:  # old rows are ignored; prune now and then
                ApiRequest.objects.filter(backend=self.backend, made_at__lte=since).delete()
            return 0.0

    def pause(self, seconds: float) -> None:
        """Let no process of this backend make a request for ``seconds`` (after a 429)."""
        now = timezone.now()
        until = now + timedelta(seconds=max(0.0, seconds))
        with transaction.atomic():
            state = self._lock_state(now)
            if state.paused_until is None or state.paused_until < until:
                RateLimitState.objects.filter(pk=state.pk).update(paused_until=until)

    def paused_until(self) -> datetime | None:
        """Return when the current pause ends, or ``None``."""
        until = (
            RateLimitState.objects.filter(backend=self.backend)
            .values_list("paused_until", flat=True)
            .first()
        )
        return until if until and until > timezone.now() else None

    def _lock_state(self, now: datetime) -> RateLimitState:
        """Return the backend's state row, write-locked until the transaction ends."""
        updated = RateLimitState.objects.filter(backend=self.backend).update(touched_at=now)
        if not updated:
            try:
                with transaction.atomic():
                    RateLimitState.objects.create(backend=self.backend, touched_at=now)
            except IntegrityError:
                RateLimitState.objects.filter(backend=self.backend).update(touched_at=now)
        return RateLimitState.objects.get(backend=self.backend)


class BudgetedClient(RapidProClient):
    """A client whose every request spends the backend's shared budget.

    Before each request it takes a slot of :class:`SharedRateLimit`; a 429
    pauses the backend for every process and the request is made again after
    ``Retry-After`` (a 429 is answered before anything is done, so repeating
    it cannot send twice). :meth:`waiting_at_most` bounds how long the
    calling thread waits in all; beyond it :class:`RateLimited` or
    :class:`~rapidsms.backends.rapidpro.errors.RapidProRateExceededError` is raised.
    """

    def __init__(self, *args: Any, budget: SharedRateLimit, max_wait: float = 3600.0,
                 **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.budget = budget
        self.default_max_wait = max_wait
        self._local = threading.local()

    @contextmanager
    def waiting_at_most(self, seconds: float) -> Iterator[None]:
        """Bound the waiting of requests made by this thread inside the block."""
        previous = getattr(self._local, "max_wait", None)
        self._local.max_wait = seconds
        try:
            yield
        finally:
            self._local.max_wait = previous

    def request(
        self,
        method: str,
        endpoint: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        retry_on_rate_exceed: bool = False,
    ) -> Any:
        max_wait = getattr(self._local, "max_wait", None)
        deadline = time.monotonic() + (self.default_max_wait if max_wait is None else max_wait)
        while True:
            self.budget.acquire(max(0.0, deadline - time.monotonic()))
            try:
                return super().request(method, endpoint, params=params, body=body)
            except RapidProRateExceededError as exc:
                self.budget.pause(exc.retry_after)
                logger.warning("%s: RapidPro answered 429; every process pauses %.1f s.",
                               self.budget.backend, exc.retry_after)
                if time.monotonic() + exc.retry_after > deadline:
                    raise

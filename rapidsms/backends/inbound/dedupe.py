"""Route a gateway's retry of the same message only once, across processes.

Gateways resend a message when our answer is slow or lost. Before routing a
message that carries the gateway's id, the view *claims* the id: it inserts
a :class:`~rapidsms.backends.inbound.models.ReceivedMessage` row, and the
database's unique constraint lets exactly one process win, whichever web
worker the retry lands on. An id seen longer ago than the backend's
``dedupe_window`` may be claimed again (gateways reuse ids eventually).

When routing then fails, the view releases the claim so that the gateway's
next retry is routed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from rapidsms.backends.inbound.models import ReceivedMessage


def claim(backend: str, external_id: str, window: timedelta) -> datetime | None:
    """Claim ``external_id`` on ``backend``; return the claim's time, or None if taken.

    None means the id was claimed by someone else within ``window``: the
    message is a duplicate and must not be routed.
    """
    for _attempt in range(2):
        now = timezone.now()
        try:
            with transaction.atomic():
                ReceivedMessage.objects.create(
                    backend=backend, external_id=external_id, received_at=now
                )
            return now
        except IntegrityError:
            pass
        # Seen before. Take it over only when the earlier sighting has expired;
        # the conditional UPDATE is atomic, so only one process can succeed.
        taken_over = ReceivedMessage.objects.filter(
            backend=backend, external_id=external_id, received_at__lt=now - window
        ).update(received_at=now)
        if taken_over:
            return now
        if ReceivedMessage.objects.filter(backend=backend, external_id=external_id).exists():
            return None
        # The row went away between the insert and the update (a released
        # claim or a prune): try the insert once more.
    return None


def release(backend: str, external_id: str, claimed_at: datetime) -> None:
    """Give back a claim made by :func:`claim`, so the gateway's retry is routed."""
    ReceivedMessage.objects.filter(
        backend=backend, external_id=external_id, received_at=claimed_at
    ).delete()

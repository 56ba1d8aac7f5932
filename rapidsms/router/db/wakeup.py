"""One wake-up task at a time for the workers that drain stored incoming messages.

Incoming messages are processed in batches taken straight from the database
(:mod:`rapidsms.router.db.inbox`), so the broker only has to tell a worker
that there is work, not carry every message. One task per message would cost
a worker more than the message itself.

The protocol keeps at most one wake-up waiting in the broker and still never
strands a message:

* after a message is committed, :func:`request` sets the queue's flag if it
  is clear, and only then publishes a wake-up task;
* a worker starting on a wake-up clears the flag (:func:`clear`) *before* it
  claims a batch.

A message committed before the flag was found set is seen by the claim of
the worker that will clear that flag; a message committed after the clear
sets the flag again and publishes a new task. A worker that claims a full
batch requests a wake-up itself, so that another worker joins in while a
backlog lasts. A flag older than :data:`STALE_AFTER` seconds counts as clear:
its task may have been lost with the broker or its publisher.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from rapidsms.router.db.models import Wakeup

logger = logging.getLogger("rapidsms.router.db")

#: Seconds after which a wake-up that no worker started on is requested again.
STALE_AFTER = 10.0


def request(queue: str, publish: Callable[[], None], force: bool = False) -> bool:
    """Publish a wake-up for ``queue`` unless one is already on its way; return True if sent.

    ``force`` publishes even then (the recovery task, which runs when a
    wake-up may have been lost).
    """
    now = timezone.now()
    stale = now - timedelta(seconds=STALE_AFTER)
    if force or _set_flag(queue, now, stale):
        publish()
        return True
    return False


def _set_flag(queue: str, now: datetime, stale: datetime) -> bool:
    """Set ``queue``'s flag if it is clear or stale; return True if this call set it."""
    # This runs for every incoming message, and under load the flag is
    # almost always set already: a plain read answers that case without
    # writing or locking anything, so web processes never queue up on it.
    connection = connections[Wakeup.objects.db]
    table = connection.ops.quote_name(Wakeup._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT requested_at FROM {table} WHERE queue = %s", [queue])
        row = cursor.fetchone()
    if row is not None and row[0] is not None:
        requested = row[0]
        if timezone.is_naive(requested) and timezone.is_aware(stale):  # SQLite keeps UTC
            requested = requested.replace(tzinfo=UTC)
        if requested >= stale:
            return False
    flagged = Wakeup.objects.filter(queue=queue).filter(
        Q(requested_at__isnull=True) | Q(requested_at__lt=stale)
    )
    if flagged.update(requested_at=now):
        return True
    if row is not None or Wakeup.objects.filter(queue=queue).exists():
        return False  # another process set the flag meanwhile: it publishes
    try:
        with transaction.atomic():
            Wakeup.objects.create(queue=queue, requested_at=now)
    except IntegrityError:
        return False  # created meanwhile by another process, which publishes
    return True


def clear(queue: str) -> None:
    """Say that a worker has started on ``queue``'s wake-up (before it claims its batch)."""
    Wakeup.objects.filter(queue=queue, requested_at__isnull=False).update(requested_at=None)

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
from datetime import datetime, timedelta

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
    connection = connections[Wakeup.objects.db]
    if connection.vendor in ("postgresql", "sqlite"):
        # One statement: this runs once for every incoming message.
        ops = connection.ops
        table = ops.quote_name(Wakeup._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} (queue, requested_at) VALUES (%s, %s) "
                f"ON CONFLICT (queue) DO UPDATE SET requested_at = excluded.requested_at "
                f"WHERE {table}.requested_at IS NULL OR {table}.requested_at < %s "
                "RETURNING id",
                [queue, ops.adapt_datetimefield_value(now), ops.adapt_datetimefield_value(stale)],
            )
            return cursor.fetchone() is not None
    flagged = Wakeup.objects.filter(queue=queue).filter(
        Q(requested_at__isnull=True) | Q(requested_at__lt=stale)
    )
    if flagged.update(requested_at=now):
        return True
    try:
        with transaction.atomic():
            Wakeup.objects.create(queue=queue, requested_at=now)
    except IntegrityError:
        return False  # the row exists and its flag is set
    return True


def clear(queue: str) -> None:
    """Say that a worker has started on ``queue``'s wake-up (before it claims its batch)."""
    Wakeup.objects.filter(queue=queue, requested_at__isnull=False).update(requested_at=None)

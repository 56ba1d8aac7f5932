"""One wake-up task at a time for the workers that drain stored incoming messages.

Incoming messages are processed in batches taken straight from the database
(:mod:`rapidsms.router.db.inbox`), so the broker only has to tell a worker
that there is work, not carry every message. One task per message would cost
a worker more than the message itself.

The protocol keeps at most one wake-up waiting in the broker and still never
strands a message:

* after a message is committed, :func:`request` sets the queue's flag if it
  is clear, and only then publishes a wake-up task;
* a worker on a wake-up takes batches while any message waits, leaving the
  flag set; once a claim finds nothing it clears the flag (:func:`clear`)
  and claims once more before it stops.

A message committed before the flag was found set is seen by a claim of
the worker that will clear that flag (at the latest the one after the
clear); a message committed after the clear sets the flag again and
publishes a new task. While a worker drains, the web processes publish
nothing: one read of the flag per message. A worker that claims a full
batch wakes another worker, so that it joins in while a backlog lasts. A
flag older than :data:`STALE_AFTER` seconds counts as clear: its task may
have been lost with the broker or its publisher.

A task can also be lost with a worker. A worker takes a few tasks ahead of
the one it runs (Celery's prefetch); killed, it takes them along. RabbitMQ
gives them to another worker at once, Redis only after its visibility
timeout (an hour by default). Meanwhile the flag says a wake-up is on its
way, and a message that arrives next would wait for a later one. So every
worker that serves the incoming queue also sweeps (:func:`sweep`): when it
starts, and every ``RAPIDSMS_SWEEP_INTERVAL`` seconds, it looks for
a message that has waited longer than :data:`STALE_AFTER` and wakes the
workers if it finds one. The same sweep picks up, as soon as their lease
runs out, the messages a dead worker had claimed.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from django.db import IntegrityError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from rapidsms.router.db import inbox
from rapidsms.router.db.conf import get_setting
from rapidsms.router.db.models import Transmission, Wakeup
from rapidsms.router.db.status import Direction

logger = logging.getLogger("rapidsms.router.db")

#: Seconds after which a wake-up that no worker started on is requested again.
STALE_AFTER = 5.0


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


def overdue(waited: float) -> bool:
    """Return True when an incoming message has waited longer than ``waited`` seconds.

    Waiting means a worker may claim it: never claimed yet, or claimed by a
    worker that died (its lease, ``RAPIDSMS_PROCESSING_LEASE``, has run out).
    """
    lease = float(get_setting("RAPIDSMS_PROCESSING_LEASE"))
    since = timezone.now() - timedelta(seconds=waited)
    waiting = Transmission.objects.filter(direction=Direction.INCOMING, date__lt=since)
    return waiting.filter(inbox.claimable(lease)).exists()


def sweep(wake: Callable[[], object], waited: float = STALE_AFTER) -> bool:
    """Call ``wake`` if an incoming message has waited longer than ``waited`` seconds; True if so.

    Run by the workers that serve the incoming queue (see the module's
    documentation); ``wake`` publishes a wake-up whatever the flag says.
    One query when nothing waits. When the workers are merely busy, the
    extra wake-up costs one task: the worker that runs it claims a batch.
    """
    if not overdue(waited):
        return False
    logger.info("Incoming messages wait longer than %ss; waking the workers.", waited)
    wake()
    return True

"""Stored incoming messages, claimed by workers in batches and finished in one transaction.

A worker claims up to a batch of messages that wait (``received``) or whose
claim has expired (``processing`` for longer than the lease: their worker
died), runs the apps on each, and then, in one transaction, stores every
reply and marks every message ``handled`` or ``errored``. The database does
the per-message work in a handful of statements per batch, whatever its size.

Two workers never claim the same message: the claim locks the rows it takes
and skips rows another worker is claiming (``SELECT ... FOR UPDATE SKIP
LOCKED`` on PostgreSQL). A worker whose claim expired while it was still
working (a batch slower than the lease) finds the messages gone at the end
and stores nothing for them, so the worker that took them over is the only
one to answer.
"""

from __future__ import annotations

import logging
import threading
import uuid
from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.db import DatabaseError, connections, transaction
from django.db.models import Q
from django.utils import timezone

from rapidsms.redaction import redact
from rapidsms.router.db.models import Transmission
from rapidsms.router.db.status import Direction, Status

ERROR_LENGTH = 2000

logger = logging.getLogger("rapidsms.router.db")


def claimable(lease: float) -> Q:
    """Return the condition of incoming transmissions a worker may claim now."""
    stale = timezone.now() - timedelta(seconds=lease)
    expired = Q(claimed_at__isnull=True) | Q(claimed_at__lt=stale)
    return Q(status=Status.RECEIVED) | (Q(status=Status.PROCESSING) & expired)


def claim(
    limit: int, lease: float, message_ids: Sequence[int] | None = None
) -> tuple[uuid.UUID, list[Transmission]]:
    """Claim up to ``limit`` incoming transmissions, oldest first; return the token and rows.

    The rows come with their message, connection, backend and contact.
    ``message_ids`` limits the claim to those messages. An incoming message
    has one transmission (one connection); one with several may be split
    between two batches.
    """
    now = timezone.now()
    token = uuid.uuid4()
    waiting = Transmission.objects.filter(direction=Direction.INCOMING).filter(claimable(lease))
    if message_ids is not None:
        waiting = waiting.filter(message_id__in=list(message_ids))
    with transaction.atomic():
        rows = list(
            waiting.select_related("message", "connection__backend", "connection__contact")
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("pk")[:limit]
        )
        if rows:
            Transmission.objects.filter(pk__in=[row.pk for row in rows]).update(
                status=Status.PROCESSING, claim_token=token, claimed_at=now, updated=now
            )
    return token, rows


def renew(token: uuid.UUID) -> None:
    """Extend a claim still being worked on, so that no other worker takes it over."""
    Transmission.objects.filter(claim_token=token, status=Status.PROCESSING).update(
        claimed_at=timezone.now()
    )


class KeepClaimed:
    """Renew a claim every ``every`` seconds from a thread of its own while the batch runs.

    The lease (``RAPIDSMS_PROCESSING_LEASE``) can then be short, so that
    the messages of a worker killed mid-batch are taken over within seconds,
    however long one message takes in the apps: a live worker's claim never
    runs out. Used as a context manager around the batch. A renewal that
    fails (the database away for a moment) is logged and tried again at
    the next beat.
    """

    def __init__(self, token: uuid.UUID, every: float) -> None:
        self.token = token
        self.every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name="rapidsms-claim", daemon=True)

    def __enter__(self) -> KeepClaimed:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self._stop.set()
        self._thread.join()

    def _beat(self) -> None:
        try:
            while not self._stop.wait(self.every):
                try:
                    renew(self.token)
                except DatabaseError:
                    logger.warning("Could not renew a claim on incoming messages; trying "
                                   "again in %ss.", self.every, exc_info=True)
        finally:
            connections.close_all()  # this thread's own connections


def finish(
    token: uuid.UUID,
    outcomes: dict[int, tuple[str, str]],
    store_replies: Callable[[set[int]], Any],
) -> tuple[set[int], Any]:
    """Finish a claimed batch in one transaction; return the finished message ids and the replies.

    ``outcomes`` maps each message id to ``(status, error)``. Only messages
    still held by ``token`` are finished; ``store_replies`` is called with
    their ids, inside the transaction, to store what answers them.
    """
    now = timezone.now()
    # savepoint=False: the caller's transaction (if any) is all this needs.
    with transaction.atomic(savepoint=False):
        held = set(
            Transmission.objects.select_for_update()
            .filter(claim_token=token, status=Status.PROCESSING, direction=Direction.INCOMING)
            .order_by()
            .values_list("message_id", flat=True)
        )
        finished = held & set(outcomes)
        replies = store_replies(finished)
        for (status, error), ids in _group_outcomes(outcomes, finished):
            Transmission.objects.filter(
                claim_token=token, status=Status.PROCESSING, message_id__in=ids
            ).update(status=status, last_error=redact(error)[:ERROR_LENGTH], updated=now)
    return finished, replies


def _group_outcomes(
    outcomes: dict[int, tuple[str, str]], ids: Iterable[int]
) -> list[tuple[tuple[str, str], list[int]]]:
    groups: dict[tuple[str, str], list[int]] = {}
    for message_id in ids:
        groups.setdefault(outcomes[message_id], []).append(message_id)
    return list(groups.items())

"""Resume what a crash or a broker restart left behind; the database says what that is.

:func:`recover` is run periodically (the ``rapidsms.router.db.recover`` task
under Celery beat, or ``manage.py rapidsms_status --recover``). It:

1. resolves transmissions that stayed "sending" longer than
   ``RAPIDSMS_SEND_LEASE``: their worker died. The one message it was
   sending is in doubt: the gateway may or may not have it. What becomes of
   it is the backend's choice (:func:`in_doubt_policy`): ``"hold"`` (the
   default) marks it "unknown", which a delivery report settles and staff
   may resend; ``"resend"`` sends it again, for a gateway where a duplicate
   is harmless. The messages of its claim it had not tried yet are queued
   again;
2. wakes the workers for incoming messages that were queued more than
   ``RAPIDSMS_REDISPATCH_AFTER`` ago and not finished, or whose worker
   died while routing them (see :mod:`rapidsms.router.db.inbox`);
3. hands due outgoing transmissions that no task is known to carry (lost
   with the broker, or retries too far ahead to park there) to a worker.

Handing work over twice is harmless: every task checks the database first.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rapidsms.router.db import inbox
from rapidsms.router.db.announce import announce
from rapidsms.router.db.conf import get_setting
from rapidsms.router.db.models import Transmission, TransmissionEvent
from rapidsms.router.db.status import CLAIMABLE, Direction, Status

logger = logging.getLogger("rapidsms.router.db")

#: At most this many rows of each kind are handled per run; the next run goes on.
BATCH_LIMIT = 5000

RESENT = "outcome unknown: the worker stopped while sending; sending again (router.in_doubt)"
NOT_TRIED = "claimed by a worker that stopped before trying it; queued again"

UNKNOWN_OUTCOME = (
    "outcome unknown: the worker stopped while the gateway had the message; not sent again "
    "automatically so that nobody gets it twice (a delivery report settles it; resend it from "
    "the messages page if it did not arrive)"
)

#: What to do with a message in doubt (the backend option ``router.in_doubt``).
HOLD = "hold"
RESEND = "resend"
IN_DOUBT_CHOICES = (HOLD, RESEND)


def recover(router: Any = None) -> dict[str, int]:
    """Resume lost work; return how many rows of each kind were handled."""
    if router is None:
        from rapidsms.router.db.router import store_router

        router = store_router()
    now = timezone.now()
    return {
        "stale_sends": expire_stale_sends(router, now),
        "incoming": redispatch_incoming(router, now),
        "outgoing": redispatch_outgoing(router, now),
    }


def expire_stale_sends(router: Any, now: Any) -> int:
    """Resolve transmissions whose claim outlived the lease; return how many.

    A worker sends the messages of its claim one after the other, in the
    order of their transmissions' ids, and records each outcome before the
    next send. So of the rows its claim left "sending", only the message of
    the lowest id may have reached the gateway (its outcome is unknown);
    the others were never tried and are queued again.
    """
    lease = timedelta(seconds=float(get_setting("RAPIDSMS_SEND_LEASE")))
    stale = list(
        Transmission.objects.filter(
            direction=Direction.OUTGOING, status=Status.SENDING, claimed_at__lt=now - lease
        )
        .order_by("pk")
        .values_list("pk", "claim_token", "backend", "message_id", "attempts")[:BATCH_LIMIT]
    )
    in_flight: dict[Any, int] = {}
    for _, token, _, message_id, _ in stale:
        in_flight.setdefault(token, message_id)
    handled = unknown = 0
    recovered: list[int] = []
    for pk, token, backend_name, message_id, attempts in stale:
        if message_id != in_flight[token]:
            status = Status.RETRY if attempts else Status.QUEUED
            detail = NOT_TRIED
        elif in_doubt_policy(router.backends.get(backend_name)) == RESEND:
            status, detail = Status.RETRY, RESENT
        else:
            status, detail = Status.UNKNOWN, UNKNOWN_OUTCOME
        with transaction.atomic():
            changed = Transmission.objects.filter(
                pk=pk, status=Status.SENDING, claim_token=token
            ).update(
                status=status,
                last_error=detail,
                next_attempt_at=None if status == Status.UNKNOWN else now,
                dispatched_at=None,
                updated=now,
            )
            if changed:
                TransmissionEvent.objects.create(
                    transmission_id=pk, status=status, detail=detail, date=now
                )
                handled += 1
                unknown += status == Status.UNKNOWN
                recovered.append(pk)
    announce(recovered)
    if handled:
        logger.warning(
            "%s transmission(s) were left 'sending' by a lost worker: %s with an unknown "
            "outcome, the others queued again.", handled, unknown
        )
    return handled


def in_doubt_policy(backend: Any) -> str:
    """Return what to do with ``backend``'s message in doubt: ``"hold"`` or ``"resend"``.

    The backend option ``"router.in_doubt"`` decides; else the backend
    class's ``in_doubt`` attribute (a gateway module that knows its gateway
    drops duplicates sets ``in_doubt = "resend"``); else ``"hold"``. The
    option of earlier versions, ``"router.resend_unconfirmed": True``, means
    ``"resend"``. A value that is neither is taken as ``"hold"``, the choice
    that never sends twice (system check ``rapidsms.db.E003`` reports it).
    """
    config = getattr(backend, "_config", None) or {}
    if "router.in_doubt" in config:
        choice = config["router.in_doubt"]
    elif config.get("router.resend_unconfirmed"):
        choice = RESEND
    else:
        choice = getattr(backend, "in_doubt", HOLD)
    return choice if choice in IN_DOUBT_CHOICES else HOLD


def _not_recently_dispatched(now: Any, after: float | None = None) -> Q:
    if after is None:
        after = float(get_setting("RAPIDSMS_REDISPATCH_AFTER"))
    return Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - timedelta(seconds=after))


def redispatch_incoming(router: Any, now: Any) -> int:
    """Have unfinished incoming messages processed again; return how many wait.

    Those waiting since before ``RAPIDSMS_REDISPATCH_AFTER`` (their wake-up
    may have been lost with the broker) and those whose worker died (claim
    older than ``RAPIDSMS_PROCESSING_LEASE``): one forced wake-up covers
    them all, as the workers take the oldest first.
    """
    lease = float(get_setting("RAPIDSMS_PROCESSING_LEASE"))
    rows = list(
        Transmission.objects.filter(direction=Direction.INCOMING)
        .filter(inbox.claimable(lease))
        .filter(_not_recently_dispatched(now))
        .values_list("pk", "message_id", "backend")[:BATCH_LIMIT]
    )
    if not rows:
        return 0
    Transmission.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(dispatched_at=now)
    messages = {message_id: backend for _, message_id, backend in rows}
    woken = False
    for message_id, backend in messages.items():
        if router.runs_here(backend):
            router.dispatch_incoming(message_id, backend)
        elif not woken:
            woken = router.wake_incoming_workers(force=True)
    logger.info("Woke the workers for %s unfinished incoming message(s).", len(messages))
    return len(messages)


def redispatch_outgoing(
    router: Any, now: Any, after: float | None = None, backends: Sequence[str] | None = None
) -> int:
    """Hand due outgoing transmissions to a worker again; return how many.

    Those handed to the broker more than ``after`` seconds ago (default
    ``RAPIDSMS_REDISPATCH_AFTER``) or never, of ``backends`` only when given
    (the sweep of an idle send worker, see :mod:`rapidsms.router.db.tasks`).
    """
    due = Transmission.objects.filter(
        direction=Direction.OUTGOING, status__in=CLAIMABLE, next_attempt_at__lte=now
    )
    if backends is not None:
        due = due.filter(backend__in=list(backends))
    rows = list(
        due.filter(_not_recently_dispatched(now, after)).values_list("pk", flat=True)[:BATCH_LIMIT]
    )
    if not rows:
        return 0
    ids = list(rows)
    Transmission.objects.filter(pk__in=ids).update(dispatched_at=now)
    router.dispatch_transmissions(ids)
    logger.info("Handed %s due transmission(s) to the workers again.", len(rows))
    return len(rows)

"""Resume what a crash or a broker restart left behind; the database says what that is.

:func:`recover` is run periodically (the ``rapidsms.router.db.recover`` task
under Celery beat, or ``manage.py rapidsms_status --recover``). It:

1. marks transmissions that stayed "sending" longer than
   ``RAPIDSMS_SEND_LEASE`` as failed with an unknown outcome: their worker
   died between claiming and recording, so the gateway may or may not have
   the message, and sending it again could send it twice. A backend whose
   gateway drops duplicates itself may set ``"router.resend_unconfirmed":
   True``; those are retried instead;
2. hands incoming messages that were queued more than
   ``RAPIDSMS_REDISPATCH_AFTER`` ago and not finished to a worker again;
3. hands due outgoing transmissions that no task is known to carry (lost
   with the broker, or retries too far ahead to park there) to a worker.

Handing work over twice is harmless: every task checks the database first.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rapidsms.router.db.conf import get_setting
from rapidsms.router.db.models import Transmission, TransmissionEvent
from rapidsms.router.db.status import CLAIMABLE, Direction, Status

logger = logging.getLogger("rapidsms.router.db")

#: At most this many rows of each kind are handled per run; the next run goes on.
BATCH_LIMIT = 5000

UNKNOWN_OUTCOME = (
    "outcome unknown: the worker stopped while sending; not sent again automatically "
    "so that nobody gets it twice (retry it from the messages page if it did not arrive)"
)


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
    """Resolve transmissions whose claim outlived the lease; return how many."""
    lease = timedelta(seconds=float(get_setting("RAPIDSMS_SEND_LEASE")))
    stale = list(
        Transmission.objects.filter(
            direction=Direction.OUTGOING, status=Status.SENDING, claimed_at__lt=now - lease
        ).values_list("pk", "claim_token", "backend")[:BATCH_LIMIT]
    )
    handled = 0
    for pk, token, backend_name in stale:
        backend = router.backends.get(backend_name)
        resend = bool((getattr(backend, "_config", None) or {}).get("router.resend_unconfirmed"))
        status = Status.RETRY if resend else Status.FAILED
        detail = "claim expired; sending again (router.resend_unconfirmed)" if resend else (
            UNKNOWN_OUTCOME
        )
        with transaction.atomic():
            changed = Transmission.objects.filter(
                pk=pk, status=Status.SENDING, claim_token=token
            ).update(
                status=status,
                last_error=detail,
                next_attempt_at=now if resend else None,
                dispatched_at=None,
                updated=now,
            )
            if changed:
                TransmissionEvent.objects.create(
                    transmission_id=pk, status=status, detail=detail, date=now
                )
                handled += 1
    if handled:
        logger.warning("%s transmission(s) were left 'sending' by a lost worker.", handled)
    return handled


def _not_recently_dispatched(now: Any) -> Q:
    after = timedelta(seconds=float(get_setting("RAPIDSMS_REDISPATCH_AFTER")))
    return Q(dispatched_at__isnull=True) | Q(dispatched_at__lt=now - after)


def redispatch_incoming(router: Any, now: Any) -> int:
    """Hand unfinished incoming messages to a worker again; return how many."""
    rows = list(
        Transmission.objects.filter(
            direction=Direction.INCOMING, status__in=[Status.RECEIVED, Status.PROCESSING]
        )
        .filter(_not_recently_dispatched(now))
        .values_list("pk", "message_id", "backend")[:BATCH_LIMIT]
    )
    if not rows:
        return 0
    Transmission.objects.filter(pk__in=[pk for pk, _, _ in rows]).update(dispatched_at=now)
    messages = {message_id: backend for _, message_id, backend in rows}
    for message_id, backend in messages.items():
        router.dispatch_incoming(message_id, backend)
    logger.info("Handed %s unfinished incoming message(s) to the workers again.", len(messages))
    return len(messages)


def redispatch_outgoing(router: Any, now: Any) -> int:
    """Hand due outgoing transmissions to a worker again; return how many."""
    rows = list(
        Transmission.objects.filter(
            direction=Direction.OUTGOING, status__in=CLAIMABLE, next_attempt_at__lte=now
        )
        .filter(_not_recently_dispatched(now))
        .values_list("pk", flat=True)[:BATCH_LIMIT]
    )
    if not rows:
        return 0
    ids = list(rows)
    Transmission.objects.filter(pk__in=ids).update(dispatched_at=now)
    router.dispatch_transmissions(ids)
    logger.info("Handed %s due transmission(s) to the workers again.", len(rows))
    return len(rows)

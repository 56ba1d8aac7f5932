"""Signal receivers of the core."""

from __future__ import annotations

import logging
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

from django.core.signals import setting_changed
from django.dispatch import Signal, receiver

logger = logging.getLogger(__name__)

#: Sent by the router after an incoming message went through every phase and
#: its replies were handed to the backends (also when it was filtered).
#: Keyword arguments: ``router`` and ``message``. Apps that batch database
#: work per message (the message log) flush it here, in one transaction.
incoming_processed = Signal()

#: Sent by a router that processes incoming messages in batches (the
#: durable router's workers) once a batch is finished, before
#: ``incoming_processed`` is sent for each of its messages, and before its
#: stored replies are handed to the send queues. Keyword arguments:
#: ``router`` and ``messages`` (a list). Apps that write per message can
#: write the whole batch here at once.
incoming_batch_processed = Signal()

#: Asked just before a message accepted for sending earlier is handed to a
#: gateway: by a worker of the durable router on every attempt (the first,
#: each retry, a resend after a crash, an operator's "retry failed") and by
#: an outbox that sends later (RapidPro). The outgoing phase decided who gets
#: the message when it was written; this asks again at the moment it goes.
#: Keyword arguments: ``backend`` (its name), ``identities`` (a list),
#: ``answers`` (the identities the message replies to: they wrote to us) and
#: ``written`` (when the message was accepted for sending, or ``None`` when
#: the caller passes ``answers`` exactly). Call it with
#: :func:`vetoed_recipients`.
send_veto = Signal()

#: Sent when outgoing messages change status on their way to the recipients:
#: accepted for sending (``queued``), handed to the gateway (``sent``), on the
#: handset (``delivered``), refused for good (``failed``), held back at send
#: time (``cancelled``), waiting for another attempt (``retry``), in a
#: worker's hands (``sending``) or lost with a worker (``unknown``: it may
#: have gone). Routers send it for the messages they send; the durable
#: router also for each status a worker, a delivery report or an operator
#: sets. Keyword arguments: ``backend`` (its name), ``message_id`` (the id
#: the router gave the backend's ``send()``, as a string), ``statuses``
#: (``{identity: status}``), ``errors`` (``{identity: error text}`` for the
#: identities that have one) and ``message`` (the ``OutgoingMessage`` when
#: the sender has it at hand, else ``None``). The message log keeps each
#: row's status from it. Receivers run in the sender's process and
#: transaction; one that raises is logged and does not stop the send.
outgoing_status = Signal()

#: Outgoing statuses of :data:`outgoing_status`, from first to last.
OUTGOING_STATUSES = (
    "queued", "retry", "sending", "unknown", "sent", "failed", "cancelled", "delivered",
)

#: Settings the router is built from: a change rebuilds it.
ROUTER_SETTINGS = frozenset(
    {"RAPIDSMS_ROUTER", "INSTALLED_BACKENDS", "INSTALLED_APPS", "RAPIDSMS_HANDLERS"}
)


@receiver(setting_changed)
def reset_router_on_setting_change(setting: str, **kwargs: Any) -> None:
    """Rebuild the router after a setting it was built from changes (tests)."""
    if setting in ROUTER_SETTINGS:
        from rapidsms.router.api import reset_router

        reset_router()


def announce_outgoing_status(
    sender: Any,
    backend: str,
    message_id: Any,
    statuses: dict[str, str],
    errors: dict[str, str] | None = None,
    message: Any = None,
) -> None:
    """Send :data:`outgoing_status`; log a receiver that raises instead of raising.

    A status is news about a message that has already gone its way: a
    failing receiver must not make the caller believe the send failed.
    """
    if not statuses or not outgoing_status.receivers:  # cheaper than has_listeners()
        return
    results = outgoing_status.send_robust(
        sender,
        backend=backend,
        message_id=str(message_id),
        statuses=dict(statuses),
        errors=dict(errors or {}),
        message=message,
    )
    for receiver_, result in results:
        if isinstance(result, Exception):
            logger.error("A receiver of outgoing_status (%r) raised: %r", receiver_, result,
                         exc_info=result)


def vetoed_recipients(
    sender: Any,
    backend: str,
    identities: Sequence[str],
    answers: Collection[str] = (),
    written: datetime | None = None,
) -> dict[str, str]:
    """Return ``{identity: reason}`` for the identities that must not get the message now.

    Ask every receiver of :data:`send_veto`. A receiver returns the same kind
    of dict (or ``None``) for the identities it vetoes; the first reason
    given for an identity is kept. An exception in a receiver propagates:
    the caller must then hold the message back, not send it unchecked.

    A receiver is written like this (the opt-out app's)::

        @receiver(send_veto)
        def skip_opted_out(sender, backend, identities, answers, written, **kwargs):
            return {identity: "opted out" for identity in identities
                    if identity not in answers and has_opted_out(backend, identity)}
    """
    if not identities or not send_veto.has_listeners():
        return {}
    wanted = set(identities)
    vetoed: dict[str, str] = {}
    for _receiver, reasons in send_veto.send(
        sender,
        backend=backend,
        identities=list(identities),
        answers=frozenset(answers),
        written=written,
    ):
        for identity, reason in (reasons or {}).items():
            if identity in wanted:
                vetoed.setdefault(identity, str(reason))
    return vetoed

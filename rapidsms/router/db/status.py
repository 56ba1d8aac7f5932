"""Statuses of stored messages, and the rule that a status only moves forward.

Incoming: ``received`` (stored, waiting for a worker) -> ``processing`` ->
``handled`` or ``errored`` (an app raised; the replies it queued still go).

Outgoing: ``queued`` -> ``sending`` (claimed by one worker) -> ``sent`` ->
``delivered``; a retryable failure goes to ``retry`` ("errored: will
retry") and back to ``sending`` when its time comes; ``failed`` is final
unless an operator retries it. ``cancelled`` is final: a send-time veto
(the recipient opted out after the message was queued) stopped it.
``unknown``: the worker died while the gateway had the message, so nobody
knows whether it went; a gateway report settles it (``sent``,
``delivered``, ``failed``), and only an explicit resend queues it again.

Gateway reports (delivery reports, late send confirmations) may arrive in
any order. :data:`REPORT_RANK` orders the outgoing statuses; a report only
changes a transmission to a status of a higher rank, so a late "sent" never
overrides "delivered".
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    """Which way a message travels. The codes are RapidSMS 2.x's."""

    INCOMING = "I", _("Incoming")
    OUTGOING = "O", _("Outgoing")


class Status(models.TextChoices):
    """The status of one transmission: a message to or from one connection."""

    RECEIVED = "received", _("received")
    PROCESSING = "processing", _("processing")
    HANDLED = "handled", _("handled")
    ERRORED = "errored", _("errored")
    QUEUED = "queued", _("queued")
    SENDING = "sending", _("sending")
    RETRY = "retry", _("errored: will retry")
    SENT = "sent", _("sent")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")
    UNKNOWN = "unknown", _("unknown: may have been sent")
    CANCELLED = "cancelled", _("cancelled")


INCOMING_STATUSES = (Status.RECEIVED, Status.PROCESSING, Status.HANDLED, Status.ERRORED)
OUTGOING_STATUSES = (
    Status.QUEUED,
    Status.SENDING,
    Status.RETRY,
    Status.SENT,
    Status.DELIVERED,
    Status.FAILED,
    Status.UNKNOWN,
    Status.CANCELLED,
)

#: Statuses a worker may claim an outgoing transmission from.
CLAIMABLE = (Status.QUEUED, Status.RETRY)
#: Statuses that still need work from a worker.
PENDING = (Status.RECEIVED, Status.PROCESSING, Status.QUEUED, Status.SENDING, Status.RETRY)

#: Order of the outgoing statuses for gateway reports; higher wins.
#: ``unknown`` sits between ``sending`` and ``sent``: any report about the
#: message settles it. ``cancelled`` ranks with ``failed``: only a
#: ``delivered`` (from an attempt before the veto) overrides it.
REPORT_RANK: dict[str, int] = {
    Status.QUEUED: 0,
    Status.RETRY: 1,
    Status.SENDING: 2,
    Status.UNKNOWN: 3,
    Status.SENT: 4,
    Status.FAILED: 5,
    Status.CANCELLED: 5,
    Status.DELIVERED: 6,
}


def statuses_below(status: str) -> list[str]:
    """Return the outgoing statuses a gateway report of ``status`` may replace."""
    rank = REPORT_RANK[status]
    return [name for name, value in REPORT_RANK.items() if value < rank]

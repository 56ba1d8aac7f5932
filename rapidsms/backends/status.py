"""One status vocabulary for delivery reports from every gateway.

Gateways each have their own words (Kannel's DLR codes, Twilio's
``undelivered``, SMPP's ``DELIVRD``). A gateway's status view maps them to
:class:`Status` and keeps the gateway's own word in ``raw_status``, so apps
handle four values and can still look at the original.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Status(models.TextChoices):
    """Where a message is on its way to the handset.

    ``QUEUED``: the gateway has it and has not sent it yet. ``SENT``: the
    gateway handed it to the operator. ``DELIVERED``: the handset got it.
    ``FAILED``: it will not arrive (``error`` says why when the gateway does).
    """

    QUEUED = "queued", _("queued")
    SENT = "sent", _("sent")
    DELIVERED = "delivered", _("delivered")
    FAILED = "failed", _("failed")


#: Statuses after which a gateway sends no further report for a message.
FINAL_STATUSES = frozenset({Status.DELIVERED, Status.FAILED})

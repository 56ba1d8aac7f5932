"""The message log: one row per message and connection."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapidsms.models import Connection, Contact


class DeliveryStatus(models.TextChoices):
    """Where an outgoing message is on its way (see :data:`rapidsms.signals.outgoing_status`)."""

    QUEUED = "queued", _("queued")
    RETRY = "retry", _("errored: will retry")
    SENDING = "sending", _("sending")
    UNKNOWN = "unknown", _("unknown: may have been sent")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")
    DELIVERED = "delivered", _("delivered")


#: A report only moves a row's status to a higher rank, so a late "sent"
#: never hides "delivered". "queued" is special: an operator's retry.
STATUS_RANK: dict[str, int] = {
    "": -1,
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.RETRY: 1,
    DeliveryStatus.SENDING: 2,
    DeliveryStatus.UNKNOWN: 3,
    DeliveryStatus.SENT: 4,
    DeliveryStatus.FAILED: 5,
    DeliveryStatus.CANCELLED: 5,
    DeliveryStatus.DELIVERED: 6,
}


class Message(models.Model):
    """A message received from, or sent to, one connection.

    ``contact`` is the connection's contact when the message passed (kept
    when the number later changes hands); ``text`` is what was received
    (before any app rewrote it) or sent. A row needs a contact or a
    connection; deleting either keeps the row.
    """

    INCOMING = "I"
    OUTGOING = "O"
    DIRECTION_CHOICES = [(INCOMING, _("Incoming")), (OUTGOING, _("Outgoing"))]

    contact = models.ForeignKey(
        Contact, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("contact")
    )
    connection = models.ForeignKey(
        Connection, on_delete=models.SET_NULL, null=True, blank=True, verbose_name=_("connection")
    )
    direction = models.CharField(
        _("direction"), max_length=1, choices=DIRECTION_CHOICES, db_index=True
    )
    date = models.DateTimeField(_("date"), default=timezone.now, db_index=True)
    text = models.TextField(_("text"))
    #: the id the router gave the message; delivery statuses are matched by it
    router_message_id = models.CharField(_("router's message id"), max_length=64, blank=True)
    #: of an outgoing message, as the router and the gateway's reports tell it
    status = models.CharField(_("status"), max_length=16, blank=True,
                              choices=DeliveryStatus.choices)
    #: the gateway's (redacted) error, when the status has one
    error = models.TextField(_("error"), blank=True)
    status_updated = models.DateTimeField(_("status updated"), null=True, blank=True)

    class Meta:
        verbose_name = _("message")
        verbose_name_plural = _("messages")
        get_latest_by = "date"
        indexes = [
            models.Index(fields=["router_message_id"], name="messagelog_router_id"),
            models.Index(fields=["status", "date"], name="messagelog_status_date"),
        ]

    def __str__(self) -> str:
        text = self.text if len(self.text) < 60 else f"{self.text[:57]}..."
        direction = _("from") if self.direction == self.INCOMING else _("to")
        return f"{text} ({direction} {self.who})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Save the row, taking the contact from the connection.

        Raise ``ValidationError`` when neither a contact nor a connection is
        given, or when the given contact is not the connection's.
        """
        if self.contact_id is None and self.connection_id is None:
            raise ValidationError(_("A logged message needs a contact or a connection."))
        if self.connection_id is not None:
            owner_id = self.connection.contact_id
            if self.contact_id is not None and owner_id != self.contact_id:
                raise ValidationError(
                    _("The contact and the connection do not match; give one or the other.")
                )
            if owner_id is not None:
                self.contact_id = owner_id
        super().save(*args, **kwargs)

    @property
    def who(self) -> Contact | Connection | None:
        """The contact, or the connection when there is no contact."""
        return self.contact or self.connection

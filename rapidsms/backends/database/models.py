"""What the database backend stores: one row per identity and direction."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

INCOMING = "I"
OUTGOING = "O"
DIRECTION_CHOICES = [(INCOMING, _("Incoming")), (OUTGOING, _("Outgoing"))]


class BackendMessage(models.Model):
    """A message the database backend received or would have sent."""

    name = models.CharField(_("backend name"), max_length=255, db_index=True)
    date = models.DateTimeField(_("date"), auto_now_add=True)
    direction = models.CharField(
        _("direction"), max_length=1, choices=DIRECTION_CHOICES, db_index=True
    )
    # Gateways' message ids vary in length (WhatsApp's run past 64 characters).
    message_id = models.CharField(_("message id"), max_length=255)
    external_id = models.CharField(_("external id"), max_length=255, blank=True)
    identity = models.CharField(_("identity"), max_length=255, db_index=True)
    text = models.TextField(_("text"))

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("backend message")
        verbose_name_plural = _("backend messages")

    def __str__(self) -> str:
        arrow = ">" if self.direction == INCOMING else "<"
        return f"{self.identity} {arrow} {self.text}"

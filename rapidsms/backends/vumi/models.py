"""What the Vumi backend keeps: which Vumi message id belongs to which of our messages.

Vumi names a message by its own ``message_id`` and refers to it by that id
(``user_message_id``) in every event. The id is only known from Vumi's
answer to the send request, so :class:`SentMessage` keeps it with our message
id and the recipient until the events have arrived.
"""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class SentMessageQuerySet(models.QuerySet):
    def prune(self, before: datetime) -> int:
        """Delete the rows of messages sent before ``before``; return how many went.

        Run it now and then (for example daily, keeping a week: late delivery
        reports still arrive days after the message).
        """
        deleted, _ = self.filter(sent_at__lt=before).delete()
        return deleted


class SentMessage(models.Model):
    """One recipient of one of our messages, under the id Vumi gave it."""

    backend = models.CharField(_("backend"), max_length=255)
    vumi_id = models.CharField(_("Vumi message id"), max_length=255)
    message_id = models.CharField(_("message id"), max_length=255, db_index=True)
    identity = models.CharField(_("identity"), max_length=255)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)

    objects = SentMessageQuerySet.as_manager()

    class Meta:
        verbose_name = _("message sent through Vumi")
        verbose_name_plural = _("messages sent through Vumi")
        constraints = [
            models.UniqueConstraint(fields=["backend", "vumi_id"],
                                    name="rapidsms_vumi_unique_sent_message")
        ]

    def __str__(self) -> str:
        return f"{self.message_id} to {self.identity} ({self.vumi_id} on {self.backend})"

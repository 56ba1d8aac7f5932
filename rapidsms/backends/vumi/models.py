"""The Vumi backend's former table of Vumi message ids, kept until a later release drops it.

Every gateway's ids now go into one shared table,
:class:`rapidsms.backends.inbound.models.SentMessage`; migrating the
``rapidsms_inbound`` app copies this table's rows there. Nothing writes here
any more, and nothing reads it: the model stays only so that the rows are
not dropped before a release that says so.
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
    """One recipient of one of our messages, under the id Vumi gave it (no longer written)."""

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

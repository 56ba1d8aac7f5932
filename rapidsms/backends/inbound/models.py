"""Tables of the gateway backends: message ids already routed, delivery reports."""

from __future__ import annotations

from datetime import datetime

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapidsms.backends.status import Status


class ReceivedMessageQuerySet(models.QuerySet):
    def prune(self, before: datetime) -> int:
        """Delete the ids first seen before ``before``; return how many went.

        Run it now and then (for example daily, with a cut-off of the
        longest ``dedupe_window``) to keep the table small.
        """
        deleted, _ = self.filter(received_at__lt=before).delete()
        return deleted


class ReceivedMessage(models.Model):
    """A gateway message id routed recently on one backend.

    The unique constraint is what keeps a gateway's retry from being routed
    twice, even when two processes receive it at the same moment.
    """

    backend = models.CharField(_("backend"), max_length=255)
    external_id = models.CharField(_("gateway message id"), max_length=255)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    # Set once the message went through the router. A claim that stays
    # unrouted belongs to a process that died mid-way; a later retry takes it.
    routed_at = models.DateTimeField(_("routed at"), null=True, blank=True)

    objects = ReceivedMessageQuerySet.as_manager()

    class Meta:
        # Explicit, so that a project without this app (RapidSMS 2.x settings)
        # does not get these models under the "rapidsms" app's label.
        app_label = "rapidsms_inbound"
        verbose_name = _("received gateway message id")
        verbose_name_plural = _("received gateway message ids")
        constraints = [
            models.UniqueConstraint(
                fields=["backend", "external_id"], name="rapidsms_inbound_unique_message"
            )
        ]

    def __str__(self) -> str:
        return f"{self.external_id} on {self.backend}"


class DeliveryReport(models.Model):
    """One delivery report from a gateway, kept whether or not the message is known.

    ``message_id`` is our message's id when the gateway echoed it back (the
    usual way to tie a report to its message); ``external_id`` is the
    gateway's own id. ``status`` is normalised; ``raw_status``, ``error`` and
    ``raw`` keep what the gateway said.
    """

    backend = models.CharField(_("backend"), max_length=255, db_index=True)
    message_id = models.CharField(_("message id"), max_length=255, blank=True, db_index=True)
    external_id = models.CharField(_("gateway message id"), max_length=255, blank=True,
                                   db_index=True)
    identity = models.CharField(_("identity"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    raw_status = models.CharField(_("gateway status"), max_length=255, blank=True)
    error = models.TextField(_("error"), blank=True)
    raw = models.JSONField(_("report as received"), default=dict, blank=True)
    received_at = models.DateTimeField(_("received at"), default=timezone.now, db_index=True)

    class Meta:
        # Explicit, so that a project without this app (RapidSMS 2.x settings)
        # does not get these models under the "rapidsms" app's label.
        app_label = "rapidsms_inbound"
        ordering = ["received_at", "pk"]
        verbose_name = _("delivery report")
        verbose_name_plural = _("delivery reports")

    def __str__(self) -> str:
        about = self.message_id or self.external_id or "?"
        return f"{about} to {self.identity or '?'}: {self.status}"


class SentMessageQuerySet(models.QuerySet):
    def prune(self, before: datetime) -> int:
        """Delete the ids of messages sent before ``before``; return how many went.

        Late delivery reports still arrive days after a message was sent,
        so keep a week or more (``manage.py rapidsms_prune`` does).
        """
        deleted, _ = self.filter(sent_at__lt=before).delete()
        return deleted


class SentMessage(models.Model):
    """One recipient of one of our messages, under the id a gateway gave it.

    Gateways name a message in their delivery reports by their own id, which
    is known only from their answer to the send. This table, shared by every
    gateway and either router, ties ``(backend, gateway_id)`` to our message
    id and recipient, so that a report finds the message it is about.
    """

    backend = models.CharField(_("backend"), max_length=255)
    gateway_id = models.CharField(_("gateway message id"), max_length=255)
    message_id = models.CharField(_("message id"), max_length=255, db_index=True)
    identity = models.CharField(_("identity"), max_length=255)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)

    objects = SentMessageQuerySet.as_manager()

    class Meta:
        app_label = "rapidsms_inbound"
        verbose_name = _("sent gateway message id")
        verbose_name_plural = _("sent gateway message ids")
        constraints = [
            models.UniqueConstraint(
                fields=["backend", "gateway_id"], name="rapidsms_inbound_unique_sent_message"
            )
        ]

    def __str__(self) -> str:
        return f"{self.message_id} to {self.identity} ({self.gateway_id} on {self.backend})"

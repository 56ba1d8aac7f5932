"""What the RapidPro backend keeps in the database.

* :class:`RapidProContact`: the RapidPro contact UUID of a connection, so a
  reply can go to the contact directly.
* :class:`OutboxEntry`: one row per message and recipient, from ``send()``
  until RapidPro reports it delivered or failed. Sends are coalesced from
  here, and nothing waiting in it is lost when a process stops.
* :class:`PollCursor`: how far the poller has read a backend's messages.
* :class:`RateLimitState` and :class:`ApiRequest`: the request budget that
  every process using a backend shares.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class RapidProContact(models.Model):
    """The RapidPro contact a connection belongs to."""

    connection = models.OneToOneField(
        "rapidsms.Connection",
        on_delete=models.CASCADE,
        related_name="rapidpro_contact",
        verbose_name=_("connection"),
    )
    contact_uuid = models.CharField(_("RapidPro contact UUID"), max_length=64)
    updated_on = models.DateTimeField(_("updated on"), auto_now=True)

    class Meta:
        verbose_name = _("RapidPro contact")
        verbose_name_plural = _("RapidPro contacts")

    def __str__(self) -> str:
        return f"{self.connection_id} is {self.contact_uuid}"


class OutboxEntry(models.Model):
    """One recipient of one outgoing message, and how far it got.

    ``status`` moves ``pending`` -> ``sending`` -> ``accepted`` (RapidPro took
    it) -> ``sent`` -> ``delivered``, or ends in ``failed``. ``unknown`` means
    a request went out and no answer came back: it is never sent again
    automatically, and the status poller looks for it in RapidPro.
    """

    PENDING = "pending"
    SENDING = "sending"
    ACCEPTED = "accepted"
    SENT = "sent"
    DELIVERED = "delivered"
    FAILED = "failed"
    UNKNOWN = "unknown"
    STATUS_CHOICES = [
        (PENDING, _("waiting to be sent")),
        (SENDING, _("being sent")),
        (ACCEPTED, _("accepted by RapidPro")),
        (SENT, _("sent")),
        (DELIVERED, _("delivered")),
        (FAILED, _("failed")),
        (UNKNOWN, _("outcome unknown")),
    ]

    BROADCAST = "broadcast"
    MESSAGE = "message"
    ROUTE_CHOICES = [(BROADCAST, _("broadcast")), (MESSAGE, _("message to a contact"))]

    backend = models.CharField(_("backend"), max_length=255)
    message_id = models.CharField(_("message id"), max_length=255)
    identity = models.CharField(_("identity"), max_length=255)
    urn = models.CharField(_("URN"), max_length=255)
    text = models.TextField(_("text"))
    text_key = models.CharField(_("text digest"), max_length=64)
    route = models.CharField(_("route"), max_length=16, choices=ROUTE_CHOICES)
    contact_uuid = models.CharField(_("RapidPro contact UUID"), max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=STATUS_CHOICES,
                              default=PENDING)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    due_at = models.DateTimeField(_("due at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    claim = models.CharField(_("claimed by"), max_length=64, blank=True, db_index=True)
    broadcast_key = models.CharField(_("RapidPro broadcast"), max_length=64, blank=True)
    message_key = models.CharField(_("RapidPro message"), max_length=64, blank=True)
    raw_status = models.CharField(_("RapidPro status"), max_length=32, blank=True)
    error = models.TextField(_("error"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("RapidPro outbox entry")
        verbose_name_plural = _("RapidPro outbox entries")
        constraints = [
            # The send-once guard: a message goes to a recipient once, whoever asks again.
            models.UniqueConstraint(
                fields=["backend", "message_id", "identity"], name="rapidpro_send_once"
            )
        ]
        indexes = [
            models.Index(fields=["backend", "status", "due_at"], name="rapidpro_outbox_due"),
            models.Index(fields=["backend", "status", "text_key"], name="rapidpro_outbox_text"),
        ]

    def __str__(self) -> str:
        return f"{self.message_id} to {self.identity}: {self.status}"


class PollCursor(models.Model):
    """The ``created_on`` of the newest message the poller has routed, per backend."""

    backend = models.CharField(_("backend"), max_length=255)
    kind = models.CharField(_("kind"), max_length=32, default="incoming")
    position = models.DateTimeField(_("position"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("RapidPro poll cursor")
        verbose_name_plural = _("RapidPro poll cursors")
        constraints = [
            models.UniqueConstraint(fields=["backend", "kind"], name="rapidpro_one_cursor")
        ]

    def __str__(self) -> str:
        return f"{self.backend} {self.kind} at {self.position}"


class RateLimitState(models.Model):
    """A backend's shared pause (after a 429); its row also serialises the budget."""

    backend = models.CharField(_("backend"), max_length=255, unique=True)
    paused_until = models.DateTimeField(_("paused until"), null=True, blank=True)
    touched_at = models.DateTimeField(_("touched at"), default=timezone.now)

    class Meta:
        verbose_name = _("RapidPro rate limit")
        verbose_name_plural = _("RapidPro rate limits")

    def __str__(self) -> str:
        return self.backend


class ApiRequest(models.Model):
    """One API request made within the current rate-limit window."""

    backend = models.CharField(_("backend"), max_length=255)
    made_at = models.DateTimeField(_("made at"))

    class Meta:
        verbose_name = _("RapidPro API request")
        verbose_name_plural = _("RapidPro API requests")
        indexes = [models.Index(fields=["backend", "made_at"], name="rapidpro_requests")]

    def __str__(self) -> str:
        return f"{self.backend} at {self.made_at}"

"""The message store: messages, their transmissions, and each status change.

A :class:`Message` holds what was said; a :class:`Transmission` is that
message to or from one connection, with its own status, attempts and gateway
message id. One message sent to 500 people is one ``Message`` and 500
``Transmission`` rows, each retried and reported on by itself.

Table and field names keep RapidSMS 2.x's (app label ``db``; ``date``,
``updated``, ``sent``, ``delivered``), so existing databases upgrade in place.
"""

from __future__ import annotations

from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rapidsms.deprecation import deprecated_attributes
from rapidsms.router.db.status import REPORT_RANK, Direction, Status


class Message(models.Model):
    """One text, received from or sent to one or more connections."""

    direction = models.CharField(
        _("direction"), max_length=1, choices=Direction.choices, db_index=True
    )
    text = models.TextField(_("text"))
    fields = models.JSONField(_("fields"), default=dict, blank=True, encoder=DjangoJSONEncoder)
    #: what the router passes to the backend with an outgoing message
    backend_context = models.JSONField(
        _("backend context"), default=dict, blank=True, encoder=DjangoJSONEncoder
    )
    #: the gateway's id of an incoming message (RapidSMS 2.x field)
    external_id = models.CharField(_("external id"), max_length=1024, blank=True)
    in_response_to = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="responses",
        verbose_name=_("in response to"),
    )
    #: dotted path of the message class when it is not the default one
    message_class = models.CharField(_("message class"), max_length=255, blank=True)
    date = models.DateTimeField(_("created"), default=timezone.now, db_index=True)
    updated = models.DateTimeField(_("updated"), auto_now=True, null=True)

    class Meta:
        # No default ordering, as in RapidSMS 2.x: Message.objects.all() is in
        # the order rows were written. The pages and the admin order newest first.
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self) -> str:
        return self.text[:60]

    @property
    def status(self) -> str:
        """The least advanced status among the message's transmissions.

        RapidSMS 2.x kept one status per message; here each transmission has
        its own, and this summary says how far the slowest one got.
        """
        statuses = set(self.transmissions.values_list("status", flat=True))
        if not statuses:
            return ""
        for status in (Status.ERRORED, Status.FAILED, Status.UNKNOWN, Status.RETRY):
            if status in statuses:
                return status
        ordered = [
            Status.RECEIVED,
            Status.PROCESSING,
            Status.QUEUED,
            Status.SENDING,
            Status.SENT,
            Status.HANDLED,
            Status.DELIVERED,
            Status.CANCELLED,
        ]
        # A status of no known kind (a 2.x letter left by an older process) is
        # shown as it is, rather than hidden.
        return next((status for status in ordered if status in statuses), min(statuses))


class Transmission(models.Model):
    """A message to or from one connection: the unit of sending, retrying and reporting."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="transmissions", verbose_name=_("message")
    )
    connection = models.ForeignKey(
        "rapidsms.Connection",
        on_delete=models.CASCADE,
        related_name="transmissions",
        verbose_name=_("connection"),
    )
    # Copied from the message and the connection so that status pages, counts
    # and delivery-report look-ups need no join.
    direction = models.CharField(_("direction"), max_length=1, choices=Direction.choices)
    backend = models.CharField(_("backend"), max_length=255, blank=True)
    identity = models.CharField(_("identity"), max_length=255, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    attempts = models.PositiveIntegerField(_("attempts"), default=0)
    #: when a worker may try again (retries) or first (queued)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    #: when the work was last handed to the broker; None: not handed over yet
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    #: start of the retry window (max age); reset when an operator retries
    queued_at = models.DateTimeField(_("queued"), default=timezone.now)
    #: when a worker claimed it for sending, and that claim's token
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    claim_token = models.UUIDField(_("claim token"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    gateway_message_id = models.CharField(_("gateway message id"), max_length=255, blank=True)
    date = models.DateTimeField(_("created"), default=timezone.now)
    updated = models.DateTimeField(_("updated"), default=timezone.now)
    sent = models.DateTimeField(_("sent"), null=True, blank=True)
    delivered = models.DateTimeField(_("delivered"), null=True, blank=True)

    class Meta:
        verbose_name = _("transmission")
        verbose_name_plural = _("transmissions")
        constraints = [
            # The send-once guard's first half: one row per message and
            # connection. The second half is the claim (see store.claim).
            models.UniqueConstraint(
                fields=["message", "connection"], name="db_transmission_once_per_connection"
            )
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="db_trans_status_next"),
            models.Index(fields=["backend", "gateway_message_id"], name="db_trans_gateway_id"),
            models.Index(fields=["direction", "status", "backend"], name="db_trans_counts"),
            models.Index(fields=["claim_token"], name="db_trans_claim"),
        ]

    def __str__(self) -> str:
        arrow = "<" if self.direction == Direction.INCOMING else ">"
        return f"{self.identity} {arrow} {self.message_id} [{self.status}]"

    @property
    def rank(self) -> int:
        """The status's place in the order gateway reports must respect."""
        return REPORT_RANK.get(self.status, -1)


class TransmissionEvent(models.Model):
    """One status change of a transmission, with the gateway's raw report if any."""

    id = models.BigAutoField(primary_key=True)
    transmission = models.ForeignKey(
        Transmission,
        on_delete=models.CASCADE,
        related_name="events",
        verbose_name=_("transmission"),
    )
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    #: False when a gateway report came too late to change the status
    applied = models.BooleanField(_("applied"), default=True)
    detail = models.TextField(_("detail"), blank=True)
    raw = models.JSONField(_("raw report"), null=True, blank=True, encoder=DjangoJSONEncoder)
    date = models.DateTimeField(_("date"), default=timezone.now)

    class Meta:
        ordering = ["date", "pk"]
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")

    def __str__(self) -> str:
        return f"{self.status} at {self.date:%Y-%m-%d %H:%M:%S}"


class BackendThrottle(models.Model):
    """The next free sending slot of a rate-limited backend, shared by every worker."""

    backend = models.CharField(_("backend"), max_length=255, unique=True)
    next_free_at = models.DateTimeField(_("next free slot"), default=timezone.now)

    class Meta:
        verbose_name = _("backend throttle")
        verbose_name_plural = _("backend throttles")

    def __str__(self) -> str:
        return self.backend


class Wakeup(models.Model):
    """A wake-up task for a queue's workers is on its way (see :mod:`rapidsms.router.db.wakeup`)."""

    queue = models.CharField(_("queue"), max_length=255, unique=True)
    #: when the wake-up was requested; None once a worker started on it
    requested_at = models.DateTimeField(_("requested"), null=True, blank=True)

    class Meta:
        verbose_name = _("wake-up")
        verbose_name_plural = _("wake-ups")

    def __str__(self) -> str:
        return self.queue


# RapidSMS 2.x's choices. The statuses are named now ("queued", not "Q"):
# the migrations turned the stored one-letter codes into the names.
__getattr__ = deprecated_attributes(
    __name__,
    {
        "DIRECTION_CHOICES": ("rapidsms.router.db.status.Direction.choices",
                              lambda: Direction.choices),
        "STATUS_CHOICES": ("rapidsms.router.db.status.Status.choices", lambda: Status.choices),
    },
)

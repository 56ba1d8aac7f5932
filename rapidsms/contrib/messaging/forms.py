"""The messaging form: a text, and the connections to send it to."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from rapidsms.backends import encoding
from rapidsms.deprecation import warn_deprecated
from rapidsms.errors import MessageSendingError
from rapidsms.models import Connection
from rapidsms.router import get_router

logger = logging.getLogger(__name__)

#: The longest text the page sends: ten SMS segments and more.
MAX_TEXT_LENGTH = 1600
#: The most recipients one send may have unless ``RAPIDSMS_BULK_SEND_LIMIT`` says otherwise.
DEFAULT_BULK_SEND_LIMIT = 1000


def bulk_send_limit() -> int | None:
    """Return ``RAPIDSMS_BULK_SEND_LIMIT``, the most recipients of one send (None: no limit)."""
    return getattr(settings, "RAPIDSMS_BULK_SEND_LIMIT", DEFAULT_BULK_SEND_LIMIT)


def search_connections(query: str) -> QuerySet[Connection]:
    """Return the connections whose identity or contact name contains ``query``."""
    connections = Connection.objects.select_related("contact", "backend")
    query = (query or "").strip()
    if query:
        connections = connections.filter(
            Q(identity__icontains=query) | Q(contact__name__icontains=query)
        )
    return connections


@dataclass
class SendResult:
    """What happened to a send: how many got it, and who did not and why."""

    sent: int = 0
    opted_out: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)
    cancelled: bool = False
    segments: int = 0
    ucs2: bool = False


class ConnectionsField(forms.ModelMultipleChoiceField):
    """Connection ids; one that no database column could hold is refused before the query."""

    def _check_values(self, value: Any) -> QuerySet[Connection]:
        for pk in value:
            # SQLite cannot take an integer past 2**63 - 1 and raises instead.
            if isinstance(pk, str) and pk.isdigit() and len(pk) > 18:
                raise ValidationError(
                    self.error_messages["invalid_pk_value"], code="invalid_pk_value",
                    params={"pk": pk},
                )
        return super()._check_values(value)


class MessagingForm(forms.Form):
    """Send ``text`` to the chosen ``connections``, or to every connection matching ``q``."""

    text = forms.CharField(
        label=_("Message"),
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    connections = ConnectionsField(
        label=_("Recipients"),
        queryset=Connection.objects.all(),
        required=False,
        widget=forms.MultipleHiddenInput,
    )
    all_matching = forms.BooleanField(
        label=_("Send to every connection that matches the search"), required=False
    )
    q = forms.CharField(required=False, max_length=200, widget=forms.HiddenInput)

    def clean_text(self) -> str:
        # Browsers post a text area's new lines as CR LF; a phone needs only
        # LF, and the confirmation step must see the same text twice.
        return self.cleaned_data["text"].replace("\r\n", "\n")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("all_matching"):
            chosen = search_connections(cleaned.get("q", ""))
            # Counted first, so a search matching millions loads none of them.
            count = chosen.count()
        else:
            chosen = cleaned.get("connections") or Connection.objects.none()
            count = len(chosen)
        limit = bulk_send_limit()
        if limit is not None and count > limit:
            raise ValidationError(
                _("This would send to %(count)d recipients; one message may go to at most "
                  "%(limit)d (RAPIDSMS_BULK_SEND_LIMIT)."),
                code="too_many_recipients",
                params={"count": count, "limit": limit},
            )
        recipients = list(chosen)
        if "connections" not in self.errors and not recipients:
            raise ValidationError(
                _("Choose at least one recipient."), code="no_recipients"
            )
        cleaned["recipients"] = recipients
        return cleaned

    def send(self) -> SendResult:
        """Send the text through the router, one message to every recipient.

        Return a :class:`SendResult`. Backend failures are reported in it
        (after every backend was tried), not raised.
        """
        text = self.cleaned_data["text"]
        recipients = self.cleaned_data["recipients"]
        count = encoding.count_segments(text)
        result = SendResult(segments=count.segments, ucs2=count.alphabet is encoding.Alphabet.UCS2)
        router = get_router()
        msg = router.new_outgoing_message(text=text, connections=recipients)
        try:
            router.send_outgoing(msg)
        except MessageSendingError as exc:
            result.failed = sorted(set(map(str, exc.failed_identities)))
            logger.error("Messaging: sending failed for %s: %s", ", ".join(result.failed), exc)
        result.opted_out = sorted(
            conn.identity for conn in getattr(msg, "opted_out_connections", [])
        )
        if not msg.processed:
            result.cancelled = True
            return result
        delivered = {(conn.backend_id, conn.identity) for conn in msg.connections}
        result.sent = max(0, len(delivered) - len(set(result.failed)))
        return result


class SelectableIdsInput(forms.SelectMultiple):
    """Connection ids posted as ``connections``, or as django-selectable's ``connections_1``.

    RapidSMS 2.x's widget was a pair of inputs, the search box
    (``<name>_0``) and the chosen ids (``<name>_1``); data written for it,
    2.x tests included, posts the ids under ``<name>_1``.
    """

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        if name not in data and f"{name}_1" in data:
            name = f"{name}_1"
        return super().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return name not in data and f"{name}_1" not in data


class MessageForm(forms.Form):
    """Deprecated: RapidSMS 2.x's form, ``message`` and ``connections``; use :class:`MessagingForm`.

    ``connections`` takes connection ids, as ``connections`` or as
    ``connections_1``, the field of the django-selectable widget RapidSMS
    2.x used (the widget is gone). Building the form warns.
    """

    message = forms.CharField(widget=forms.Textarea(attrs={"placeholder": _("Message")}))
    connections = forms.ModelMultipleChoiceField(
        queryset=Connection.objects.all(), widget=SelectableIdsInput
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        warn_deprecated(f"{__name__}.MessageForm", f"{__name__}.MessagingForm")
        super().__init__(*args, **kwargs)

    def send(self) -> Any:
        """Send the message to the connections with :func:`rapidsms.router.send`; return it."""
        from rapidsms.router import send

        return send(self.cleaned_data["message"], list(self.cleaned_data["connections"]))

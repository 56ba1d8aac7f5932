"""Twilio's webhooks: incoming messages and message status callbacks.

Both views check ``X-Twilio-Signature`` (:mod:`~rapidsms.backends.twilio.signature`)
before reading any field, after the shared ``inbound_secrets`` check when the
backend has secrets. Twilio posts form data
(https://www.twilio.com/docs/messaging/guides/webhook-request), or sends it
in the query string when the console is set to GET.

``TwilioInboundView`` routes the message once per ``MessageSid`` and answers
with empty TwiML, so Twilio sends no reply of its own: replies go out through
the Messages API like any other message.

``TwilioStatusView`` stores each status callback as a delivery report, tied
to our message by the ``message_id`` that :class:`~rapidsms.backends.twilio.TwilioBackend`
puts into the callback URL.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse, QueryDict

from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.backends.inbound.views import (
    BadRequest,
    GatewayMessage,
    GatewayView,
    InboundView,
    StatusView,
    raw_data,
)
from rapidsms.backends.status import Status
from rapidsms.backends.twilio.signature import (
    BODY_HASH_PARAM,
    SIGNATURE_HEADER,
    body_hash_matches,
    signature_matches,
)

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
#: An empty TwiML document: Twilio sends nothing back to the sender.
EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
#: Twilio sends at most ten media files with a message.
MAX_MEDIA = 10

#: Twilio's message statuses in our vocabulary
#: (https://www.twilio.com/docs/messaging/api/message-resource#message-status-values).
STATUS_MAP: dict[str, Status] = {
    "accepted": Status.QUEUED,
    "scheduled": Status.QUEUED,
    "queued": Status.QUEUED,
    "sending": Status.QUEUED,
    "sent": Status.SENT,
    "delivered": Status.DELIVERED,
    "read": Status.DELIVERED,
    "undelivered": Status.FAILED,
    "failed": Status.FAILED,
    "canceled": Status.FAILED,
}


class TwilioWebhookMixin(GatewayView):
    """Signature check and form reading shared by Twilio's two views."""

    http_method_names = ["get", "post"]

    def verify_signature(self, request: HttpRequest) -> bool:
        """Return True when ``X-Twilio-Signature`` matches the auth token and the request.

        Form parameters are part of the signature. Any other body is
        covered only through its SHA-256 in the ``bodySHA256`` query
        parameter, so one whose hash does not match is refused here, and a
        body without one is refused by the parser (Twilio's SMS webhooks
        are always forms).
        """
        signature = request.headers.get(SIGNATURE_HEADER)
        if not signature:
            return False
        params: list[tuple[str, str]] = []
        if is_form_post(request):
            params = [(name, value) for name, values in request.POST.lists() for value in values]
        elif request.method == "POST":
            body_hash = request.GET.get(BODY_HASH_PARAM)
            if body_hash and not body_hash_matches(request.body, body_hash):
                return False
        return signature_matches(signature, self.backend.auth_token, self.signed_url(request),
                                 params)

    def signed_url(self, request: HttpRequest) -> str:
        """Return the URL Twilio called: ``public_url`` plus the path, else Django's view of it.

        Behind a proxy that terminates TLS or changes the host, Django's
        ``build_absolute_uri()`` differs from what Twilio signed; the
        backend's ``public_url`` option fixes that.
        """
        public_url = getattr(self.backend, "public_url", None)
        if public_url:
            return public_url + request.get_full_path()
        return request.build_absolute_uri()

    def read_twilio_form(self, request: HttpRequest) -> QueryDict:
        """Return the request's fields; raise :class:`BadRequest` for a body that is not a form."""
        if request.method == "POST" and request.content_type != FORM_CONTENT_TYPE:
            raise BadRequest(
                f"Twilio posts {FORM_CONTENT_TYPE}; this request is "
                f"{(request.content_type or 'without a content type')[:60]!r}."
            )
        return self.read_form(request)

    def raw_fields(self, data: QueryDict) -> dict[str, Any]:
        """Return ``data`` as a plain dict to keep, without our token."""
        return json.loads(json.dumps(raw_data(data)))


class TwilioInboundView(TwilioWebhookMixin, InboundView):
    """Receive an SMS (or MMS) from Twilio and route it.

    ``msg.fields`` holds ``external_id`` (the ``MessageSid``), ``to`` (our
    number the message was sent to), ``media`` (a list of ``{"url",
    "content_type"}``, only for MMS) and ``twilio`` (every parameter Twilio
    sent). A picture without text is routed with its media URLs, one per
    line, as the text.
    """

    identity_field = "From"
    text_field = "Body"
    external_id_field = "MessageSid"

    def parse_message(self, request: HttpRequest) -> GatewayMessage:
        data = self.read_twilio_form(request)
        identity = self.require(data, "From")
        if "Body" not in data:
            raise BadRequest("The field 'Body' is missing.", field="Body")
        fields: dict[str, Any] = {"to": data.get("To", ""), "twilio": self.raw_fields(data)}
        text = data.get("Body", "")
        media = media_of(data)
        if media:
            fields["media"] = media
            # The router takes no empty text, and a picture without words is still a
            # message: route its links rather than refuse it.
            text = text or "\n".join(item["url"] for item in media)
        return GatewayMessage(
            identity=identity,
            text=text,
            external_id=data.get("MessageSid") or data.get("SmsSid") or "",
            fields=fields,
        )

    def success_response(self, request: HttpRequest, items: list[Any]) -> HttpResponse:
        """Return empty TwiML: Twilio would send any ``<Message>`` in it as a reply."""
        return HttpResponse(EMPTY_TWIML, content_type="text/xml; charset=utf-8")


class TwilioStatusView(TwilioWebhookMixin, StatusView):
    """Store a Twilio status callback as a delivery report.

    ``MessageStatus`` is mapped by :data:`STATUS_MAP` (``undelivered`` and
    ``failed`` become ``failed`` with Twilio's ``ErrorCode`` in ``error``);
    ``message_id`` comes from the callback URL, ``external_id`` is the
    ``MessageSid`` and ``identity`` the recipient (``To``).
    """

    identity_field = "To"
    status_field = "MessageStatus"

    def parse_report(self, request: HttpRequest) -> DeliveryReport:
        data = self.read_twilio_form(request)
        # SmsStatus is the older name Twilio still sends beside MessageStatus.
        field = "SmsStatus" if "MessageStatus" not in data and "SmsStatus" in data \
            else "MessageStatus"
        raw_status = self.require(data, field)
        status = STATUS_MAP.get(raw_status.strip().lower())
        if status is None:
            raise BadRequest(f"The field {field!r} has an unknown status {raw_status[:40]!r}.",
                             field=field)
        error = data.get("ErrorCode", "")
        if error and data.get("ErrorMessage"):
            error = f"{error}: {data['ErrorMessage']}"
        return DeliveryReport(
            status=status,
            raw_status=raw_status,
            message_id=request.GET.get("message_id", ""),
            external_id=data.get("MessageSid") or data.get("SmsSid") or "",
            identity=data.get("To", ""),
            error=error,
            raw=self.raw_fields(data),
        )


def is_form_post(request: HttpRequest) -> bool:
    """Return True for a POST whose body is URL-encoded form data."""
    return request.method == "POST" and request.content_type == FORM_CONTENT_TYPE


def media_of(data: QueryDict) -> list[dict[str, str]]:
    """Return the media of an MMS as ``[{"url", "content_type"}]``, in Twilio's order.

    Reads ``MediaUrl0``... rather than trusting ``NumMedia``.
    """
    media = []
    for index in range(MAX_MEDIA):
        url = data.get(f"MediaUrl{index}")
        if not url:
            continue
        media.append({"url": url, "content_type": data.get(f"MediaContentType{index}", "")})
    return media

"""The webhook RapidPro flows post incoming messages to: ``/backends/<name>/``.

RapidPro has no account-wide "message received" push; a flow forwards each
message, in one of two ways (both accepted here, as ``POST`` with a JSON body):

* **Resthook** (a "Call resthook" action): RapidPro posts its fixed payload
  (``contact``, ``flow``, ``run``, ``input`` with the message, ...) to every
  URL subscribed to the resthook. A subscription carries no headers, so put
  the secret in the URL: ``.../backends/rapidpro/?token=<secret>``.
* **Webhook** (a "Call webhook" action) with this body::

      @(json(object(
        "message_uuid", input.uuid, "urn", text(input.urn), "contact_uuid", contact.uuid,
        "text", input.text, "attachments", input.attachments,
        "created_on", input.created_on
      )))

  and the headers ``X-RapidSMS-Token: <secret>`` and
  ``X-Idempotency-Key: @input.uuid`` (which also lets RapidPro retry).

Requests without one of the backend's ``inbound_secrets`` get 403 before
the body is read. A message is routed once per message UUID (from the body,
else ``X-Idempotency-Key``), however often RapidPro delivers it, and the
contact's UUID is kept beside the connection so replies go to the contact.
A delivery of a message already routed changes nothing, not even the
contact kept; a contact that differs from the one kept is checked with
RapidPro first (:meth:`RapidProBackend.remember_contact`).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse

from rapidsms.backends.inbound.views import BadRequest, GatewayMessage, InboundView
from rapidsms.backends.rapidpro.intake import RapidProIntake

#: Header RapidPro's webhook retries carry (set it to ``@input.uuid``).
IDEMPOTENCY_HEADER = "X-Idempotency-Key"


class RapidProInboundView(InboundView):
    """Receive one message from a RapidPro flow (resthook payload or webhook body)."""

    http_method_names = ["post"]
    identity_field = "urn"
    text_field = "text"
    external_id_field = "message_uuid"
    # Shared with the poller: a message both posted and polled is routed once.
    intake_class = RapidProIntake
    # RapidPro's mailroom retries a webhook only on a status above 501 (or a
    # Retry-After within its backoff), never on a 500: a fault of ours must
    # be a 503, or the message is lost (gocommon httpx DefaultShouldRetry).
    faults_answer_unavailable = True

    def parse_message(self, request: HttpRequest) -> GatewayMessage:
        data = self.read_json(request)
        if isinstance(data.get("input"), dict):
            message = self.parse_resthook(data)
        else:
            message = self.parse_webhook(data)
        if not message.external_id:
            message.external_id = request.headers.get(IDEMPOTENCY_HEADER, "").strip()
        return message

    def parse_resthook(self, data: dict[str, Any]) -> GatewayMessage:
        """Return the message in a resthook payload (the flow's ``input``)."""
        given = data["input"]
        contact = data.get("contact") if isinstance(data.get("contact"), dict) else {}
        urn = _urn_text(given.get("urn")) or contact.get("urn")
        if not urn:
            raise BadRequest("The resthook payload names no URN (input.urn).", field="input.urn")
        channel = given.get("channel") if isinstance(given.get("channel"), dict) else {}
        return self._message(
            urn=urn,
            text=given.get("text"),
            message_uuid=given.get("uuid"),
            contact_uuid=contact.get("uuid"),
            created_on=given.get("created_on"),
            attachments=given.get("attachments"),
            channel_uuid=channel.get("uuid"),
        )

    def parse_webhook(self, data: dict[str, Any]) -> GatewayMessage:
        """Return the message in the documented "Call webhook" body."""
        urn = _urn_text(data.get("urn"))
        if not urn:
            raise BadRequest("The field 'urn' is missing.", field="urn")
        return self._message(
            urn=urn,
            text=data.get("text"),
            message_uuid=data.get("message_uuid"),
            contact_uuid=data.get("contact_uuid"),
            created_on=data.get("created_on"),
            attachments=data.get("attachments"),
            channel_uuid=data.get("channel_uuid"),
        )

    def _message(self, *, urn: Any, text: Any, message_uuid: Any, contact_uuid: Any,
                 created_on: Any, attachments: Any, channel_uuid: Any) -> GatewayMessage:
        if not isinstance(urn, str):
            raise BadRequest("The field 'urn' must be text such as tel:+250788123123.",
                             field="urn")
        for name, value in (("message_uuid", message_uuid), ("contact_uuid", contact_uuid),
                            ("created_on", created_on), ("channel_uuid", channel_uuid)):
            if value is not None and not isinstance(value, str):
                raise BadRequest(f"The field {name!r} must be text.", field=name)
        fields: dict[str, Any] = {
            "rapidpro_message_uuid": message_uuid or "",
            "rapidpro_contact_uuid": contact_uuid or "",
            "rapidpro_created_on": created_on or "",
            "rapidpro_channel_uuid": channel_uuid or "",
            "attachments": _attachment_urls(attachments),
        }
        return GatewayMessage(
            identity=urn, text=text if text is not None else "",
            external_id=message_uuid or "", fields=fields,
        )

    def success_response(self, request: HttpRequest, items: list[Any]) -> HttpResponse:
        """Answer 200 with a small JSON body (any 2xx is "Success" to the flow)."""
        return JsonResponse({"status": "accepted", "messages": len(items)})


def _urn_text(value: Any) -> Any:
    """Return a URN given as text, or as RapidPro's ``{"scheme", "path"}`` object, as text."""
    if isinstance(value, dict):
        scheme, path = value.get("scheme"), value.get("path")
        return f"{scheme}:{path}" if isinstance(scheme, str) and isinstance(path, str) else None
    return value


def _attachment_urls(value: Any) -> list[str]:
    """Return attachment URLs from ``[{"content_type", "url"}]`` or ``["type:url"]`` lists."""
    if not isinstance(value, list):
        return []
    urls = []
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("url"), str):
            urls.append(item["url"])
        elif isinstance(item, str) and item:
            urls.append(item)
    return urls

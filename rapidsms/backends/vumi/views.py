"""Inbound views of the Vumi gateway: messages and events, as Vumi posts them.

``VumiBackendView`` (``/backends/<name>/``, RapidSMS 2.x's name) takes
Vumi's JSON messages through :class:`~rapidsms.backends.vumi.forms.VumiForm`
and routes them; a retry with the same ``message_id`` is routed once, and a
message without text (a USSD session event) is answered but not routed. It
answers an empty ``200``, as RapidSMS 2.x did. It also takes Vumi's events,
so one URL can be given to Vumi for both.

``VumiEventView`` (``/backends/<name>/status/``) takes events only: an
``ack``, a ``nack`` or a ``delivery_report`` about one of our messages
becomes a :class:`~rapidsms.backends.inbound.models.DeliveryReport`.

Both accept the backend's secret as the ``token`` query parameter, the
``X-RapidSMS-Token`` header, or the password of HTTP Basic authentication,
which is what Vumi sends: the relay's ``rapidsms_password``, and the
``user:password@`` of a URL given to Vumi Go.
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import HttpRequest, HttpResponse

from rapidsms.backends.http.forms import BaseHttpForm
from rapidsms.backends.http.views import BaseHttpBackendView
from rapidsms.backends.inbound.auth import basic_auth_password, basic_auth_token
from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.backends.inbound.views import (
    MAX_FIELD_LENGTH,
    BadRequest,
    GatewayView,
    StatusView,
)
from rapidsms.backends.status import Status
from rapidsms.backends.vumi.forms import VumiForm

logger = logging.getLogger("rapidsms.backends.vumi")

#: Vumi's ``delivery_status`` of a ``delivery_report`` event. "pending" comes
#: from the operator's network (SMPP's ENROUTE, ACCEPTD), so the message has
#: left the gateway: sent, not queued.
DELIVERY_STATUSES = {
    "pending": Status.SENT,
    "delivered": Status.DELIVERED,
    "failed": Status.FAILED,
}


__all__ = ["VumiBackendView", "VumiEventView", "basic_auth_password"]


class VumiAuthentication:
    """Accept an inbound secret as the password of HTTP Basic auth too.

    The shared chain checks it: the password is one more place the token
    may be, and a request still carries one token in all.
    """

    token_sources = [*GatewayView.token_sources, basic_auth_token]
    missing_token_message = (
        "Missing or wrong token: send one of the backend's inbound_secrets in the token "
        "query parameter, the X-RapidSMS-Token header, or as the HTTP Basic password."
    )


class VumiEventView(VumiAuthentication, StatusView):
    """Turn a Vumi event into a delivery report of the message it is about.

    ``ack`` is ``sent``; ``nack`` is ``failed`` with ``nack_reason`` as the
    error; ``delivery_report`` maps ``delivery_status`` (pending: ``sent``,
    delivered, failed). ``user_message_id`` is Vumi's id of our message: it
    is kept as ``external_id``; recording the report finds our message id
    and recipient from it (the table of sent ids) when Vumi's answer to the
    send named it. The whole event is kept in ``raw``.
    """

    http_method_names = ["post"]
    status_field = "event_type"

    def parse_report(self, request: HttpRequest) -> DeliveryReport:
        return self.event_report(self.read_json(request))

    def event_report(self, event: dict[str, Any]) -> DeliveryReport:
        """Return the unsaved report of a Vumi event; raise :class:`BadRequest`."""
        if "event_type" not in event and "from_addr" in event:
            raise BadRequest("This is a Vumi message, not an event: give Vumi the inbound URL "
                             "(without /status/) for messages.", field="event_type")
        event_type = self.require(event, "event_type")
        vumi_id = self.require(event, "user_message_id")
        if len(vumi_id) > MAX_FIELD_LENGTH:
            raise BadRequest(f"The field 'user_message_id' is longer than {MAX_FIELD_LENGTH} "
                             "characters.", field="user_message_id")
        error = ""
        if event_type == "ack":
            status, raw_status = Status.SENT, "ack"
        elif event_type == "nack":
            status, raw_status = Status.FAILED, "nack"
            reason = event.get("nack_reason")
            error = "" if reason is None else str(reason)
        elif event_type == "delivery_report":
            raw_status = self.require(event, "delivery_status")
            if raw_status not in DELIVERY_STATUSES:
                raise BadRequest(f"The field 'delivery_status' must be one of "
                                 f"{', '.join(DELIVERY_STATUSES)}.", field="delivery_status")
            status = DELIVERY_STATUSES[raw_status]
        else:
            raise BadRequest("The field 'event_type' must be ack, nack or delivery_report.",
                             field="event_type")
        return DeliveryReport(
            status=status,
            raw_status=raw_status,
            error=error,
            external_id=vumi_id,
            raw=event,
        )


class VumiBackendView(VumiAuthentication, BaseHttpBackendView):
    """Receive a message (or an event) from Vumi as a JSON object.

    The body is read as JSON whatever its content type: Vumi's relay sends
    none. Fields are checked by :attr:`form_class` (RapidSMS 2.x's
    :class:`~rapidsms.backends.vumi.forms.VumiForm`).
    """

    http_method_names = ["post"]
    form_class = VumiForm
    identity_field = "from_addr"
    text_field = "content"
    external_id_field = "message_id"

    def handle(self, request: HttpRequest) -> HttpResponse:
        self.payload = self.read_json(request)
        if "event_type" in self.payload or self.payload.get("message_type") == "event":
            events = VumiEventView(backend_name=self.backend_name)
            events.setup(request)
            events.backend = self.backend
            return events.handle(request)
        return super().handle(request)

    def get_form_kwargs(self) -> dict[str, Any]:
        data = getattr(self, "payload", None)
        if data is None:
            data = self.read_json(self.request)
        return {"data": data, "backend_name": self.backend_name, **self.get_params()}

    def form_valid(self, form: BaseHttpForm) -> HttpResponse:
        """Route the message; answer a message without text and leave it unrouted.

        USSD session events (``new``, ``close``) often have no text, and
        the router takes no empty text. Such a message is a valid one, so
        Vumi gets its ``200`` and does not send it again.
        """
        if not form.cleaned_data.get("content"):
            logger.info(
                "Backend %s: Vumi message %s from %s has no text (session_event %r); "
                "answered, not routed.", self.backend_name, form.cleaned_data.get("message_id"),
                form.cleaned_data.get("from_addr"), form.cleaned_data.get("session_event"),
            )
            return self.success_response(self.request, [])
        return super().form_valid(form)

    def success_response(self, request: HttpRequest, items: list[Any]) -> HttpResponse:
        return HttpResponse("", content_type="text/plain; charset=utf-8")


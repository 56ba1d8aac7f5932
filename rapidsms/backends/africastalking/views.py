"""Africa's Talking's callbacks: incoming messages and delivery reports, both form posts.

AT does not sign its callbacks, so both URLs are secured by the backend's
``inbound_secrets`` in the ``token`` query parameter of the URL pasted into
AT's dashboard (the shared-secret link of the authentication chain).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, QueryDict

from rapidsms.backends.africastalking.codes import REPORT_STATUSES
from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.backends.inbound.views import GatewayMessage, InboundView, StatusView, raw_data
from rapidsms.errors import BadRequest


def callback_fields(data: QueryDict) -> dict[str, Any]:
    """Return every field AT sent, as a plain dict, without our token."""
    return raw_data(data)


class AfricasTalkingInboundView(InboundView):
    """Receive an SMS from AT's incoming-messages callback and route it once per ``id``.

    AT posts ``from``, ``to``, ``text``, ``date``, ``id`` and, for premium
    on-demand services, ``linkId`` (https://docs.africastalking.com/sms/callback).
    ``msg.fields`` holds ``external_id`` (AT's ``id``), ``to`` (your short
    code), ``date``, ``link_id`` and ``africastalking`` (every field sent).
    A ``linkId`` also goes into ``reply_context``, so that a reply carries
    it back to AT, as premium services must.
    """

    http_method_names = ["post"]
    identity_field, text_field, external_id_field = "from", "text", "id"

    def parse_message(self, request: HttpRequest) -> GatewayMessage:
        data = self.read_form(request)
        link_id = data.get("linkId", "")
        fields = {"to": data.get("to", ""), "date": data.get("date", ""), "link_id": link_id,
                  "africastalking": callback_fields(data)}
        if link_id:
            fields["reply_context"] = {"link_id": link_id}
        return GatewayMessage(identity=self.require(data, "from"), text=self.require(data, "text"),
                              external_id=data.get("id", ""), fields=fields)


class AfricasTalkingStatusView(StatusView):
    """Store AT's delivery report; its ``id`` is the ``messageId`` AT gave the send.

    Fields: ``id``, ``status``, ``phoneNumber``, ``networkCode``,
    ``failureReason`` (only for ``Rejected`` and ``Failed``) and
    ``retryCount`` (https://docs.africastalking.com/sms/notifications).
    Our message id is found in the shared table of sent ids.
    """

    http_method_names = ["post"]
    identity_field, status_field, external_id_field = "phoneNumber", "status", "id"

    def parse_report(self, request: HttpRequest) -> DeliveryReport:
        data = self.read_form(request)
        external_id = self.require(data, "id")
        raw_status = self.require(data, "status")
        status = REPORT_STATUSES.get(raw_status.strip())
        if status is None:
            raise BadRequest(f"The field 'status' has an unknown status {raw_status[:40]!r}.",
                             field="status")
        return DeliveryReport(
            status=status, raw_status=raw_status, external_id=external_id,
            identity=data.get("phoneNumber", ""), error=data.get("failureReason", ""),
            raw=callback_fields(data),
        )

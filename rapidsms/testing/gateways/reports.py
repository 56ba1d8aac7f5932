"""``DeliveryReportSuite``: reports are stored, mapped and signalled, whatever happens."""

from __future__ import annotations

from typing import Any

from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.backends.signals import delivery_report
from rapidsms.testing.gateways.base import GatewayRequest, GatewaySuite


class DeliveryReportSuite(GatewaySuite):
    """Delivery reports are stored, normalised and signalled, known message or not.

    Hook: ``status_request(message_id, identity, raw_status)`` and
    ``status_cases`` (gateway status word -> our status).
    """

    status_cases: dict[str, str] = {}

    def status_request(self, message_id: str = "m-1", identity: str = "+15550000001",
                       raw_status: str = "delivered") -> GatewayRequest:
        raise NotImplementedError

    def test_report_is_stored_and_signalled(self) -> None:
        received = []

        def receiver(sender: Any, **kwargs: Any) -> None:
            received.append(kwargs)

        delivery_report.connect(receiver)
        try:
            for raw_status in self.status_cases:
                response = self.call(self.status_request(raw_status=raw_status),
                                     url_name="status")
                assert response.status_code == 200, response.content
        finally:
            delivery_report.disconnect(receiver)
        assert [r["status"] for r in received] == list(self.status_cases.values())
        assert {(r["message_id"], r["identity"], r["backend"]) for r in received} == {
            ("m-1", "+15550000001", self.backend_name)}
        stored = list(DeliveryReport.objects.values_list("status", "raw_status"))
        assert stored == list(zip(self.status_cases.values(), self.status_cases, strict=True))

    def test_report_for_an_unknown_message_is_kept(self) -> None:
        response = self.call(self.status_request(message_id="never-sent"), url_name="status")
        assert response.status_code == 200
        assert DeliveryReport.objects.get().message_id == "never-sent"

    def test_failing_receiver_does_not_lose_the_report(self) -> None:
        def broken(sender: Any, **kwargs: Any) -> None:
            raise RuntimeError("receiver bug")

        delivery_report.connect(broken)
        try:
            response = self.call(self.status_request(), url_name="status")
        finally:
            delivery_report.disconnect(broken)
        assert response.status_code == 200
        assert DeliveryReport.objects.count() == 1

"""The generic HTTP gateway: the shared suites, its options, and RapidSMS 2.x names."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured

from rapidsms.backends.http import GenericHttpBackend
from rapidsms.backends.http.forms import BaseHttpForm, GenericHttpForm
from rapidsms.backends.http.views import (
    BaseHttpBackendView,
    GenericHttpBackendView,
    GenericHttpStatusView,
)
from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.errors import MessageSendingError
from rapidsms.testing.fake_gateway import RecordedRequest
from rapidsms.testing.gateways import (
    SECRET,
    ContractSuite,
    DeliveryReportSuite,
    GatewayRequest,
    GatewaySuite,
    InboundSecuritySuite,
    MalformedInputSuite,
)

ENGINE = "rapidsms.backends.http.GenericHttpBackend"
INBOUND = {"inbound_params": {"identity_name": "from", "text_name": "message",
                              "id_name": "msgid"}}


class GenericHttp:
    engine = ENGINE
    options = INBOUND
    identity_field = "from"
    text_field = "message"

    def inbound_request(self, identity: str | None = "+15550000001", text: str | None = "ping",
                        external_id: str | None = "gw-1") -> GatewayRequest:
        data = {"from": identity, "message": text, "msgid": external_id}
        return GatewayRequest(data={k: v for k, v in data.items() if v is not None})

    def status_request(self, message_id: str = "m-1", identity: str = "+15550000001",
                       raw_status: str = "delivered") -> GatewayRequest:
        return GatewayRequest(data={"message_id": message_id, "identity": identity,
                                    "status": raw_status})


class TestGenericHttpInboundSecurity(GenericHttp, InboundSecuritySuite):
    pass


class TestGenericHttpMalformedInput(GenericHttp, MalformedInputSuite):
    pass


class TestGenericHttpDeliveryReports(GenericHttp, DeliveryReportSuite):
    status_cases = {"delivered": "delivered", "DELIVRD": "delivered", "UNDELIV": "failed",
                    "queued": "queued", "ENROUTE": "sent"}

    def test_unknown_status_word_is_400_naming_the_option(self) -> None:
        response = self.call(self.status_request(raw_status="smoke signals"), url_name="status")
        assert response.status_code == 400
        assert response.json()["field"] == "status"
        assert "status_map" in response.json()["error"]
        assert DeliveryReport.objects.count() == 0

    def test_status_map_option_adds_gateway_words(self) -> None:
        self.install(status_map={"ok": "delivered", "nope": "failed"})
        response = self.call(self.status_request(raw_status="OK"), url_name="status")
        assert response.status_code == 200
        report = DeliveryReport.objects.get()
        assert (report.status, report.raw_status) == ("delivered", "OK")
        assert "token" not in report.raw

    def test_json_report_with_error_text(self) -> None:
        body = json.dumps({"message_id": "m-9", "status": "failed", "error": "absent subscriber"})
        response = self.call(GatewayRequest(data=body.encode(), content_type="application/json"),
                             url_name="status", token_in="query")
        assert response.status_code == 200
        report = DeliveryReport.objects.get()
        assert (report.message_id, report.status, report.error) == (
            "m-9", "failed", "absent subscriber")
        assert report.raw["error"] == "absent subscriber"


class TestGenericHttpContract(GenericHttp, ContractSuite):
    secret_options = {"extra_params": {"api_key": "gateway-api-key-123"},
                      "headers": {"Authorization": "Bearer bearer-token-456"}}

    def outgoing_options(self, url: str) -> dict[str, Any]:
        return {"url": url, "identity_name": "to", "text_name": "text"}

    def sent_identities(self, request: RecordedRequest) -> list[str]:
        return [request.fields["to"]]

    def sent_text(self, request: RecordedRequest) -> str:
        return request.fields["text"]


class TestGenericHttpOptions(GenericHttp, GatewaySuite):
    def test_get_puts_parameters_in_the_query(self) -> None:
        self.install(url=self.gateway.url, method="GET", extra_params={"from": "ACME"},
                     id_name="ref")
        self.backend.send("m-7", "hi", ["+15550000001"], {})
        request = self.gateway.requests[0]
        assert request.method == "GET"
        assert request.query == {"from": "ACME", "identity": "+15550000001", "text": "hi",
                                 "ref": "m-7"}

    def test_json_body_and_joined_identities(self) -> None:
        self.install(url=self.gateway.url, body="json", identity_separator=",",
                     headers={"X-Account": "42"})
        self.backend.send("m-8", "hi", ["+15550000001", "+15550000002"], {})
        [request] = self.gateway.requests
        assert request.json == {"identity": "+15550000001,+15550000002", "text": "hi"}
        assert request.headers["x-account"] == "42"

    def test_status_url_carries_message_id_and_token(self) -> None:
        self.install(url=self.gateway.url, status_url="https://sms.example.org/backends/gw/status/")
        self.backend.send("m-9", "hi", ["+15550000001"], {})
        sent = self.gateway.requests[0].form["status_url"]
        assert sent == ("https://sms.example.org/backends/gw/status/?message_id=m-9&token="
                        + SECRET)

    def test_reply_goes_back_through_the_gateway(self) -> None:
        self.install(url=self.gateway.url, identity_name="to")
        response = self.call(self.inbound_request(text="echo bonjour à tous"))
        assert response.status_code == 200
        assert response.content == b"OK"
        assert [(r.form["to"], r.form["text"]) for r in self.gateway.requests] == [
            ("+15550000001", "bonjour à tous")]

    def test_backend_without_url_cannot_send(self) -> None:
        self.install()
        with pytest.raises(MessageSendingError, match="no 'url' option") as caught:
            self.backend.send("m-1", "hi", ["+15550000001"], {})
        assert caught.value.retryable is False

    def test_json_inbound_body_is_accepted(self) -> None:
        body = json.dumps({"from": "+15550000001", "message": "ping", "msgid": 7})
        response = self.call(GatewayRequest(data=body.encode(), content_type="application/json"))
        assert response.status_code == 200
        assert self.router.inbound[0].fields == {"external_id": "7"}

    def test_text_whitespace_is_kept(self) -> None:
        self.call(self.inbound_request(text="  two leading spaces"))
        assert self.router.inbound[0].text == "  two leading spaces"


@pytest.mark.parametrize("option, value", [
    ("method", "PUT"), ("body", "xml"), ("url", "ftp://example.org"),
    ("inbound_params", {"sender": "from"}), ("status_map", {"ok": "fine"}),
    ("read_timeout", 0), ("connect_timeout", "soon"), ("default_region", "XX"),
    ("inbound_secrets", [""]), ("dedupe_window", -1),
])
def test_bad_option_is_refused_naming_it(option: str, value: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match=option):
        GenericHttpBackend(None, "gw", **{option: value})


class TestRapidSMS2Names(GatewaySuite):
    """Views and forms written against RapidSMS 2.x keep working, now secured."""

    engine = ENGINE

    def test_names_are_importable_and_related(self) -> None:
        assert issubclass(GenericHttpBackendView, BaseHttpBackendView)
        assert issubclass(GenericHttpForm, BaseHttpForm)
        # Empty, as in RapidSMS 2.x: a form of its own gets no field-name arguments.
        assert GenericHttpBackendView.params == {}
        assert GenericHttpStatusView.http_method_names == ["get", "post"]

    def test_default_field_names_and_get(self) -> None:
        response = self.call(GatewayRequest(method="GET", data={"identity": "+15550000001",
                                                                "text": "ping"}))
        assert response.status_code == 200
        assert self.router.inbound[0].text == "ping"

    def test_subclass_with_a_form_of_its_own_that_takes_no_params(self) -> None:
        # A published 2.x Twilio add-on does exactly this; every SMS used to get 400.
        from django import forms

        class AddonForm(BaseHttpForm):
            From = forms.CharField()
            Body = forms.CharField()
            SmsSid = forms.CharField()

            def get_incoming_data(self) -> dict[str, Any]:
                connection = self.lookup_connections([self.cleaned_data["From"]])[0]
                return {"connection": connection, "text": self.cleaned_data["Body"],
                        "fields": {"external_id": self.cleaned_data["SmsSid"]}}

        class AddonView(GenericHttpBackendView):
            form_class = AddonForm
            seen: list[str] = []

            def post(self, request: Any, *args: Any, **kwargs: Any) -> Any:
                # A 2.x subclass may wrap post(); it must still be called.
                self.seen.append(request.method)
                return super().post(request, *args, **kwargs)

        engine = type("AddonBackend", (GenericHttpBackend,),
                      {"inbound_view": AddonView, "__module__": __name__})
        self.install(engine=engine)
        data = {"From": "+15550000001", "Body": "ping", "SmsSid": "SM1"}
        response = self.call(GatewayRequest(data=data))
        assert response.status_code == 200, response.content
        assert self.router.inbound[0].text == "ping"
        assert self.router.inbound[0].fields == {"external_id": "SM1"}
        get = self.call(GatewayRequest(method="GET", data={**data, "SmsSid": "SM2"}))
        assert get.status_code == 200 and AddonView.seen == ["POST", "GET"]

    def test_subclass_with_own_form_and_params(self) -> None:
        class TwoWayForm(GenericHttpForm):
            def get_incoming_data(self) -> dict[str, Any]:
                data = super().get_incoming_data()
                data["fields"]["carrier"] = self.data.get("carrier", "")
                return data

        class CarrierView(GenericHttpBackendView):
            http_method_names = ["post"]
            params = {"identity_name": "From", "text_name": "Body"}
            form_class = TwoWayForm

        engine = type("CarrierBackend", (GenericHttpBackend,),
                      {"inbound_view": CarrierView, "__module__": __name__})
        self.install(engine=engine)
        response = self.call(GatewayRequest(data={"From": "+15550000001", "Body": "ping",
                                                  "carrier": "mtn"}))
        assert response.status_code == 200
        assert self.router.inbound[0].fields == {"carrier": "mtn"}
        missing = self.call(GatewayRequest(data={"From": "+15550000001"}))
        assert missing.status_code == 400
        assert missing.json()["field"] == "Body"

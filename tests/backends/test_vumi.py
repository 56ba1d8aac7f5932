"""The Vumi gateway: the shared suites, its JSON body, messages, events and 2.x names."""

from __future__ import annotations

import base64
import json
import logging
import types
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError
from django.test import Client, override_settings
from django.urls import path
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapidsms.backends.http.forms import BaseHttpForm
from rapidsms.backends.http.views import BaseHttpBackendView
from rapidsms.backends.inbound.models import DeliveryReport, SentMessage
from rapidsms.backends.results import Accepted
from rapidsms.backends.signals import delivery_report
from rapidsms.backends.vumi import VumiBackend
from rapidsms.backends.vumi.forms import VumiForm
from rapidsms.backends.vumi.views import VumiBackendView, VumiEventView
from rapidsms.errors import MessageSendingError
from rapidsms.router import get_router, lookup_connections, send
from rapidsms.testing.fake_gateway import Answer, RecordedRequest
from rapidsms.testing.gateways import (
    SECRET,
    ContractSuite,
    DeliveryReportSuite,
    GatewayRequest,
    GatewaySuite,
    InboundSecuritySuite,
    MalformedInputSuite,
)

ENGINE = "rapidsms.backends.vumi.VumiBackend"
DATA = Path(__file__).parent / "data" / "vumi"


def payload(name: str, **changes: Any) -> dict[str, Any]:
    """Return the recorded-style Vumi payload ``name``.json with ``changes`` applied."""
    data = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    if isinstance(data, dict):
        data.update(changes)
    return data


def as_json(data: Any, content_type: str = "application/json") -> GatewayRequest:
    return GatewayRequest(data=json.dumps(data).encode("utf-8"), content_type=content_type)


class Vumi:
    """Hooks of the shared suites for Vumi; replies go to the fake gateway."""

    engine = ENGINE
    options: dict[str, Any] = {}
    identity_field = "from_addr"
    text_field = "content"

    def install(self, engine: Any = None, **overrides: Any) -> Any:
        overrides.setdefault("sendsms_url", self.gateway.url)
        return super().install(engine, **overrides)  # type: ignore[misc]

    def inbound_request(self, identity: str | None = "+15550000001", text: str | None = "ping",
                        external_id: str | None = "gw-1") -> GatewayRequest:
        data = payload("sms_inbound", from_addr=identity, content=text, message_id=external_id)
        for key, value in (("from_addr", identity), ("content", text),
                           ("message_id", external_id)):
            if value is None:
                del data[key]
        return as_json(data)

    def status_request(self, message_id: str = "m-1", identity: str = "+15550000001",
                       raw_status: str = "delivered") -> GatewayRequest:
        # As if Vumi had answered the send of message_id with the id "vumi-<message_id>".
        SentMessage.objects.get_or_create(backend=self.backend_name,
                                          gateway_id=f"vumi-{message_id}",
                                          message_id=message_id, identity=identity)
        if raw_status in ("ack", "nack"):
            event = payload(f"event_{raw_status}")
        else:
            event = payload("event_delivery_report", delivery_status=raw_status)
        event["user_message_id"] = f"vumi-{message_id}"
        return as_json(event)

    def post(self, data: Any, url: str = "/backends/gw/", **headers: str) -> Any:
        headers.setdefault("X-RapidSMS-Token", SECRET)
        return Client().post(url, data=json.dumps(data), content_type="application/json",
                             headers=headers)


class TestVumiInboundSecurity(Vumi, InboundSecuritySuite):
    def test_basic_auth_password_is_a_token(self) -> None:
        good = base64.b64encode(f"vumi:{SECRET}".encode()).decode()
        response = self.call(self.inbound_request(), token=None)
        assert response.status_code == 403
        response = Client().post("/backends/gw/", data=json.dumps(payload("sms_inbound")),
                                 content_type="application/json",
                                 headers={"Authorization": f"Basic {good}"})
        assert response.status_code == 200
        assert len(self.router.inbound) == 1

    @pytest.mark.parametrize("credentials", [
        base64.b64encode(b"vumi:guess").decode(),
        base64.b64encode(SECRET.encode()).decode(),  # no "user:" part
        "not base64 at all",
    ])
    def test_wrong_basic_auth_is_refused(self, credentials: str) -> None:
        response = Client().post("/backends/gw/", data=json.dumps(payload("sms_inbound")),
                                 content_type="application/json",
                                 headers={"Authorization": f"Basic {credentials}"})
        assert response.status_code == 403
        assert "Basic" in response.json()["error"]
        assert self.router.inbound == []


class TestVumiMalformedInput(Vumi, MalformedInputSuite):
    @pytest.mark.parametrize("field, value", [
        ("content", 42), ("from_addr", ["+15550000001"]), ("message_id", {"id": 1}),
        ("session_event", "restart"), ("helper_metadata", "go"), ("transport_type", None),
        ("transport_name", ""), ("message_id", "x" * 256),
    ])
    def test_wrong_json_type_or_value_names_the_field(self, field: str, value: Any) -> None:
        self.assert_refused(self.call(as_json(payload("sms_inbound", **{field: value}))),
                            field=field)

    def test_json_that_is_not_an_object_is_400(self) -> None:
        self.assert_refused(self.call(as_json([payload("sms_inbound")])))
        self.assert_refused(self.call(as_json("ping")))

    def test_unreadable_json_is_400_saying_so(self) -> None:
        response = self.call(GatewayRequest(data=b'{"content": "ping",', content_type=""))
        self.assert_refused(response)
        assert "not valid JSON" in response.json()["error"]

    def test_message_posted_to_the_status_url_says_where_it_goes(self) -> None:
        response = self.call(as_json(payload("sms_inbound")), url_name="status")
        assert response.status_code == 400
        assert response.json()["field"] == "event_type"
        assert "inbound URL" in response.json()["error"]
        assert DeliveryReport.objects.count() == 0


class TestVumiDeliveryReports(Vumi, DeliveryReportSuite):
    status_cases = {"ack": "sent", "nack": "failed", "pending": "sent",
                    "delivered": "delivered", "failed": "failed"}

    def test_nack_keeps_the_reason_and_the_whole_event(self) -> None:
        event = payload("event_nack")
        SentMessage.objects.create(backend="gw", gateway_id=event["user_message_id"],
                                   message_id="m-5", identity="+27829876543")
        assert self.call(as_json(event), url_name="status").status_code == 200
        report = DeliveryReport.objects.get()
        assert (report.message_id, report.identity, report.status, report.raw_status) == (
            "m-5", "+27829876543", "failed", "nack")
        assert report.error == "Unknown command: ESME_RINVDSTADR"
        assert report.external_id == event["user_message_id"]
        assert report.raw == event

    def test_event_about_an_unknown_vumi_id_is_kept_by_that_id(self) -> None:
        response = self.call(as_json(payload("event_ack")), url_name="status")
        assert response.status_code == 200
        report = DeliveryReport.objects.get()
        assert (report.external_id, report.message_id, report.identity, report.status) == (
            "7d1e5c9a3b8f4e2d9c6a0b1f2e3d4c5b", "", "", "sent")

    def test_event_at_the_inbound_url_is_a_report_too(self) -> None:
        """One URL can be given to Vumi for messages and events."""
        response = self.call(as_json(payload("event_delivery_report")))
        assert response.status_code == 200
        assert DeliveryReport.objects.get().status == "delivered"
        assert self.router.inbound == []

    @pytest.mark.parametrize("changes, field", [
        ({"event_type": "bounce"}, "event_type"),
        ({"delivery_status": "DELIVRD"}, "delivery_status"),
        ({"delivery_status": None}, "delivery_status"),
        ({"user_message_id": None}, "user_message_id"),
        ({"user_message_id": "x" * 300}, "user_message_id"),
        ({"event_type": None}, "event_type"),
    ])
    def test_bad_event_is_400_naming_the_field(self, changes: dict[str, Any],
                                               field: str) -> None:
        response = self.call(as_json(payload("event_delivery_report", **changes)),
                             url_name="status")
        assert response.status_code == 400
        assert response.json()["field"] == field
        assert DeliveryReport.objects.count() == 0


class TestVumiContract(Vumi, ContractSuite):
    per_identity_requests = False
    secret_options = {"sendsms_user": "rapidsms", "sendsms_pass": "relay-password-123",
                      "sendsms_params": {"api_token": "vumi-api-token-456"}}

    def outgoing_options(self, url: str) -> dict[str, Any]:
        return {"sendsms_url": url}

    def sent_identities(self, request: RecordedRequest) -> list[str]:
        return request.json["to_addr"]

    def sent_text(self, request: RecordedRequest) -> str:
        return request.json["content"]


class TestVumiOutgoing(Vumi, GatewaySuite):
    def test_json_body_is_rapidsms_2s(self) -> None:
        self.backend.send("m-1", "Stock report received", ["+27821234567", "+27829876543"],
                          {"external_id": "ignored-for-two-recipients"})
        [request] = self.gateway.requests
        assert (request.method, request.path) == ("POST", "/send")
        assert request.headers["content-type"] == "application/json"
        assert request.json == {
            "content": "Stock report received",
            "to_addr": ["+27821234567", "+27829876543"],
            "session_event": None,
            "metadata": {"rapidsms_msg_id": "m-1"},
        }
        assert "authorization" not in request.headers

    def test_reply_carries_in_reply_to_endpoint_and_from_addr(self) -> None:
        self.backend.send("m-2", "hi", ["+27821234567"],
                          {"external_id": "b5e3f8c2", "in_response_to": "in-1",
                           "endpoint": "mtn", "from_addr": "+27600000100"})
        assert self.gateway.requests[0].json == {
            "content": "hi", "to_addr": ["+27821234567"], "session_event": None,
            "metadata": {"rapidsms_msg_id": "m-2"}, "in_reply_to": "b5e3f8c2",
            "endpoint": "mtn", "from_addr": "+27600000100",
        }

    def test_sendsms_params_are_added_and_metadata_merged(self) -> None:
        self.install(sendsms_params={"conversation": "c-1", "metadata": {"campaign": "ors"}})
        self.backend.send("m-3", "hi", ["+27821234567"], {})
        body = self.gateway.requests[0].json
        assert body["conversation"] == "c-1"
        assert body["metadata"] == {"campaign": "ors", "rapidsms_msg_id": "m-3"}

    def test_basic_auth_header(self) -> None:
        self.install(sendsms_user="rapidsms", sendsms_pass="s3cr3t-pass")
        self.backend.send("m-4", "hi", ["+27821234567"], {})
        expected = base64.b64encode(b"rapidsms:s3cr3t-pass").decode()
        assert self.gateway.requests[0].headers["authorization"] == f"Basic {expected}"

    def test_reply_to_a_vumi_message_goes_back_in_its_session(self) -> None:
        response = self.call(as_json(payload("sms_inbound", content="echo sawubona 👋🏽")))
        assert response.status_code == 200
        [request] = self.gateway.requests
        assert request.json["in_reply_to"] == "b5e3f8c2a1d94e6f9a0b7c3d2e1f4a56"
        assert request.json["to_addr"] == ["+27821234567"]
        assert request.json["content"] == "sawubona 👋🏽"

    @pytest.mark.parametrize("refusal", [
        "Original message 'b5e3f8c2' not found.",  # the relay, after vumi_reply_timeout
        "Support for `in_reply_to` not configured.",
        '{"success": false, "reason": "Invalid in_reply_to value"}',  # Vumi Go
    ])
    def test_reply_vumi_cannot_thread_is_sent_as_a_new_message(self, refusal: str) -> None:
        self.gateway.answer = lambda request: (
            Answer(400, refusal) if "in_reply_to" in request.json else Answer())
        self.backend.send("m-12", "late reply", ["+27821234567"], {"external_id": "b5e3f8c2"})
        first, second = self.gateway.requests
        assert first.json["in_reply_to"] == "b5e3f8c2"
        assert "in_reply_to" not in second.json
        assert (second.json["to_addr"], second.json["content"]) == (["+27821234567"],
                                                                    "late reply")

    def test_other_refusal_of_a_reply_is_an_error(self) -> None:
        self.gateway.answer = lambda request: Answer(400, "Invalid to_addr")
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m-13", "hi", ["+27821234567"], {"external_id": "b5e3f8c2"})
        assert caught.value.retryable is False
        assert len(self.gateway.requests) == 1

    def test_unicode_is_sent_unchanged_as_json(self) -> None:
        text = "Ẹ ku àárọ̀ {€} [~] ^|\\ здравствуйте 你好 👋🏽"
        self.backend.send("m-5", text, ["+27821234567"], {})
        body = self.gateway.requests[0].body
        assert json.loads(body.decode("utf-8"))["content"] == text

    def test_vumi_ids_in_the_answer_tie_events_to_our_message(self) -> None:
        answer = payload("relay_send_answer")
        self.gateway.answer = lambda request: Answer(200, json.dumps(answer))
        received = []
        delivery_report.connect(lambda sender, **kw: received.append(kw), weak=False,
                                dispatch_uid="vumi-test")
        try:
            msg = send("Stock report received",
                       lookup_connections("gw", ["+27821234567", "+27829876543"]))
            assert self.post(payload("event_ack")).status_code == 200
            assert self.post(payload("event_nack"), "/backends/gw/status/").status_code == 200
            assert self.post(payload("event_delivery_report")).status_code == 200
        finally:
            delivery_report.disconnect(dispatch_uid="vumi-test")
        assert [(r["message_id"], r["identity"], r["status"]) for r in received] == [
            (msg.id, "+27821234567", "sent"),
            (msg.id, "+27829876543", "failed"),
            (msg.id, "+27821234567", "delivered"),
        ]
        assert SentMessage.objects.count() == 2

    def test_event_that_overtakes_the_answer_is_completed_and_signalled_again(self) -> None:
        received = []
        delivery_report.connect(lambda sender, **kw: received.append(kw), weak=False,
                                dispatch_uid="vumi-test")
        try:
            assert self.post(payload("event_ack")).status_code == 200
            self.gateway.answer = lambda request: Answer(
                200, json.dumps(payload("relay_send_answer")[:1]))
            get_router().send_to_backend("gw", "m-6", "hi", ["+27821234567"], {})
        finally:
            delivery_report.disconnect(dispatch_uid="vumi-test")
        assert [(r["message_id"], r["identity"]) for r in received] == [
            ("", ""), ("m-6", "+27821234567")]
        report = DeliveryReport.objects.get()
        assert (report.message_id, report.identity, report.status) == (
            "m-6", "+27821234567", "sent")

    def test_single_message_answer_and_reply_to_unnormalised_sender(self) -> None:
        """Vumi Go answers one object; a reply goes to the sender as Vumi wrote it."""
        created = payload("relay_send_answer")[0] | {"to_addr": "27821234567"}
        self.gateway.answer = lambda request: Answer(200, json.dumps(created))
        results = get_router().send_to_backend("gw", "m-7", "hi", ["+27821234567"],
                                               {"external_id": "in-7"})
        assert results == {"+27821234567": Accepted(created["message_id"])}
        link = SentMessage.objects.get(backend="gw", gateway_id=created["message_id"])
        assert (link.message_id, link.identity) == ("m-7", "+27821234567")

    def test_answer_without_ids_is_fine(self) -> None:
        for body in ("OK", "[]", '{"success": true}', "[1, null]", '[{"message_id": 5}]'):
            self.gateway.answer = lambda request, body=body: Answer(200, body)
            get_router().send_to_backend("gw", "m-8", "hi", ["+27821234567", "+27829876543"],
                                         {})
        assert SentMessage.objects.count() == 0

    def test_database_failure_after_vumi_took_the_message_does_not_fail_the_send(
        self, monkeypatch: Any, caplog: Any
    ) -> None:
        def broken(*args: Any, **kwargs: Any) -> None:
            raise DatabaseError("disk full")

        monkeypatch.setattr(SentMessage.objects, "bulk_create", broken)
        self.gateway.answer = lambda request: Answer(200, json.dumps(payload("relay_send_answer")))
        with caplog.at_level(logging.ERROR, logger="rapidsms.backends.inbound"):
            get_router().send_to_backend("gw", "m-9", "hi", ["+27821234567", "+27829876543"],
                                         {})
        assert "could not store the gateway's ids of message m-9" in caplog.text

    def test_without_the_inbound_app_sending_works_and_keeps_no_ids(
        self, monkeypatch: Any
    ) -> None:
        from django.apps import apps

        installed = apps.is_installed
        monkeypatch.setattr(apps, "is_installed",
                            lambda name: name != "rapidsms.backends.inbound" and installed(name))
        self.gateway.answer = lambda request: Answer(200, json.dumps(payload("relay_send_answer")))
        get_router().send_to_backend("gw", "m-10", "hi", ["+27821234567"], {})
        assert SentMessage.objects.count() == 0


class TestVumiInbound(Vumi, GatewaySuite):
    def test_recorded_sms_is_routed_with_every_field(self) -> None:
        response = self.post(payload("sms_inbound"))
        assert (response.status_code, response.content) == (200, b"")
        [msg] = self.router.inbound
        assert (msg.connections[0].identity, msg.text) == ("+27821234567", "stock 12 ORS")
        assert msg.fields == {
            "message_id": "b5e3f8c2a1d94e6f9a0b7c3d2e1f4a56",
            "external_id": "b5e3f8c2a1d94e6f9a0b7c3d2e1f4a56",
            "to_addr": "+27600000100",
            "from_addr": "+27821234567",
            "in_reply_to": "",
            "session_event": "",
            "content": "stock 12 ORS",
            "transport_name": "smpp_mtn",
            "transport_type": "sms",
            "group": "",
            "helper_metadata": {"go": {"conversation_key": "c0nv3r5a710n",
                                       "user_account": "acc0un7"}},
            "transport_metadata": {"smpp": {"data_coding": 0}},
        }

    def test_relay_post_without_content_type_is_read_as_json(self) -> None:
        response = Client().generic("POST", f"/backends/gw/?token={SECRET}",
                                    data=json.dumps(payload("sms_inbound")).encode(),
                                    content_type="")
        assert response.status_code == 200
        assert self.router.inbound[0].text == "stock 12 ORS"

    @pytest.mark.parametrize("name", ["ussd_new", "ussd_close"])
    def test_session_event_without_text_is_answered_and_not_routed(
        self, name: str, caplog: Any
    ) -> None:
        with caplog.at_level(logging.INFO, logger="rapidsms.backends.vumi"):
            response = self.post(payload(name))
        assert (response.status_code, response.content) == (200, b"")
        assert self.router.inbound == []
        assert self.gateway.requests == []
        assert "has no text" in caplog.text

    def test_session_message_with_text_is_answered_in_the_same_session(self) -> None:
        assert self.post(payload("ussd_new", content="ping")).status_code == 200
        [msg] = self.router.inbound
        assert (msg.text, msg.fields["session_event"], msg.fields["transport_type"]) == (
            "ping", "new", "ussd")
        [request] = self.gateway.requests
        assert request.json["in_reply_to"] == "0a1b2c3d4e5f40718293a4b5c6d7e8f9"
        assert request.json["content"] == "pong"

    def test_empty_sms_is_answered_and_not_routed(self) -> None:
        assert self.post(payload("sms_inbound", content="")).status_code == 200
        assert self.router.inbound == []

    def test_group_message_without_to_addr(self) -> None:
        assert self.post(payload("sms_inbound", to_addr=None, group="#clinic")).status_code == 200
        assert self.router.inbound[0].fields["group"] == "#clinic"

    def test_text_is_kept_exactly(self) -> None:
        self.post(payload("sms_inbound", content="  ẹ ku  "))
        assert self.router.inbound[0].text == "  ẹ ku  "


class TestRapidSMS2Names(Vumi, GatewaySuite):
    """Views and forms written against RapidSMS 2.x keep working, now secured."""

    def test_names_are_importable_and_related(self) -> None:
        assert issubclass(VumiBackendView, BaseHttpBackendView)
        assert issubclass(VumiForm, BaseHttpForm)
        assert VumiBackendView.form_class is VumiForm
        assert VumiBackendView.http_method_names == ["post"]
        assert VumiBackend.status_view.endswith(VumiEventView.__name__)

    def test_form_on_its_own(self) -> None:
        form = VumiForm(data=payload("ussd_new"), backend_name="gw")
        assert form.is_valid(), form.errors
        data = form.get_incoming_data()
        assert (data["connection"].identity, data["text"]) == ("+27821234567", "")
        assert data["fields"]["external_id"] == "0a1b2c3d4e5f40718293a4b5c6d7e8f9"

    def test_url_wired_by_hand_still_works(self) -> None:
        urlconf = types.ModuleType("hand_wired_urls")
        urlconf.urlpatterns = [  # type: ignore[attr-defined]
            path("backend/vumi/", VumiBackendView.as_view(backend_name="gw")),
        ]
        with override_settings(ROOT_URLCONF=urlconf):
            assert self.post(payload("sms_inbound"), "/backend/vumi/",
                             **{"X-RapidSMS-Token": "guess"}).status_code == 403
            assert self.post(payload("sms_inbound"), "/backend/vumi/").status_code == 200
        assert self.router.inbound[0].text == "stock 12 ORS"

    def test_subclassed_view_and_form(self) -> None:
        class ConversationForm(VumiForm):
            def get_incoming_data(self) -> dict[str, Any]:
                data = super().get_incoming_data()
                data["fields"]["conversation"] = (
                    self.cleaned_data["helper_metadata"]["go"]["conversation_key"])
                return data

        class ConversationView(VumiBackendView):
            form_class = ConversationForm

        engine = type("ConversationBackend", (VumiBackend,),
                      {"inbound_view": ConversationView, "__module__": __name__})
        self.install(engine=engine)
        assert self.post(payload("sms_inbound"), **{"X-RapidSMS-Token": "guess"}
                         ).status_code == 403
        assert self.post(payload("sms_inbound")).status_code == 200
        assert self.router.inbound[0].fields["conversation"] == "c0nv3r5a710n"


@pytest.mark.parametrize("options, message", [
    ({}, "needs the option sendsms_url"),
    ({"sendsms_url": ""}, "needs the option sendsms_url"),
    ({"sendsms_url": "ftp://vumi.example.org/send/"}, "sendsms_url must be an http"),
    ({"sendsms_url": "http://v/send/", "sendsms_params": "conversation=1"}, "sendsms_params"),
    ({"sendsms_url": "http://v/send/", "sendsms_user": "rapidsms"}, "sendsms_pass"),
    ({"sendsms_url": "http://v/send/", "sendsms_pass": "x"}, "sendsms_user"),
    ({"sendsms_url": "http://v/send/", "sendsms_password": "x"}, "sendsms_password"),
])
def test_bad_options_are_refused_naming_them(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        VumiBackend(None, "vumi", **options)


def test_secret_in_the_url_is_not_repeated_in_the_error() -> None:
    with pytest.raises(ImproperlyConfigured) as caught:
        VumiBackend(None, "vumi", sendsms_url="ftp://user:hunter22@vumi.example.org/")
    assert "hunter22" not in str(caught.value)


hostile_text = st.one_of(
    st.none(), st.booleans(), st.integers(), st.text(max_size=20),
    st.sampled_from(["+27821234567", "0821234567", "", "\x00", "\ud800", "x" * 300, "new",
                     "ack", "nack", "delivery_report", "delivered", "pending"]),
    st.lists(st.text(max_size=5), max_size=2), st.dictionaries(st.text(max_size=5),
                                                                st.text(max_size=5), max_size=2),
)
vumi_keys = st.sampled_from(["message_id", "from_addr", "to_addr", "content", "session_event",
                             "transport_name", "transport_type", "helper_metadata",
                             "transport_metadata", "group", "in_reply_to", "event_type",
                             "user_message_id", "delivery_status", "nack_reason",
                             "message_type"])


@st.composite
def vumi_bodies(draw: Any) -> dict[str, Any]:
    base = draw(st.sampled_from(["sms_inbound", "ussd_new", "event_ack", "event_nack",
                                 "event_delivery_report"]))
    data = payload(base)
    for key, value in draw(st.dictionaries(vumi_keys, hostile_text, max_size=4)).items():
        data[key] = value
    for key in draw(st.lists(vumi_keys, max_size=2)):
        data.pop(key, None)
    return data


@pytest.fixture
def vumi_target(mount: Any, gateway: Any) -> Any:
    return mount({"gw": {"ENGINE": ENGINE, "sendsms_url": gateway.url, "default_region": "ZA",
                         "inbound_secrets": [SECRET], "dedupe_window": 0}})


@settings(max_examples=150, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(body=vumi_bodies(), status_url=st.booleans())
def test_hostile_vumi_bodies_never_fail_and_never_route_when_refused(
    vumi_target: Any, body: dict[str, Any], status_url: bool
) -> None:
    router = vumi_target
    before = (len(router.inbound), DeliveryReport.objects.count())
    url = "/backends/gw/status/" if status_url else "/backends/gw/"
    response = Client().post(url, data=json.dumps(body), content_type="application/json",
                             headers={"X-RapidSMS-Token": SECRET})
    assert response.status_code in (200, 400), response.content
    if response.status_code == 400:
        assert response.json()["error"]
        assert (len(router.inbound), DeliveryReport.objects.count()) == before

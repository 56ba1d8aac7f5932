"""The Africa's Talking gateway: the shared suites, and AT's API played by a server on 127.0.0.1."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from rapidsms.backends.africastalking import AfricasTalkingBackend
from rapidsms.backends.inbound.models import DeliveryReport, SentMessage
from rapidsms.backends.inbound.reports import remember_sent
from rapidsms.backends.results import Accepted, Refused
from rapidsms.errors import MessageSendingError
from rapidsms.router import lookup_connections, send
from rapidsms.testing.fake_gateway import Answer, RecordedRequest
from rapidsms.testing.gateways import (
    ContractSuite,
    DeliveryReportSuite,
    FaultSuite,
    GatewayRequest,
    GatewaySuite,
    HostileInputSuite,
    InboundSecuritySuite,
    MalformedInputSuite,
)

ENGINE = "rapidsms.backends.africastalking.AfricasTalkingBackend"
API_KEY = "atsk_0123456789abcdef0123456789abcdef"
USERNAME = "rapidsms-test"


def recipient(number: str, code: int = 101, message_id: str | None = None,
              status: str = "Success") -> dict[str, Any]:
    """Return one entry of ``Recipients`` as AT writes it."""
    return {"statusCode": code, "number": number, "status": status, "cost": "KES 0.8000",
            "messageId": message_id or f"ATXid_{number.lstrip('+')}"}


def at_answer(*recipients: dict[str, Any], message: str | None = None) -> Answer:
    """Return AT's answer to a send, ``201`` with its JSON."""
    sent = sum(r["statusCode"] < 200 for r in recipients)
    summary = message or f"Sent to {sent}/{len(recipients)} Total Cost: KES {0.8 * sent:.4f}"
    body = {"SMSMessageData": {"Message": summary, "Recipients": list(recipients)}}
    return Answer(201, json.dumps(body), headers={"Content-Type": "application/json"})


def accept_everybody(request: RecordedRequest) -> Answer:
    """Answer as AT does when it takes the message for every recipient."""
    return at_answer(*(recipient(number) for number in request.form["to"].split(",")))


class AfricasTalking:
    """Hooks of the shared suites; every send goes to the local stand-in for AT's API."""

    engine = ENGINE
    options = {"username": USERNAME, "api_key": API_KEY}
    identity_field = "from"
    text_field = "text"

    def install(self, engine: Any = None, **overrides: Any) -> Any:
        # The echo and default apps answer what the suites route: to 127.0.0.1, never AT.
        overrides.setdefault("api_url", self.api_url)
        self.gateway.answer = accept_everybody
        return super().install(engine, **overrides)  # type: ignore[misc]

    @property
    def api_url(self) -> str:
        return self.gateway.url.rsplit("/", 1)[0]

    def inbound_request(self, identity: str | None = "+15550000001", text: str | None = "ping",
                        external_id: str | None = "gw-1") -> GatewayRequest:
        data = {"from": identity, "to": "21525", "text": text, "date": "2024-05-06 07:08:09",
                "id": external_id, "linkId": "SampleLinkId123", "networkCode": "63902"}
        return GatewayRequest(data={k: v for k, v in data.items() if v is not None})

    def status_request(self, message_id: str = "m-1", identity: str = "+15550000001",
                       raw_status: str = "Success") -> GatewayRequest:
        # As if AT had answered the send of message_id with this messageId.
        at_id = f"ATXid_{message_id}"
        remember_sent(self.backend, message_id, {identity: at_id})  # type: ignore[attr-defined]
        data = {"id": at_id, "status": raw_status, "phoneNumber": identity,
                "networkCode": "63902", "retryCount": "0"}
        if raw_status in ("Rejected", "Failed"):
            data["failureReason"] = "UserInBlackList"
        return GatewayRequest(data=data)


class TestAfricasTalkingInboundSecurity(AfricasTalking, InboundSecuritySuite):
    pass


class TestAfricasTalkingMalformedInput(AfricasTalking, MalformedInputSuite):
    def test_a_json_body_is_400_naming_the_missing_field(self) -> None:
        request = GatewayRequest(data=json.dumps({"from": "+15550000001", "text": "hi"}).encode(),
                                 content_type="application/json")
        response = self.call(request)
        assert response.status_code == 400
        assert response.json()["field"] == "from"
        assert self.routed() == []


class TestAfricasTalkingHostileInput(AfricasTalking, HostileInputSuite):
    pass


class TestAfricasTalkingFaults(AfricasTalking, FaultSuite):
    pass


class TestAfricasTalkingDeliveryReports(AfricasTalking, DeliveryReportSuite):
    status_cases = {"Sent": "sent", "Submitted": "sent", "Buffered": "sent",
                    "Success": "delivered", "Rejected": "failed", "Failed": "failed",
                    "AbsentSubscriber": "failed", "Expired": "failed"}

    def test_failure_reason_and_every_field_are_kept(self) -> None:
        response = self.call(self.status_request(message_id="m-7", raw_status="Failed"),
                             url_name="status", token_in="query")
        assert response.status_code == 200, response.content
        report = DeliveryReport.objects.get()
        assert (report.message_id, report.external_id, report.identity) == (
            "m-7", "ATXid_m-7", "+15550000001")
        assert (report.status, report.raw_status, report.error) == (
            "failed", "Failed", "UserInBlackList")
        assert report.raw == {"id": "ATXid_m-7", "status": "Failed",
                              "phoneNumber": "+15550000001", "networkCode": "63902",
                              "retryCount": "0", "failureReason": "UserInBlackList"}

    def test_report_about_an_id_never_sent_is_kept_by_that_id(self) -> None:
        data = {"id": "ATXid_unknown", "status": "Success", "phoneNumber": "+15550000001"}
        assert self.call(GatewayRequest(data=data), url_name="status").status_code == 200
        report = DeliveryReport.objects.get()
        assert (report.external_id, report.message_id, report.status) == (
            "ATXid_unknown", "", "delivered")

    @pytest.mark.parametrize("changes, field", [
        ({"status": "Delivered"}, "status"), ({"status": None}, "status"),
        ({"id": None}, "id"), ({"id": "x" * 256}, "id"), ({"phoneNumber": "call me"},
                                                            "phoneNumber"),
    ])
    def test_a_bad_report_is_400_naming_the_field(self, changes: dict[str, Any],
                                                 field: str) -> None:
        request = self.status_request()
        request.data = {k: v for k, v in {**request.data, **changes}.items() if v is not None}
        response = self.call(request, url_name="status")
        assert response.status_code == 400, response.content
        assert response.json()["field"] == field
        assert DeliveryReport.objects.count() == 0


class TestAfricasTalkingContract(AfricasTalking, ContractSuite):
    per_identity_requests = False  # up to 100 recipients in one request
    secret_options = {"api_key": API_KEY}

    def outgoing_options(self, url: str) -> dict[str, Any]:
        return {"api_url": url.rsplit("/", 1)[0]}

    def sent_identities(self, request: RecordedRequest) -> list[str]:
        return request.form["to"].split(",")

    def sent_text(self, request: RecordedRequest) -> str:
        return request.form["message"]

    def refusing_answer(self, request: RecordedRequest, refused: str) -> Answer:
        return at_answer(*(
            recipient(number, 403, "None", "InvalidPhoneNumber") if number == refused
            else recipient(number)
            for number in request.form["to"].split(",")))


class TestAfricasTalkingOutgoing(AfricasTalking, GatewaySuite):
    """What is peculiar to AT's API, against a stand-in for it on 127.0.0.1."""

    def send(self, identities: list[str], text: str = "hello") -> Any:
        return self.backend.send("m-1", text, identities, {})

    def refused(self, identities: list[str]) -> MessageSendingError:
        with pytest.raises(MessageSendingError) as caught:
            self.send(identities)
        return caught.value

    def test_one_form_request_with_the_api_key_and_every_recipient(self) -> None:
        self.install(sender_id="RAPIDSMS")
        results = self.send(["+254711000001", "+254711000002"], "Habari 👋🏽")
        [request] = self.gateway.requests
        assert (request.method, request.path) == ("POST", "/version1/messaging")
        assert request.headers["apikey"] == API_KEY
        assert request.headers["accept"] == "application/json"
        assert request.headers["content-type"] == "application/x-www-form-urlencoded"
        assert request.form == {"username": USERNAME, "to": "+254711000001,+254711000002",
                                "message": "Habari 👋🏽", "from": "RAPIDSMS"}
        assert results == {"+254711000001": Accepted("ATXid_254711000001"),
                           "+254711000002": Accepted("ATXid_254711000002")}

    def test_without_a_sender_id_no_from_is_sent(self) -> None:
        self.install()
        self.send(["+254711000001"])
        assert "from" not in self.gateway.requests[0].form

    def test_more_than_100_recipients_take_several_requests(self) -> None:
        self.install()
        numbers = [f"+2547110{n:05d}" for n in range(250)]
        results = self.send(numbers)
        assert [len(r.form["to"].split(",")) for r in self.gateway.requests] == [100, 100, 50]
        assert all(isinstance(result, Accepted) for result in results.values())

    def test_each_recipient_gets_its_own_result(self) -> None:
        self.install()
        self.gateway.answer = lambda request: at_answer(
            recipient("+254711000001", 101),
            recipient("+254711000002", 403, "None", "InvalidPhoneNumber"),
            recipient("+254711000003", 405, "None", "InsufficientBalance"),
            recipient("+254711000004", 500, "None", "InternalServerError"),
            recipient("+254711000005", 102),
        )
        error = self.refused([f"+25471100000{n}" for n in range(1, 6)])
        assert error.failed_identities == ["+254711000002", "+254711000003", "+254711000004"]
        assert error.results["+254711000001"] == Accepted("ATXid_254711000001")
        assert error.results["+254711000005"] == Accepted("ATXid_254711000005")
        bad_number = error.results["+254711000002"]
        assert (bad_number.retryable, bad_number.retry_after) == (False, None)
        assert "InvalidPhoneNumber" in bad_number.reason and "403" in bad_number.reason
        assert error.results["+254711000003"] == Refused(
            "Africa's Talking refused it: InsufficientBalance (statusCode 405)",
            retryable=True, retry_after=600)
        assert (error.results["+254711000004"].retryable,
                error.results["+254711000004"].retry_after) == (True, 60)
        assert error.retryable is False  # one part never will: the whole is permanent
        assert len(self.gateway.requests) == 1

    @pytest.mark.parametrize("code, retryable", [
        (401, False), (402, False), (404, False), (406, False), (407, False), (409, False),
        (501, True), (502, False), (503, True), (418, False),
    ])
    def test_retryable_refusals(self, code: int, retryable: bool) -> None:
        self.install()
        self.gateway.answer = lambda request: at_answer(
            recipient("+254711000001", code, "None", "Whatever"))
        error = self.refused(["+254711000001"])
        assert (error.failed_identities, error.retryable) == (["+254711000001"], retryable)

    def test_a_refusal_for_now_waits_its_retry_after(self) -> None:
        self.install()
        self.gateway.answer = lambda request: at_answer(
            recipient("+254711000001", 405, "None", "InsufficientBalance"))
        error = self.refused(["+254711000001"])
        assert (error.retryable, error.retry_after) == (True, 600)

    def test_invalid_sender_id_refuses_everybody_for_good(self) -> None:
        # AT's answer to a sender id not registered to the account: no recipients at all.
        self.install(sender_id="NOTMINE")
        self.gateway.answer = lambda request: at_answer(message="InvalidSenderId")
        error = self.refused(["+254711000001", "+254711000002"])
        assert error.failed_identities == ["+254711000001", "+254711000002"]
        assert error.retryable is False
        assert "InvalidSenderId" in str(error)

    def test_a_recipient_left_out_of_the_answer_is_refused_as_unknown(self) -> None:
        self.install()
        self.gateway.answer = lambda request: at_answer(recipient("+254711000001"))
        error = self.refused(["+254711000001", "+254711000002"])
        assert error.failed_identities == ["+254711000002"]
        assert error.results["+254711000002"].retryable is None
        assert isinstance(error.results["+254711000001"], Accepted)

    def test_numbers_are_matched_whatever_way_at_writes_them(self) -> None:
        self.install()
        self.gateway.answer = lambda request: at_answer(
            recipient("254711000001", 101, "ATXid_a"), recipient("+254 711 000 002", 101,
                                                                 "ATXid_b"))
        results = self.send(["+254711000001", "+254711000002"])
        assert results == {"+254711000001": Accepted("ATXid_a"),
                           "+254711000002": Accepted("ATXid_b")}

    def test_an_accepted_recipient_without_a_real_id_is_accepted_without_one(self) -> None:
        self.install()
        self.gateway.answer = lambda request: at_answer(recipient("+254711000001", 101, "None"))
        assert self.send(["+254711000001"]) == {"+254711000001": Accepted(None)}

    def test_an_answer_that_is_not_ats_json_accepts_without_ids(self, caplog: Any) -> None:
        self.install()
        self.gateway.answer = lambda request: Answer(201, "<xml/>")
        assert self.send(["+254711000001"]) == {"+254711000001": Accepted(None)}
        assert "not Africa's Talking's JSON" in caplog.text

    def test_a_comma_in_a_recipient_fails_it_alone(self) -> None:
        self.install()
        error = self.refused(["+254711000001", "+254711000002,+254711000003"])
        assert error.failed_identities == ["+254711000002,+254711000003"]
        assert error.retryable is False
        assert self.gateway.requests[0].form["to"] == "+254711000001"

    def test_wrong_credentials_are_permanent_and_the_key_is_never_shown(self,
                                                                       caplog: Any) -> None:
        self.install()
        self.gateway.answer = lambda request: Answer(
            401, "The supplied authentication is invalid " + request.headers["apikey"])
        error = self.refused(["+254711000001"])
        assert error.retryable is False
        assert "supplied authentication is invalid" in str(error)
        assert API_KEY not in str(error) + caplog.text

    def test_a_reply_is_sent_and_its_delivery_report_finds_it(self) -> None:
        """AT's report names only its messageId; the table of sent ids leads to our message."""
        self.install()
        connection = lookup_connections(self.backend_name, ["+254711000001"])[0]
        message = send("Asante", [connection])
        assert SentMessage.objects.get().gateway_id == "ATXid_254711000001"
        report = {"id": "ATXid_254711000001", "status": "Success",
                  "phoneNumber": "+254711000001", "networkCode": "63902", "retryCount": "0"}
        assert self.call(GatewayRequest(data=report), url_name="status").status_code == 200
        stored = DeliveryReport.objects.get()
        assert (stored.message_id, stored.identity, stored.status) == (
            str(message.id), "+254711000001", "delivered")


class TestAfricasTalkingDurable(AfricasTalking, GatewaySuite):
    """Under the durable router: each recipient's own fate, and reports that find it."""

    def test_only_a_refusal_for_now_is_retried_and_a_report_delivers_the_rest(
            self, settings: Any) -> None:
        from rapidsms.router.db.models import Transmission
        from rapidsms.router.db.router import DatabaseRouter
        from rapidsms.router.db.status import Direction, Status

        self.install()
        settings.CELERY_TASK_ALWAYS_EAGER = True
        settings.RAPIDSMS_ROUTER = DatabaseRouter(apps=[], backends=settings.INSTALLED_BACKENDS)
        self.gateway.answer = lambda request: at_answer(
            recipient("+254711000001", 101),
            recipient("+254711000002", 405, "None", "InsufficientBalance"),
            recipient("+254711000003", 403, "None", "InvalidPhoneNumber"))
        before = timezone.now()
        send("Asante", lookup_connections(self.backend_name, [
            "+254711000001", "+254711000002", "+254711000003"]))

        rows = {t.identity: t for t in Transmission.objects.filter(direction=Direction.OUTGOING)}
        assert (rows["+254711000001"].status, rows["+254711000001"].gateway_message_id) == (
            Status.SENT, "ATXid_254711000001")
        assert rows["+254711000002"].status == Status.RETRY
        assert rows["+254711000002"].next_attempt_at >= before + timedelta(seconds=599)
        assert rows["+254711000003"].status == Status.FAILED
        report = {"id": "ATXid_254711000001", "status": "Success",
                  "phoneNumber": "+254711000001"}
        assert self.call(GatewayRequest(data=report), url_name="status").status_code == 200
        rows["+254711000001"].refresh_from_db()
        assert rows["+254711000001"].status == Status.DELIVERED


class TestAfricasTalkingInbound(AfricasTalking, GatewaySuite):
    def test_fields_reach_the_apps_without_the_token(self) -> None:
        response = self.call(self.inbound_request(text="habari"), token_in="query")
        assert response.status_code == 200
        [msg] = self.router.inbound
        assert (msg.connections[0].identity, msg.text) == ("+15550000001", "habari")
        assert msg.fields["external_id"] == "gw-1"
        assert (msg.fields["to"], msg.fields["date"], msg.fields["link_id"]) == (
            "21525", "2024-05-06 07:08:09", "SampleLinkId123")
        assert msg.fields["africastalking"]["networkCode"] == "63902"
        assert "token" not in msg.fields["africastalking"]

    def test_the_reply_goes_to_the_stand_in_not_to_at(self) -> None:
        self.call(self.inbound_request(text="echo jambo"))
        [request] = self.gateway.requests
        assert request.form["message"] == "jambo"
        assert request.form["to"] == "+15550000001"
        # A premium message's linkId goes back with its reply, and only with a reply.
        assert (request.form["linkId"], request.form["bulkSMSMode"]) == ("SampleLinkId123", "0")
        send("Weekly tip", lookup_connections(self.backend_name, ["+15550000001"]))
        assert "linkId" not in self.gateway.requests[-1].form


class TestAfricasTalkingOptions:
    def build(self, **options: Any) -> AfricasTalkingBackend:
        options = {"username": USERNAME, "api_key": API_KEY, **options}
        return AfricasTalkingBackend(None, "at", **options)

    def test_live_sandbox_and_own_api_urls(self) -> None:
        assert self.build().messaging_url == "https://api.africastalking.com/version1/messaging"
        assert self.build(username="sandbox", sandbox=True).messaging_url == (
            "https://api.sandbox.africastalking.com/version1/messaging")
        assert self.build(api_url="http://127.0.0.1:9/").messaging_url == (
            "http://127.0.0.1:9/version1/messaging")

    def test_the_sandbox_takes_only_its_own_username(self) -> None:
        with pytest.raises(ImproperlyConfigured, match="username 'sandbox'"):
            self.build(sandbox=True)

    @pytest.mark.parametrize("options, named", [
        ({"api_key": None}, "api_key"), ({"username": ""}, "username"),
        ({"sender_id": ""}, "sender_id"), ({"sandbox": "yes"}, "sandbox"),
        ({"api_url": "api.africastalking.com"}, "api_url"), ({"apikey": "x"}, "apikey"),
    ])
    def test_a_bad_option_is_named(self, options: dict[str, Any], named: str) -> None:
        with pytest.raises(ImproperlyConfigured, match=named):
            self.build(**options)

    def test_the_api_key_is_never_quoted(self) -> None:
        with pytest.raises(ImproperlyConfigured) as caught:
            self.build(username=API_KEY, api_key=None)
        assert API_KEY not in str(caught.value)

    def test_the_package_imports_before_django_is_set_up(self) -> None:
        """A settings module may import the class: nothing in it may need the app registry."""
        code = ("import django.conf; django.conf.settings.configure(); "
                "from rapidsms.backends.africastalking import AfricasTalkingBackend; "
                "print(AfricasTalkingBackend.inbound_view)")
        env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              env=env, timeout=60, check=False)
        assert done.returncode == 0, done.stderr
        assert done.stdout.strip().endswith("AfricasTalkingInboundView")

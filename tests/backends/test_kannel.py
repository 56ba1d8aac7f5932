"""The Kannel gateway: the shared suites, Kannel's encodings, delivery reports, 2.x names."""

from __future__ import annotations

import logging
import types
from functools import partial
from typing import Any
from urllib.parse import parse_qs, quote_from_bytes, quote_plus, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client, override_settings
from django.urls import include, path, reverse
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.backends.kannel import KannelBackend
from rapidsms.backends.kannel.forms import KannelForm
from rapidsms.backends.kannel.reports import status_for_code
from rapidsms.backends.kannel.text import python_codec
from rapidsms.backends.kannel.views import (
    DeliveryReportView,
    KannelBackendView,
    KannelStatusView,
)
from rapidsms.backends.signals import delivery_report
from rapidsms.backends.urls import backend_urlpatterns
from rapidsms.errors import MessageSendingError
from rapidsms.testing import fake_gateway as gateway_module
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

ENGINE = "rapidsms.backends.kannel.KannelBackend"
SENDSMS_PARAMS = {"username": "rapidsms", "password": "kannel-sendsms-password", "from": "1234",
                  "smsc": "FAKE"}
# "Ça va? 日本" in UTF-16BE, written out rather than computed.
CA_VA_UTF16BE = bytes.fromhex("00c7 0061 0020 0076 0061 003f 0020 65e5 672c")


def raw_text(request: RecordedRequest) -> bytes:
    """Return the bytes of ``text`` exactly as they reached the gateway."""
    return request.query["text"].encode("latin-1")


def sent_text(request: RecordedRequest) -> str:
    """Return the text of a sendsms request, read the way Kannel reads it."""
    return raw_text(request).decode(python_codec(request.query["charset"]))


#: Escape codes Kannel's smsbox fills (empty when the report has no value).
KANNEL_CODES = set("aAbBcCdDfFiIkmMnoOpPqQrsStTu")


def kannel_fetches(dlr_url: str, **codes: str) -> str:
    """Return the path and query Kannel fetches for ``dlr_url``, as its smsbox fills it.

    Each escape code Kannel knows is replaced by its URL-encoded value from
    ``codes`` (empty if not given), ``%%`` becomes ``%``, and any other
    ``%x`` stays as it is.
    """
    out, position = [], 0
    while position < len(dlr_url):
        char = dlr_url[position]
        if char == "%" and position + 1 < len(dlr_url):
            code = dlr_url[position + 1]
            out.append("%" if code == "%" else
                       quote_plus(codes.get(code, "")) if code in KANNEL_CODES else "%" + code)
            position += 2
        else:
            out.append(char)
            position += 1
    parts = urlsplit("".join(out))
    return f"{parts.path}?{parts.query}"


class Kannel:
    engine = ENGINE
    options: dict[str, Any] = {}
    identity_field = "id"
    text_field = "text"
    # Text that is not UTF-16: an odd number of bytes and a lone surrogate.
    garbage = GatewayRequest(method="GET", data={"id": "+15550000001", "text": b"\xd8\x00\x00",
                                                 "coding": "2", "msgid": "g-1"})

    def install(self, engine: Any = None, **overrides: Any) -> Any:
        # Replies to routed messages go to the fake gateway, never to a real port 13013.
        overrides.setdefault("sendsms_url", self.gateway.url)
        return super().install(engine, **overrides)  # type: ignore[misc]

    @pytest.fixture(autouse=True)
    def _gateway_keeps_bytes(self, monkeypatch: Any) -> None:
        # The fake gateway decodes queries as UTF-8; Kannel's UTF-16 text is
        # read back from the bytes instead (latin-1 maps each byte to a character).
        monkeypatch.setattr(gateway_module, "parse_qs", partial(parse_qs, encoding="latin-1"))

    def inbound_request(self, identity: str | None = "+15550000001", text: str | None = "ping",
                        external_id: str | None = "gw-1") -> GatewayRequest:
        data = {"id": identity, "text": text, "msgid": external_id, "charset": "UTF-8",
                "coding": "0"}
        return GatewayRequest(method="GET", data={k: v for k, v in data.items() if v is not None})

    def status_request(self, message_id: str = "m-1", identity: str = "+15550000001",
                       raw_status: str = "1") -> GatewayRequest:
        return GatewayRequest(method="GET", data={
            "message_id": message_id, "status": raw_status, "identity": identity,
            "status_text": "id:77 sub:001 dlvrd:001 stat:DELIVRD err:000", "smsc": "FAKE",
            "sms_id": "0a1b2c3d-0000-4000-8000-000000000001", "foreign_id": "77",
            "date_sent": "2025-01-02 03:04:05", "timestamp": "1735787045",
        })


class TestKannelInboundSecurity(Kannel, InboundSecuritySuite):
    pass


class TestKannelMalformedInput(Kannel, MalformedInputSuite):
    pass


class TestKannelDeliveryReports(Kannel, DeliveryReportSuite):
    status_cases = {"1": "delivered", "2": "failed", "4": "queued", "8": "sent", "16": "failed"}

    @pytest.mark.parametrize("code", ["0", "64", "-1", "delivered", "1.5"])
    def test_unknown_code_is_400_and_not_stored(self, code: str) -> None:
        response = self.call(self.status_request(raw_status=code), url_name="status")
        assert response.status_code == 400
        assert response.json()["field"] == "status"
        assert DeliveryReport.objects.count() == 0

    def test_failure_keeps_the_smsc_answer_and_the_raw_report(self) -> None:
        request = self.status_request(raw_status="16")
        request.data["status_text"] = "NACK/0x00000045/Submit failed"
        response = self.call(request, url_name="status", token_in="query")
        assert (response.status_code, response.content) == (200, b"")
        report = DeliveryReport.objects.get()
        assert (report.status, report.raw_status, report.error, report.external_id) == (
            "failed", "16", "NACK/0x00000045/Submit failed", "77")
        assert report.raw["smsc"] == "FAKE"
        assert report.raw["sms_id"] == "0a1b2c3d-0000-4000-8000-000000000001"
        assert "token" not in report.raw

    def test_escape_code_kannel_left_unfilled_is_empty(self) -> None:
        request = self.status_request()
        request.data["foreign_id"] = "%F"
        assert self.call(request, url_name="status").status_code == 200
        assert DeliveryReport.objects.get().external_id == ""


class TestKannelContract(Kannel, ContractSuite):
    per_identity_requests = False  # Kannel takes every recipient in one "to"
    secret_options = {"sendsms_params": SENDSMS_PARAMS}

    def outgoing_options(self, url: str) -> dict[str, Any]:
        return {"sendsms_url": url}

    def sent_identities(self, request: RecordedRequest) -> list[str]:
        return request.query["to"].split(" ")

    def sent_text(self, request: RecordedRequest) -> str:
        return sent_text(request)

    def refusing_answer(self, request: RecordedRequest, refused: str) -> Answer:
        # Kannel queues the rest and names the receivers it denied in its answer.
        return Answer(202, f"Sent. Denied receivers are: {refused} Message splits: 1")


class TestKannelOutgoing(Kannel, GatewaySuite):
    def install_kannel(self, **options: Any) -> Any:
        return self.install(sendsms_url=self.gateway.url, sendsms_params=SENDSMS_PARAMS,
                            **options)

    def test_gsm_text_goes_as_7_bit_utf8_with_the_sendsms_params(self) -> None:
        self.install_kannel()
        self.backend.send("m-1", "Price: £5 @ shop {ok}", ["+15550000001"], {})
        [request] = self.gateway.requests
        assert request.method == "GET"
        assert request.path == "/send"
        assert (request.query["coding"], request.query["charset"]) == ("0", "UTF-8")
        assert raw_text(request) == "Price: £5 @ shop {ok}".encode()
        assert {key: request.query[key] for key in SENDSMS_PARAMS} == SENDSMS_PARAMS
        assert "dlr-url" not in request.query and "dlr-mask" not in request.query

    def test_other_text_goes_as_ucs2_in_utf16be(self) -> None:
        self.install_kannel()
        self.backend.send("m-1", "Ça va? 日本", ["+15550000001"], {})
        [request] = self.gateway.requests
        assert (request.query["coding"], request.query["charset"]) == ("2", "UTF-16BE")
        assert raw_text(request) == CA_VA_UTF16BE

    def test_emoji_goes_as_a_surrogate_pair(self) -> None:
        self.install_kannel()
        self.backend.send("m-1", "ok 👍", ["+15550000001"], {})
        assert raw_text(self.gateway.requests[0]) == bytes.fromhex("006f 006b 0020 d83d dc4d")

    def test_recipients_share_one_request_joined_by_spaces(self) -> None:
        self.install_kannel()
        identities = ["+15550000001", "+15550000002", "+15550000003"]
        self.backend.send("m-1", "hi", identities, {})
        [request] = self.gateway.requests
        assert request.query["to"] == "+15550000001 +15550000002 +15550000003"

    def test_large_sends_are_split_into_requests_of_100(self) -> None:
        self.install_kannel()
        identities = [f"+1555{n:07d}" for n in range(250)]
        self.backend.send("m-1", "hi", identities, {})
        batches = [request.query["to"].split(" ") for request in self.gateway.requests]
        assert [len(batch) for batch in batches] == [100, 100, 50]
        assert sorted(i for batch in batches for i in batch) == identities

    def test_recipient_with_a_space_fails_alone(self) -> None:
        self.install_kannel()
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m-1", "hi", ["+15550000001", "+1 555 0000002"], {})
        assert caught.value.failed_identities == ["+1 555 0000002"]
        assert caught.value.retryable is False
        assert [request.query["to"] for request in self.gateway.requests] == ["+15550000001"]

    def test_recipients_kannel_denies_fail_permanently(self) -> None:
        self.install_kannel()
        self.gateway.answer = lambda request: Answer(
            202, "Sent. Denied receivers are: +15550000002 Message splits: 2")
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m-1", "hi", ["+15550000001", "+15550000002"], {})
        assert caught.value.failed_identities == ["+15550000002"]
        assert caught.value.retryable is False

    def test_only_the_recipients_kannel_could_not_queue_are_retried(self) -> None:
        self.install_kannel()
        self.gateway.answer = lambda request: Answer(
            500, "Sending failed. Failed receivers are: +15550000003")
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m-1", "hi", ["+15550000001", "+15550000002", "+15550000003"], {})
        assert caught.value.failed_identities == ["+15550000003"]
        assert caught.value.retryable is True

    def test_kannel_refusing_the_account_is_permanent(self) -> None:
        self.install_kannel()
        self.gateway.answer = lambda request: Answer(403, "Authorization failed for sendsms")
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m-1", "hi", ["+15550000001", "+15550000002"], {})
        assert caught.value.failed_identities == ["+15550000001", "+15550000002"]
        assert caught.value.retryable is False
        assert "kannel-sendsms-password" not in str(caught.value)
        assert "sendsms-user group" in str(caught.value)  # says what to check

    def test_configured_coding_and_charset_are_kept_when_the_text_fits(self) -> None:
        self.install_kannel(coding=2, charset="UTF-8")
        self.backend.send("m-1", "Ça va? 日本", ["+15550000001"], {})
        request = self.gateway.requests[0]
        assert (request.query["coding"], request.query["charset"]) == ("2", "UTF-8")
        assert raw_text(request) == "Ça va? 日本".encode()

    def test_dlr_mask_from_sendsms_params_wins(self) -> None:
        self.install(sendsms_params={"dlr-mask": 3}, delivery_report_url="http://testserver")
        self.backend.send("m-1", "hi", ["+15550000001"], {})
        assert self.gateway.requests[0].query["dlr-mask"] == "3"

    def test_lookalikes_are_substituted_when_asked(self) -> None:
        self.install_kannel(substitute_lookalikes=True)
        self.backend.send("m-1", "It’s “done” – thanks", ["+15550000001"], {})
        request = self.gateway.requests[0]
        assert request.query["coding"] == "0"
        assert raw_text(request) == b"It's \"done\" - thanks"

    def test_reply_goes_back_through_sendsms_and_kannel_gets_an_empty_body(self) -> None:
        self.install_kannel()
        response = self.call(self.inbound_request(text="echo Ça va? 日本"), token_in="query")
        assert response.status_code == 200
        assert response.content == b""
        [request] = self.gateway.requests
        assert request.query["to"] == "+15550000001"
        assert raw_text(request) == CA_VA_UTF16BE


class TestRapidSMS2Configuration(Kannel, GatewaySuite):
    """RapidSMS 2.x's documented settings: ascii, coding 0, encode_errors "ignore"."""

    def install_2x(self, **overrides: Any) -> Any:
        options = {"sendsms_url": self.gateway.url, "sendsms_params": SENDSMS_PARAMS,
                   "coding": 0, "charset": "ascii", "encode_errors": "ignore", **overrides}
        return self.install(**options)

    def test_accented_text_is_not_stripped(self) -> None:
        self.install_2x()
        self.backend.send("m-1", "Réunion à 15h", ["+15550000001"], {})
        request = self.gateway.requests[0]
        assert (request.query["coding"], request.query["charset"]) == ("2", "UTF-16BE")
        assert sent_text(request) == "Réunion à 15h"

    def test_ascii_text_goes_as_configured(self) -> None:
        self.install_2x()
        self.backend.send("m-1", "Meeting at 3pm", ["+15550000001"], {})
        request = self.gateway.requests[0]
        assert (request.query["coding"], request.query["charset"]) == ("0", "ascii")
        assert raw_text(request) == b"Meeting at 3pm"

    def test_ignore_is_reported_as_not_applied(self, caplog: Any) -> None:
        caplog.set_level(logging.WARNING, logger="rapidsms.backends.kannel")
        self.install_2x()
        assert "encode_errors='ignore' is not applied" in caplog.text

    def test_strict_refuses_text_the_charset_cannot_hold(self) -> None:
        self.install_2x(encode_errors="strict")
        with pytest.raises(MessageSendingError, match="cannot hold") as caught:
            self.backend.send("m-1", "Réunion", ["+15550000001"], {})
        assert caught.value.retryable is False
        assert self.gateway.requests == []


class TestKannelInbound(Kannel, GatewaySuite):
    def get(self, query: str) -> Any:
        return self.client.get(f"{reverse('gw-inbound')}?{query}&token={SECRET}")

    def test_ucs2_message_is_decoded_from_utf16be(self) -> None:
        text = quote_from_bytes(CA_VA_UTF16BE)
        response = self.get(f"id=%2B15550000001&text={text}&charset=UTF-16BE&coding=2")
        assert (response.status_code, response.content) == (200, b"")
        assert self.router.inbound[0].text == "Ça va? 日本"

    def test_coding_2_without_charset_is_utf16be(self) -> None:
        # U+4E0A has the byte 0x0A: Kannel's %a would split the text there, %b does not.
        data = "上 ok".encode("utf-16-be")
        self.get(f"id=%2B15550000001&text={quote_from_bytes(data)}&coding=2")
        assert self.router.inbound[0].text == "上 ok"

    def test_text_in_a_legacy_charset(self) -> None:
        self.get("id=%2B15550000001&text=caf%E9+%80&charset=WINDOWS-1252&coding=0")
        assert self.router.inbound[0].text == "café €"

    def test_utf8_text_keeps_plus_ampersand_and_percent(self) -> None:
        text = quote_from_bytes("1+1=2 & 100% sûr".encode())
        self.get(f"id=%2B15550000001&text={text}&charset=UTF-8&coding=0")
        assert self.router.inbound[0].text == "1+1=2 & 100% sûr"

    def test_text_that_is_not_its_charset_is_400_naming_text(self) -> None:
        response = self.get("id=%2B15550000001&text=caf%E9&charset=UTF-8&coding=0")
        assert response.status_code == 400
        assert response.json()["field"] == "text"
        assert "charset=%C" in response.json()["error"]
        assert self.router.inbound == []

    def test_kannel_fields_reach_the_apps(self) -> None:
        self.get("id=%2B15550000001&text=ping&msgid=0a1b-2c&smsc=FAKE&to=1234")
        assert self.router.inbound[0].fields == {"external_id": "0a1b-2c", "smsc": "FAKE",
                                                 "to": "1234"}

    def test_kannel_number_without_plus_is_normalised(self) -> None:
        self.install(default_region="NG")
        self.get("id=2348031234567&text=ping")
        assert self.router.inbound[0].connections[0].identity == "+2348031234567"


class TestKannelDeliveryReportFlow(Kannel, GatewaySuite):
    """A message sent with delivery reports, and Kannel calling back the dlr-url it got."""

    @pytest.fixture
    def received(self) -> Any:
        found: list[dict[str, Any]] = []

        def receiver(sender: Any, **kwargs: Any) -> None:
            found.append(kwargs)

        delivery_report.connect(receiver)
        yield found
        delivery_report.disconnect(receiver)

    def test_dlr_url_carries_token_message_id_and_kannel_codes(self) -> None:
        self.install(sendsms_url=self.gateway.url,
                     delivery_report_url="https://sms.example.org/backends/gw/status/")
        self.backend.send("m-42", "hi", ["+15550000001"], {})
        query = self.gateway.requests[0].query
        assert query["dlr-mask"] == "31"
        url = query["dlr-url"]
        assert url.startswith("https://sms.example.org/backends/gw/status/?message_id=m-42&token="
                              + SECRET + "&")
        for code in ("status=%d", "status_text=%A", "identity=%p", "foreign_id=%F",
                     "timestamp=%T", "smsc=%i", "sms_id=%I"):
            assert code in url

    def test_report_from_kannel_updates_the_message_status(self, received: list) -> None:
        self.install(sendsms_url=self.gateway.url, delivery_report_url="http://testserver")
        self.backend.send("m-42", "hi", ["+15550000001"], {})
        dlr_url = self.gateway.requests[0].query["dlr-url"]
        codes = {"p": "+15550000001", "i": "FAKE", "I": "0a1b", "F": "77", "T": "1735787045",
                 "t": "2025-01-02 03:04:05"}
        for kannel_code, text in (("8", "ACK/"), ("1", "id:77 stat:DELIVRD err:000")):
            response = self.client.get(kannel_fetches(dlr_url, d=kannel_code, A=text, **codes))
            assert (response.status_code, response.content) == (200, b"")
        assert [(r["message_id"], r["identity"], r["status"], r["raw_status"], r["external_id"])
                for r in received] == [
            ("m-42", "+15550000001", "sent", "8", "77"),
            ("m-42", "+15550000001", "delivered", "1", "77"),
        ]
        assert received[1]["raw"]["status_text"] == "id:77 stat:DELIVRD err:000"
        assert DeliveryReport.objects.filter(backend="gw", message_id="m-42").count() == 2

    def test_token_with_url_special_characters_survives_kannel(self) -> None:
        # Percent-encoded, "é" is %C3%A9: %C and %A are Kannel escape codes.
        secret = "clé+/=%&Ä-0123456789"
        self.install(sendsms_url=self.gateway.url, delivery_report_url="http://testserver",
                     inbound_secrets=[secret])
        self.backend.send("m-7", "hi", ["+15550000001"], {})
        dlr_url = self.gateway.requests[0].query["dlr-url"]
        response = self.client.get(kannel_fetches(dlr_url, d="1", p="+15550000001"))
        assert response.status_code == 200
        assert DeliveryReport.objects.get().message_id == "m-7"

    def test_site_address_without_the_status_url_mounted_is_a_clear_error(self) -> None:
        self.install(sendsms_url=self.gateway.url, delivery_report_url="http://testserver")
        with override_settings(ROOT_URLCONF=urlconf()):
            with pytest.raises(MessageSendingError, match="gw-status") as caught:
                self.backend.send("m-1", "hi", ["+15550000001"], {})
        assert caught.value.retryable is False
        assert self.gateway.requests == []


def urlconf(*patterns: Any) -> types.ModuleType:
    """Return a URLconf module holding ``patterns``."""
    module = types.ModuleType("kannel_test_urls")
    module.urlpatterns = list(patterns)  # type: ignore[attr-defined]
    return module


class TestRapidSMS2Names(Kannel, GatewaySuite):
    """Views, form and URL names of RapidSMS 2.x keep working, now secured."""

    backend_name = "kannel-backend"

    def urls_2x(self, *more: Any) -> Any:
        """Serve RapidSMS 2.x's Kannel URLs (and ``more``) instead of the mounted ones."""
        return override_settings(ROOT_URLCONF=urlconf(
            path("", include("rapidsms.backends.kannel.urls")), *more))

    def test_names_are_importable(self) -> None:
        assert KannelBackend.inbound_view == "rapidsms.backends.kannel.views.KannelBackendView"
        assert KannelBackend.status_view == "rapidsms.backends.kannel.views.KannelStatusView"
        assert KannelBackendView.form_class is KannelForm
        assert KannelBackendView.http_method_names == ["get"]
        assert issubclass(DeliveryReportView, KannelStatusView)
        with self.urls_2x():
            assert reverse("kannel-backend") == "/backend/kannel/"
            assert reverse("kannel-delivery-report") == "/delivery-report/"

    def test_inbound_url_of_2x(self) -> None:
        with self.urls_2x():
            response = self.client.get(
                f"/backend/kannel/?id=%2B15550000001&text=ping&token={SECRET}")
            unsigned = self.client.get("/backend/kannel/?id=%2B15550000001&text=ping")
        assert (response.status_code, response.content) == (200, b"")
        assert unsigned.status_code == 403
        assert [msg.text for msg in self.router.inbound] == ["ping"]

    def test_delivery_reports_through_the_2x_url(self) -> None:
        self.install(sendsms_url=self.gateway.url, delivery_report_url="http://testserver")
        with self.urls_2x():
            self.backend.send("m-9", "hi", ["+15550000001"], {})
            dlr_url = self.gateway.requests[0].query["dlr-url"]
            response = self.client.get(kannel_fetches(
                dlr_url, d="2", p="+15550000001", A="NACK/0x0000000b/Invalid destination"))
        assert dlr_url.startswith("http://testserver/delivery-report/?backend=kannel-backend&")
        assert response.status_code == 200
        report = DeliveryReport.objects.get()
        assert (report.backend, report.message_id, report.status, report.error) == (
            "kannel-backend", "m-9", "failed", "NACK/0x0000000b/Invalid destination")

    def test_2x_report_url_without_backend_picks_the_only_kannel_backend(self) -> None:
        with self.urls_2x():
            response = self.client.get(
                f"/delivery-report/?message_id=m-1&status=1&token={SECRET}")
        assert response.status_code == 200
        assert DeliveryReport.objects.get().backend == "kannel-backend"

    def test_2x_report_url_with_two_kannel_backends_needs_the_name(self) -> None:
        conf = {"ENGINE": ENGINE, "inbound_secrets": [SECRET]}
        self.mount({"kannel-backend": conf, "other": conf})
        with self.urls_2x():
            response = self.client.get(
                f"/delivery-report/?message_id=m-1&status=1&token={SECRET}")
            named = self.client.get(
                f"/delivery-report/?backend=other&message_id=m-1&status=1&token={SECRET}")
        assert response.status_code == 404
        assert "backend=<name>" in response.json()["error"]
        assert named.status_code == 200
        assert DeliveryReport.objects.get().backend == "other"

    def test_2x_report_url_cannot_name_a_backend_that_is_not_kannel(self) -> None:
        self.mount({"kannel-backend": {"ENGINE": ENGINE, "inbound_secrets": [SECRET]},
                    "open": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"}})
        with self.urls_2x():
            response = self.client.get("/delivery-report/?backend=open&message_id=m-1&status=1")
        assert response.status_code == 404
        assert DeliveryReport.objects.count() == 0

    def test_new_urls_work_alongside(self) -> None:
        mounted = backend_urlpatterns({"kannel-backend": {"ENGINE": ENGINE}})
        with self.urls_2x(path("backends/", include(mounted))):
            assert reverse("kannel-backend-inbound") == "/backends/kannel-backend/"
            assert reverse("kannel-backend-status") == "/backends/kannel-backend/status/"
            assert reverse("kannel-backend") == "/backend/kannel/"


@pytest.mark.parametrize("raw, status", [
    ("1", "delivered"), ("2", "failed"), ("4", "queued"), ("8", "sent"), ("16", "failed"),
    ("9", "delivered"), ("12", "sent"), (" 4 ", "queued"),
    ("0", None), ("32", None), ("64", None), ("x", None), ("", None),
])
def test_report_codes(raw: str, status: str | None) -> None:
    assert status_for_code(raw) == status


@pytest.mark.parametrize("option, value", [
    ("sendsms_url", "ftp://kannel"), ("sendsms_url", "127.0.0.1:13013"),
    ("sendsms_params", "username=x"), ("sendsms_params", {"to": "+1555"}),
    ("sendsms_params", {"charset": "UTF-8"}), ("sendsms_params", {"dlr-url": "http://x"}),
    ("charset", "klingon"), ("coding", 3), ("coding", "two"), ("coding", True),
    ("encode_errors", "bogus"), ("delivery_report_url", "sms.example.org"),
    ("inbound_secrets", [""]),
])
def test_bad_option_is_refused_naming_it(option: str, value: Any) -> None:
    with pytest.raises(ImproperlyConfigured, match=option):
        KannelBackend(None, "kannel", **{option: value})


def test_defaults_match_rapidsms_2x() -> None:
    backend = KannelBackend(None, "kannel")
    assert backend.sendsms_url == "http://127.0.0.1:13013/cgi-bin/sendsms"
    assert (backend.sendsms_params, backend.charset, backend.coding, backend.encode_errors,
            backend.delivery_report_url) == ({}, None, None, None, None)


# Hostile requests --------------------------------------------------------------

query_names = st.sampled_from(["id", "text", "charset", "coding", "msgid", "smsc", "to",
                               "status", "message_id", "identity", "foreign_id", "status_text",
                               "backend"]) | st.text(max_size=6)
query_values = (
    st.binary(max_size=60)
    | st.sampled_from([b"+15550000001", b"2348031234567", b"ping", CA_VA_UTF16BE, b"\x00",
                       b"\xd8\x00", b"%F", b"1", b"16", b"64", b"", b"UTF-16BE", b"UTF-16",
                       b"WINDOWS-1252", b"8-BIT", b"klingon", b"0", b"2"])
    | st.text(max_size=30).map(lambda text: text.encode("utf-8", "surrogatepass"))
)


@st.composite
def kannel_requests(draw: Any) -> dict[str, Any]:
    fields = draw(st.dictionaries(query_names, query_values, max_size=7))
    if draw(st.booleans()):  # half look like Kannel's, with hostile values mixed in
        plausible = st.sampled_from([b"ping", "Ça va".encode(), b"echo hi"]) | query_values
        fields.setdefault("id", draw(st.sampled_from([b"+15550000001", b"08031234567"])))
        fields.setdefault("text", draw(plausible))
        fields.setdefault("status", draw(st.sampled_from([b"1", b"2", b"8"]) | query_values))
    return {
        "method": draw(st.sampled_from(["GET"] * 5 + ["POST", "HEAD"])),
        "status": draw(st.booleans()),
        "fields": fields,
        "token": draw(st.sampled_from(["query", "query", "header", "none", "wrong"])),
    }


@pytest.fixture
def kannel_target(mount: Any, gateway: Any) -> Any:
    return mount({"gw": {"ENGINE": ENGINE, "inbound_secrets": [SECRET], "default_region": "NG",
                         "sendsms_url": gateway.url}})


@settings(max_examples=250, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(request=kannel_requests())
def test_hostile_kannel_requests_never_fail_and_never_route_when_refused(
    kannel_target: Any, request: dict[str, Any]
) -> None:
    router = kannel_target
    before = (len(router.inbound), DeliveryReport.objects.count())
    pairs = [(quote_plus(name), quote_from_bytes(value))
             for name, value in request["fields"].items() if name != "token"]
    headers = {}
    if request["token"] == "query":
        pairs.append(("token", SECRET))
    elif request["token"] == "header":
        headers["X-RapidSMS-Token"] = SECRET
    elif request["token"] == "wrong":
        pairs.append(("token", SECRET[:-1]))
    url = "/backends/gw/" + ("status/" if request["status"] else "")
    url += "?" + "&".join(f"{name}={value}" for name, value in pairs)
    response = Client().generic(request["method"], url, headers=headers)
    event(f"{'status' if request['status'] else 'inbound'} answered {response.status_code}")
    assert response.status_code < 500, response.content
    if response.status_code != 200:
        assert (len(router.inbound), DeliveryReport.objects.count()) == before
    elif request["method"] == "GET" and not request["status"]:
        assert response.content == b""
    if request["token"] in ("none", "wrong") and request["method"] == "GET":
        assert response.status_code == 403

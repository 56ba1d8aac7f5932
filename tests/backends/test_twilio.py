"""The Twilio gateway: the shared suites, Twilio's API against a local server, signed webhooks."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import string
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapidsms.backends.inbound.checks import check_inbound_secrets
from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.backends.twilio import TwilioBackend, TwilioSendingError
from rapidsms.backends.twilio.signature import compute_signature, signature_matches
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
from tests.durable.processes import missing

ENGINE = "rapidsms.backends.twilio.TwilioBackend"
ACCOUNT_SID = "AC0123456789abcdef0123456789abcdef"
AUTH_TOKEN = "twilio-auth-token-5f4dcc3b5aa765d6"
SERVICE_SID = "MG0123456789abcdef0123456789abcdef"
FROM = "+15017122661"
DATA = Path(__file__).parent / "data" / "twilio"
FORM = "application/x-www-form-urlencoded"


def data_file(name: str) -> str:
    return (DATA / name).read_text(encoding="utf-8")


def form_file(name: str) -> dict[str, str]:
    return dict(parse_qsl(data_file(name), keep_blank_values=True))


def expected_signature(token: str, url: str, params: dict[str, str]) -> str:
    """Twilio's documented algorithm, written out here independently of the backend.

    The URL, then each parameter name immediately followed by its value in
    name order, HMAC-SHA1 with the auth token, base64.
    """
    text = url
    for name in sorted(params):
        text += name + params[name]
    mac = hmac.new(token.encode(), text.encode(), hashlib.sha1)
    return base64.b64encode(mac.digest()).decode()


def signed(request: GatewayRequest, url: str, token: str = AUTH_TOKEN) -> GatewayRequest:
    """Return ``request`` with the signature Twilio would send to ``url``."""
    params = {}
    if request.method == "POST" and request.content_type == FORM and isinstance(request.data,
                                                                                  dict):
        params = {name: str(value) for name, value in request.data.items()}
    headers = {**request.headers, "X-Twilio-Signature": expected_signature(token, url, params)}
    return GatewayRequest(request.method, request.data, request.content_type, request.query,
                          headers)


class Twilio:
    engine = ENGINE
    options = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": FROM}
    identity_field = "From"
    text_field = "Body"
    signs = True

    def inbound_request(self, identity: str | None = "+15550000001", text: str | None = "ping",
                        external_id: str | None = "gw-1") -> GatewayRequest:
        data = {"MessageSid": external_id, "SmsSid": external_id, "AccountSid": ACCOUNT_SID,
                "From": identity, "To": FROM, "Body": text, "NumMedia": "0",
                "NumSegments": "1", "ApiVersion": "2010-04-01"}
        return GatewayRequest(data={k: v for k, v in data.items() if v is not None})

    def status_request(self, message_id: str = "m-1", identity: str = "+15550000001",
                       raw_status: str = "delivered") -> GatewayRequest:
        data = {"MessageSid": "SM8a5b0c6d7e8f9a0b1c2d3e4f5a6b7c8d", "MessageStatus": raw_status,
                "SmsStatus": raw_status, "To": identity, "From": FROM,
                "AccountSid": ACCOUNT_SID, "ApiVersion": "2010-04-01"}
        return GatewayRequest(data=data, query={"message_id": message_id})

    def sign(self, request: GatewayRequest, url: str) -> GatewayRequest:
        return signed(request, url)

    def install(self, engine: Any = None, **overrides: Any) -> Any:
        # Replies to routed messages go to the local server, never to Twilio.
        overrides.setdefault("api_url", self.api_url)
        return super().install(engine, **overrides)

    @property
    def api_url(self) -> str:
        return self.gateway.url.rsplit("/", 1)[0]


class TestTwilioInboundSecurity(Twilio, InboundSecuritySuite):
    pass


class TestTwilioMalformedInput(Twilio, MalformedInputSuite):
    pass


class TestTwilioDeliveryReports(Twilio, DeliveryReportSuite):
    status_cases = {"accepted": "queued", "queued": "queued", "sending": "queued",
                    "sent": "sent", "delivered": "delivered", "undelivered": "failed",
                    "failed": "failed"}

    def test_error_code_and_raw_payload_are_kept(self) -> None:
        data = form_file("status-undelivered.form")
        request = GatewayRequest(data=data, query={"message_id": "m-7"})
        response = self.call(request, url_name="status", token_in="query")
        assert response.status_code == 200, response.content
        report = DeliveryReport.objects.get()
        assert (report.status, report.raw_status, report.error) == (
            "failed", "undelivered", "30003")
        assert (report.message_id, report.external_id, report.identity) == (
            "m-7", "SM8a5b0c6d7e8f9a0b1c2d3e4f5a6b7c8d", "+14155550123")
        assert report.raw == data  # everything Twilio sent, and not our token

    def test_unknown_status_is_400_naming_the_field(self) -> None:
        response = self.call(self.status_request(raw_status="smoke-signals"), url_name="status")
        assert response.status_code == 400
        assert response.json()["field"] == "MessageStatus"
        assert DeliveryReport.objects.count() == 0

    def test_status_callback_from_a_sent_message_reaches_its_report(self) -> None:
        self.install(api_url=self.api_url, public_url="https://sms.example.org",
                     status_callback=True)
        self.gateway.answer = lambda request: Answer(201, data_file("message-queued.json"))
        self.backend.send("m-42", "hello", ["+15550000001"], {})
        callback = self.gateway.requests[0].form["StatusCallback"]
        assert callback == ("https://sms.example.org/backends/gw/status/?message_id=m-42&token="
                            + SECRET)
        # Twilio calls exactly that URL and signs it.
        parts = urlsplit(callback)
        request = GatewayRequest(data=self.status_request(raw_status="delivered").data)
        request = signed(request, callback)
        response = self.client.post(f"{parts.path}?{parts.query}", urlencode(request.data),
                                    content_type=FORM, headers=request.headers)
        assert response.status_code == 200, response.content
        report = DeliveryReport.objects.get()
        assert (report.message_id, report.status) == ("m-42", "delivered")


class TestTwilioContract(Twilio, ContractSuite):
    def outgoing_options(self, url: str) -> dict[str, Any]:
        return {"api_url": url}

    def sent_identities(self, request: RecordedRequest) -> list[str]:
        return [request.form["To"]]

    def sent_text(self, request: RecordedRequest) -> str:
        return request.form["Body"]


class TestTwilioOutgoing(Twilio, GatewaySuite):
    """Twilio's Messages API, played by a real HTTP server on 127.0.0.1."""

    def install_api(self, **options: Any) -> None:
        self.install(api_url=self.api_url, **options)
        self.gateway.answer = lambda request: Answer(201, data_file("message-queued.json"))

    def test_one_authenticated_form_request_per_identity(self) -> None:
        self.install_api()
        self.backend.send("m-1", "hello", ["+15550000001", "+15550000002"], {})
        assert [r.form for r in self.gateway.requests] == [
            {"To": "+15550000001", "From": FROM, "Body": "hello"},
            {"To": "+15550000002", "From": FROM, "Body": "hello"},
        ]
        credentials = base64.b64encode(f"{ACCOUNT_SID}:{AUTH_TOKEN}".encode()).decode()
        for request in self.gateway.requests:
            assert request.method == "POST"
            assert request.path == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json"
            assert request.headers["authorization"] == f"Basic {credentials}"
            assert request.headers["content-type"] == FORM

    def test_messaging_service_replaces_the_from_number(self) -> None:
        self.install_api(from_number=None, messaging_service_sid=SERVICE_SID)
        self.backend.send("m-1", "hello", ["+15550000001"], {})
        assert self.gateway.requests[0].form == {"To": "+15550000001", "Body": "hello",
                                                 "MessagingServiceSid": SERVICE_SID}

    def test_unicode_body_is_sent_unchanged(self) -> None:
        self.install_api()
        text = "Ẹ ku àárọ̀ “quoted” — Здравствуйте 👋🏽 " + "x" * 200
        self.backend.send("m-1", text, ["+15550000001"], {})
        assert self.gateway.requests[0].form["Body"] == text

    def test_invalid_number_fails_only_that_identity_permanently(self) -> None:
        self.install_api()
        self.gateway.answer = lambda request: (
            Answer(400, data_file("error-21211.json"))
            if request.form["To"] == "+15550000002"
            else Answer(201, data_file("message-queued.json"))
        )
        with pytest.raises(TwilioSendingError) as caught:
            self.backend.send("m-1", "hi", ["+15550000001", "+15550000002", "+15550000003"], {})
        error = caught.value
        assert error.failed_identities == ["+15550000002"]
        assert (error.code, error.status, error.retryable) == (21211, 400, False)
        assert error.more_info == "https://www.twilio.com/docs/errors/21211"
        assert "error 21211" in str(error) and "not a valid phone number" in str(error)
        assert len(self.gateway.requests) == 3  # the others were still sent

    def test_unsubscribed_recipient_is_permanent_and_flagged(self) -> None:
        self.install_api()
        self.gateway.answer = lambda request: Answer(400, data_file("error-21610.json"))
        with pytest.raises(TwilioSendingError) as caught:
            self.backend.send("m-1", "hi", ["+15550000001"], {})
        assert caught.value.unsubscribed is True
        assert caught.value.retryable is False

    @pytest.mark.parametrize("status, payload", [(429, "error-20429.json"),
                                                 (400, "error-21611.json")])
    def test_rate_limits_are_retryable(self, status: int, payload: str) -> None:
        self.install_api()
        self.gateway.answer = lambda request: Answer(status, data_file(payload))
        with pytest.raises(TwilioSendingError) as caught:
            self.backend.send("m-1", "hi", ["+15550000001"], {})
        assert caught.value.retryable is True
        assert caught.value.failed_identities == ["+15550000001"]

    def test_server_error_without_json_is_retryable(self) -> None:
        self.install_api()
        self.gateway.answer = lambda request: Answer(503, "<html>Service Unavailable</html>")
        with pytest.raises(TwilioSendingError) as caught:
            self.backend.send("m-1", "hi", ["+15550000001"], {})
        assert (caught.value.code, caught.value.retryable) == (None, True)
        assert "HTTP 503" in str(caught.value)

    def test_status_callback_url_option_is_used_as_given(self) -> None:
        self.install_api(status_callback="https://hooks.example.org/twilio/status/")
        self.backend.send("m-9", "hi", ["+15550000001"], {})
        assert self.gateway.requests[0].form["StatusCallback"] == (
            "https://hooks.example.org/twilio/status/?message_id=m-9&token=" + SECRET)

    def test_no_status_callback_by_default(self) -> None:
        self.install_api()
        self.backend.send("m-9", "hi", ["+15550000001"], {})
        assert "StatusCallback" not in self.gateway.requests[0].form

    def test_auth_token_never_reaches_the_error(self) -> None:
        self.install_api()
        self.gateway.answer = lambda request: Answer(
            401, json.dumps({"code": 20003, "message": f"Authenticate {AUTH_TOKEN}"}))
        with pytest.raises(TwilioSendingError) as caught:
            self.backend.send("m-1", "hi", ["+15550000001"], {})
        assert AUTH_TOKEN not in str(caught.value)
        assert caught.value.code == 20003


class TestTwilioWebhooks(Twilio, GatewaySuite):
    """Signed requests to the inbound URL, as Twilio makes them."""

    def post(self, data: dict[str, str], *, signed_for: str | None = None,
             path: str = "/backends/gw/", token: str = AUTH_TOKEN,
             headers: dict[str, str] | None = None) -> Any:
        request = GatewayRequest(data=data)
        if signed_for is not None:
            request = signed(request, signed_for, token)
        return self.client.post(path, urlencode(data), content_type=FORM,
                                headers={**request.headers, **(headers or {})})

    def test_the_signature_alone_is_enough(self) -> None:
        self.install(inbound_secrets=None)
        data = form_file("inbound-sms.form")
        response = self.post(data, signed_for="http://testserver/backends/gw/")
        assert response.status_code == 200, response.content
        [msg] = self.router.inbound
        assert (msg.connections[0].identity, msg.text) == ("+14155550123", "Bonjour à tous 👋")
        assert msg.fields["external_id"] == "SM1f0e8ae6ade43cb3c0ce4525424e404f"
        assert msg.fields["to"] == FROM
        assert msg.fields["twilio"]["FromCity"] == "SAN FRANCISCO"

    def test_answer_is_empty_twiml(self) -> None:
        self.install(inbound_secrets=None)
        response = self.post(form_file("inbound-sms.form"),
                             signed_for="http://testserver/backends/gw/")
        assert response["Content-Type"].startswith("text/xml")
        assert response.content.decode().endswith("<Response/>")

    @pytest.mark.parametrize("how", ["other token", "other url", "tampered body", "missing"])
    def test_bad_signature_is_403_and_not_routed(self, how: str) -> None:
        self.install(inbound_secrets=None)
        data = form_file("inbound-sms.form")
        url, token = "http://testserver/backends/gw/", AUTH_TOKEN
        if how == "other token":
            token = "not-the-auth-token"
        elif how == "other url":
            url = "http://testserver/backends/other/"
        if how == "tampered body":
            request = signed(GatewayRequest(data=data), url)
            response = self.post({**data, "Body": "send money"}, headers=request.headers)
        else:
            response = self.post(data, signed_for=None if how == "missing" else url,
                                 token=token)
        assert response.status_code == 403
        assert "signature" in response.json()["error"]
        assert self.router.inbound == []

    def test_public_url_is_what_the_signature_is_checked_against(self) -> None:
        self.install(inbound_secrets=None, public_url="https://sms.example.org/")
        data = form_file("inbound-sms.form")
        # Behind a proxy Django sees http://testserver; Twilio signed the public URL.
        assert self.post(data, signed_for="http://testserver/backends/gw/").status_code == 403
        response = self.post(data, signed_for="https://sms.example.org/backends/gw/")
        assert response.status_code == 200
        assert len(self.router.inbound) == 1

    def test_default_port_in_the_signed_url_is_accepted(self) -> None:
        self.install(inbound_secrets=None, public_url="https://sms.example.org")
        response = self.post(form_file("inbound-sms.form"),
                             signed_for="https://sms.example.org:443/backends/gw/")
        assert response.status_code == 200

    def test_get_webhook_is_signed_over_the_url(self) -> None:
        self.install(inbound_secrets=None)
        query = urlencode(form_file("inbound-sms.form"))
        url = f"http://testserver/backends/gw/?{query}"
        signature = expected_signature(AUTH_TOKEN, url, {})
        response = self.client.get(f"/backends/gw/?{query}",
                                   headers={"X-Twilio-Signature": signature})
        assert response.status_code == 200
        assert self.router.inbound[0].text == "Bonjour à tous 👋"

    def test_json_body_must_match_its_hash_and_is_not_read(self) -> None:
        self.install(inbound_secrets=None)
        body = json.dumps({"From": "+15550000001", "Body": "ping"}).encode()
        digest = hashlib.sha256(body).hexdigest()
        for body_hash, status in ((digest, 400), ("0" * 64, 403)):
            path = f"/backends/gw/?bodySHA256={body_hash}"
            signature = expected_signature(AUTH_TOKEN, "http://testserver" + path, {})
            response = self.client.post(path, body, content_type="application/json",
                                        headers={"X-Twilio-Signature": signature})
            assert response.status_code == status, response.content
        assert self.router.inbound == []

    def test_picture_without_text_is_routed_with_its_media(self) -> None:
        self.install(inbound_secrets=None)
        response = self.post(form_file("inbound-mms.form"),
                             signed_for="http://testserver/backends/gw/")
        assert response.status_code == 200, response.content
        [msg] = self.router.inbound
        url = ("https://api.twilio.com/2010-04-01/Accounts/AC0123456789abcdef0123456789abcdef"
               "/Messages/MM7c4d9e2b1a0f3e5d6c7b8a9f0e1d2c3b/Media/"
               "ME0123456789abcdef0123456789abcdef")
        assert msg.text == url
        assert msg.fields["media"] == [{"url": url, "content_type": "image/jpeg"}]
        assert msg.fields["twilio"]["Body"] == ""

    def test_reply_goes_out_through_the_api(self) -> None:
        self.install(inbound_secrets=None, api_url=self.api_url)
        self.gateway.answer = lambda request: Answer(201, data_file("message-queued.json"))
        data = {**form_file("inbound-sms.form"), "Body": "echo merci beaucoup"}
        response = self.post(data, signed_for="http://testserver/backends/gw/")
        assert response.status_code == 200
        assert [(r.form["To"], r.form["Body"]) for r in self.gateway.requests] == [
            ("+14155550123", "merci beaucoup")]

    def test_no_system_check_warning_without_inbound_secrets(self) -> None:
        backends = {"sms": {"ENGINE": ENGINE, **self.options}}
        with override_settings(INSTALLED_BACKENDS=backends):
            assert check_inbound_secrets() == []

    @settings(max_examples=120, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.dictionaries(
        st.sampled_from(["From", "Body", "MessageSid", "To", "NumMedia", "MediaUrl0",
                         "MediaContentType0", "MediaUrl12"]) | st.text(max_size=6),
        st.text(max_size=30) | st.sampled_from(["+15550000001", "", "\x00", "0803 123 4567"]),
        max_size=7,
    ))
    def test_signed_hostile_forms_never_fail_or_route_when_refused(self,
                                                                  data: dict[str, str]) -> None:
        before = len(self.router.inbound)
        response = self.post(data, signed_for="http://testserver/backends/gw/?token=" + SECRET,
                             path="/backends/gw/?token=" + SECRET)
        assert response.status_code in (200, 400), response.content
        if response.status_code == 400:
            assert len(self.router.inbound) == before


class TestSignatureAlgorithm:
    def test_twilio_documented_example(self) -> None:
        # The example of Twilio's security documentation: auth token 12345.
        params = {"CallSid": "CA1234567890ABCDE", "Caller": "+12349013030", "Digits": "1234",
                  "From": "+12349013030", "To": "+18005551212"}
        url = "https://mycompany.com/myapp.php?foo=1&bar=2"
        assert compute_signature("12345", url, params.items()) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="
        assert expected_signature("12345", url, params) == "0/KCTR6DLpKmkAf8muzZqo1nDgQ="

    def test_known_answer_with_unicode_and_case_sorted_names(self) -> None:
        params = {"body": "lower", "Body": "Ẹ ku àárọ̀ 👋", "From": "+15550000001", "A": ""}
        url = "https://sms.example.org/backends/twilio/?token=abc"
        # Computed by hand: url + "A" + "" + "Body" + ... + "body" + "lower", HMAC-SHA1, base64.
        text = url + "A" + "Body" + "Ẹ ku àárọ̀ 👋" + "From" + "+15550000001" + "body" + "lower"
        digest = hmac.new(b"secret-token", text.encode("utf-8"), hashlib.sha1).digest()
        expected = base64.b64encode(digest).decode()
        assert compute_signature("secret-token", url, params.items()) == expected
        assert signature_matches(expected, "secret-token", url, params.items())
        assert not signature_matches(expected, "secret-token", url + "&x=1", params.items())

    def test_repeated_names_are_sorted_by_value_too(self) -> None:
        url = "https://example.org/"
        pairs = [("MediaUrl", "b"), ("MediaUrl", "a")]
        digest = hmac.new(b"t", (url + "MediaUrla" + "MediaUrlb").encode(), hashlib.sha1).digest()
        assert compute_signature("t", url, pairs) == base64.b64encode(digest).decode()

    def test_port_variants(self) -> None:
        with_port = compute_signature("t", "https://example.org:443/hook?x=1")
        assert signature_matches(with_port, "t", "https://example.org/hook?x=1")
        other_port = compute_signature("t", "https://example.org:8443/hook")
        assert not signature_matches(other_port, "t", "https://example.org/hook")


@pytest.mark.parametrize("overrides, mentions", [
    ({"account_sid": None}, "account_sid"),
    ({"account_sid": AUTH_TOKEN}, "account_sid"),
    ({"auth_token": None}, "auth_token"),
    ({"auth_token": ""}, "auth_token"),
    ({"from_number": None}, "exactly one of from_number"),
    ({"messaging_service_sid": SERVICE_SID}, "exactly one of from_number"),
    ({"from_number": None, "messaging_service_sid": "MG-not-a-sid"}, "messaging_service_sid"),
    ({"status_callback": True}, "public_url"),
    ({"status_callback": "ftp://example.org"}, "status_callback"),
    ({"status_callback": "yes"}, "status_callback"),
    ({"public_url": "sms.example.org"}, "public_url"),
    ({"api_url": "api.twilio.com"}, "api_url"),
    ({"sender": FROM}, "sender"),
])
def test_bad_configuration_is_refused_clearly(overrides: dict[str, Any], mentions: str) -> None:
    options = {"account_sid": ACCOUNT_SID, "auth_token": AUTH_TOKEN, "from_number": FROM,
               **overrides}
    with pytest.raises(ImproperlyConfigured, match=mentions) as caught:
        TwilioBackend(None, "sms", **options)
    assert "'sms'" in str(caught.value)
    assert AUTH_TOKEN not in str(caught.value)


def test_status_callback_true_without_mounted_urls_says_what_to_do(settings: Any) -> None:
    settings.ROOT_URLCONF = "tests.backends.test_twilio"
    backend = TwilioBackend(None, "sms", account_sid=ACCOUNT_SID, auth_token=AUTH_TOKEN,
                            from_number=FROM, public_url="https://sms.example.org",
                            status_callback=True)
    with pytest.raises(ImproperlyConfigured, match="rapidsms.backends.urls"):
        backend.prepare_request("m-1", "hi", ["+15550000001"], {})


urlpatterns: list[Any] = []  # an URLconf without the backend URLs, for the test above


@pytest.fixture
def twilio_validator() -> Any:
    """Return Twilio's own ``RequestValidator`` for the auth token (the ``twilio`` package)."""
    try:
        from twilio.request_validator import RequestValidator
    except ImportError:
        missing("Twilio's library is a test dependency: pip install twilio")
    return RequestValidator(AUTH_TOKEN)


#: (signed URL, path requested, public_url, proxy headers): Twilio signs the first;
#: Django sees the path, behind the proxy headers when there are some.
SIGNED_WEBHOOKS = {
    "plain": ("http://testserver/backends/gw/", "/backends/gw/", None, {}),
    "query string": ("http://testserver/backends/gw/?channel=sms&lang=fr&x=%C3%A9+a",
                     "/backends/gw/?channel=sms&lang=fr&x=%C3%A9+a", None, {}),
    "public url with a port": ("https://sms.example.org:8443/backends/gw/?x=1",
                               "/backends/gw/?x=1", "https://sms.example.org:8443", {}),
    "default port signed": ("https://sms.example.org:443/backends/gw/", "/backends/gw/",
                            "https://sms.example.org", {}),
    "port left out of the signature": ("https://sms.example.org/backends/gw/", "/backends/gw/",
                                       "https://sms.example.org:8443", {}),
    "proxy": ("https://sms.example.org/backends/gw/?x=1", "/backends/gw/?x=1", None,
              {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "sms.example.org"}),
    "proxy with a port": ("https://sms.example.org:8443/backends/gw/", "/backends/gw/", None,
                          {"X-Forwarded-Proto": "https",
                           "X-Forwarded-Host": "sms.example.org:8443"}),
}
#: What a request line can hold: unreserved and reserved characters, and percent escapes.
#: Not ";": Twilio's library rebuilds the URL with urlparse, which drops a trailing ";".
URL_CHARACTERS = string.ascii_letters + string.digits + "-._~:/[]@!$&'()*+,=%"
#: What the docs tell a project behind a proxy to set when it does not set public_url.
PROXY_SETTINGS = {"SECURE_PROXY_SSL_HEADER": ("HTTP_X_FORWARDED_PROTO", "https"),
                  "USE_X_FORWARDED_HOST": True,
                  "ALLOWED_HOSTS": ["testserver", "sms.example.org"]}


def public_request_url(public_url: str | None, path: str, headers: dict[str, str]) -> str:
    """Return the URL Twilio called, as a server behind the proxy would rebuild it."""
    if public_url:
        return public_url + path
    if headers:
        return f"{headers['X-Forwarded-Proto']}://{headers['X-Forwarded-Host']}{path}"
    return "http://testserver" + path


class TestTwilioOwnValidator(Twilio, GatewaySuite):
    """Webhooks signed by Twilio's own library, and our signatures checked by it."""

    @pytest.mark.parametrize("case", SIGNED_WEBHOOKS)
    def test_a_webhook_signed_by_twilios_library_is_accepted(self, case: str,
                                                            twilio_validator: Any) -> None:
        signed_url, path, public_url, headers = SIGNED_WEBHOOKS[case]
        self.install(inbound_secrets=None, public_url=public_url)
        data = form_file("inbound-sms.form")
        signature = twilio_validator.compute_signature(signed_url, data)
        # Twilio's library itself takes this request as Twilio's:
        assert twilio_validator.validate(public_request_url(public_url, path, headers), data,
                                         signature)
        with override_settings(**PROXY_SETTINGS):
            response = self.client.post(path, urlencode(data), content_type=FORM,
                                        headers={"X-Twilio-Signature": signature, **headers})
        assert response.status_code == 200, response.content
        assert [msg.text for msg in self.router.inbound] == ["Bonjour à tous 👋"]

    def test_proxy_headers_count_only_where_the_project_trusts_them(
        self, twilio_validator: Any,
    ) -> None:
        self.install(inbound_secrets=None)
        data = form_file("inbound-sms.form")
        signature = twilio_validator.compute_signature("https://sms.example.org/backends/gw/",
                                                       data)
        response = self.client.post("/backends/gw/", urlencode(data), content_type=FORM,
                                    headers={"X-Twilio-Signature": signature,
                                             "X-Forwarded-Proto": "https",
                                             "X-Forwarded-Host": "sms.example.org"})
        assert response.status_code == 403
        assert self.router.inbound == []

    def test_a_get_webhook_signed_by_twilios_library(self, twilio_validator: Any) -> None:
        self.install(inbound_secrets=None)
        path = f"/backends/gw/?{urlencode(form_file('inbound-sms.form'))}"
        signature = twilio_validator.compute_signature("http://testserver" + path, {})
        response = self.client.get(path, headers={"X-Twilio-Signature": signature})
        assert response.status_code == 200
        assert self.router.inbound[0].text == "Bonjour à tous 👋"

    def test_a_json_body_signed_by_twilios_library_is_checked_by_its_hash(
        self, twilio_validator: Any,
    ) -> None:
        self.install(inbound_secrets=None)
        body = json.dumps({"From": "+15550000001", "Body": "ping"})
        path = f"/backends/gw/?bodySHA256={twilio_validator.compute_hash(body)}"
        signature = twilio_validator.compute_signature("http://testserver" + path, {})
        assert twilio_validator.validate("http://testserver" + path, body, signature)
        response = self.client.post(path, body, content_type="application/json",
                                    headers={"X-Twilio-Signature": signature})
        assert response.status_code == 400  # signed, but Twilio's JSON is not a message
        tampered = self.client.post(path, body.replace("ping", "pong"),
                                    content_type="application/json",
                                    headers={"X-Twilio-Signature": signature})
        assert tampered.status_code == 403
        assert self.router.inbound == []

    @settings(max_examples=200, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(
        scheme=st.sampled_from(["http", "https"]),
        port=st.sampled_from(["", ":80", ":443", ":8443"]),
        path=st.text(URL_CHARACTERS.replace("?", ""), max_size=12),
        query=st.text(URL_CHARACTERS + "?", max_size=12),
        params=st.dictionaries(st.text(max_size=8), st.text(max_size=20), max_size=6),
    )
    def test_twilios_library_accepts_the_signatures_we_compute(
        self, twilio_validator: Any, scheme: str, port: str, path: str, query: str,
        params: dict[str, str],
    ) -> None:
        if any(0xD800 <= ord(c) <= 0xDFFF for c in "".join([*params, *params.values()])):
            return  # Twilio's library cannot encode a lone surrogate; Twilio never sends one
        url = f"{scheme}://sms.example.org{port}/{path}" + (f"?{query}" if query else "")
        ours = compute_signature(AUTH_TOKEN, url, params.items())
        assert ours == twilio_validator.compute_signature(url, params)
        assert twilio_validator.validate(url, params, ours)
        assert signature_matches(twilio_validator.compute_signature(url, params), AUTH_TOKEN,
                                 url, params.items())

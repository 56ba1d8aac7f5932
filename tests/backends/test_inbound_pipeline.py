"""The inbound pipeline's parts: one authentication chain for every gateway, one intake."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from django.http import HttpRequest
from django.test import Client
from django.utils.module_loading import import_string

from rapidsms.backends.http.views import GenericHttpBackendView
from rapidsms.backends.inbound import views as inbound_views
from rapidsms.backends.inbound.auth import Authenticator, GatewaySignature, SharedSecret
from rapidsms.backends.inbound.intake import Intake
from rapidsms.errors import Forbidden
from tests.rapidpro import conftest as rapidpro

# The RapidPro sandbox and a backend on it, for the poller.
install_backend, received, sandbox = rapidpro.install_backend, rapidpro.received, rapidpro.sandbox

SECRET = "pipeline-secret-0123456789"
AUTH_TOKEN = "pipeline-twilio-auth-token"
NOWHERE = "http://127.0.0.1:9"
GATEWAYS: dict[str, dict[str, Any]] = {
    "http": {"ENGINE": "rapidsms.backends.http.GenericHttpBackend"},
    "kannel": {"ENGINE": "rapidsms.backends.kannel.KannelBackend", "sendsms_url": NOWHERE},
    "vumi": {"ENGINE": "rapidsms.backends.vumi.VumiBackend", "sendsms_url": NOWHERE},
    "twilio": {"ENGINE": "rapidsms.backends.twilio.TwilioBackend",
               "account_sid": "AC" + "0" * 32, "auth_token": AUTH_TOKEN,
               "from_number": "+15017122661", "api_url": NOWHERE},
    "rapidpro": {"ENGINE": "rapidsms.backends.rapidpro.RapidProBackend", "url": NOWHERE,
                 "api_token": "pipeline-api-token"},
    "africastalking": {"ENGINE": "rapidsms.backends.africastalking.AfricasTalkingBackend",
                       "username": "pipeline", "api_key": "pipeline-api-key", "api_url": NOWHERE},
}
for _conf in GATEWAYS.values():
    _conf["inbound_secrets"] = [SECRET]


def gateway_views() -> list[tuple[str, str, type]]:
    """Return ``(backend, url name, view class)`` for every URL of every bundled gateway."""
    found = []
    for name, conf in GATEWAYS.items():
        backend = import_string(conf["ENGINE"])
        for url_name, attribute in (("inbound", "inbound_view"), ("status", "status_view")):
            view = getattr(backend, attribute, None)
            if view is not None:
                found.append((name, url_name, import_string(view) if isinstance(view, str)
                              else view))
    return found


def test_every_gateway_view_extends_the_shared_chain_and_copies_nothing() -> None:
    shared = inbound_views.GatewayView.authenticators
    assert [type(a) for a in shared] == [SharedSecret, GatewaySignature]
    for name, url_name, view in gateway_views():
        chain = view.authenticators
        assert chain[:len(shared)] == shared, (name, url_name, chain)
        # The base's authenticate() runs the chain: no gateway replaces it.
        assert view.authenticate is inbound_views.GatewayView.authenticate, (name, url_name)


def test_a_change_to_the_shared_check_reaches_every_url_of_every_gateway(
    mount: Any, monkeypatch: Any
) -> None:
    mount(GATEWAYS)
    calls: list[str] = []

    def stricter(self: SharedSecret, view: Any, request: HttpRequest) -> None:
        calls.append(view.backend_name)
        raise Forbidden("The shared check changed.")

    monkeypatch.setattr(SharedSecret, "authenticate", stricter)
    client = Client()
    basic = base64.b64encode(f"vumi:{SECRET}".encode()).decode()
    views = gateway_views()
    for name, url_name, _view in views:
        url = f"/backends/{name}/" + ("status/" if url_name == "status" else "")
        # The right token every way a gateway may send it: header, query, Basic.
        for method in ("get", "post"):
            response = getattr(client, method)(
                f"{url}?token={SECRET}",
                headers={"X-RapidSMS-Token": SECRET, "Authorization": f"Basic {basic}"})
            if response.status_code == 405:
                continue
            assert response.status_code == 403, (name, url_name, response.content)
            assert response.json()["error"] == "The shared check changed."
    assert sorted(set(calls)) == sorted(GATEWAYS)


class RequireGatewayHeader(Authenticator):
    """A gateway's own check, added to the chain: a header its requests always carry."""

    def authenticate(self, view: Any, request: HttpRequest) -> None:
        if request.headers.get("X-Acme-Gateway") != "yes":
            raise Forbidden("Not from Acme.")


class AcmeView(GenericHttpBackendView):
    authenticators = [*GenericHttpBackendView.authenticators, RequireGatewayHeader()]


def test_a_gateway_adds_its_check_and_keeps_the_shared_ones(mount: Any) -> None:
    from django.test import override_settings
    from django.urls import path

    router = mount({"acme": {"ENGINE": "rapidsms.backends.http.GenericHttpBackend",
                             "inbound_secrets": [SECRET]}})
    urlconf = type("urls", (), {"urlpatterns": [
        path("acme/", AcmeView.as_view(backend_name="acme"))]})
    client = Client()
    form = {"identity": "+15550000001", "text": "ping"}
    with override_settings(ROOT_URLCONF=urlconf):
        no_header = client.post("/acme/", form, headers={"X-RapidSMS-Token": SECRET})
        no_token = client.post("/acme/", form, headers={"X-Acme-Gateway": "yes"})
        both = client.post("/acme/", form, headers={"X-RapidSMS-Token": SECRET,
                                                     "X-Acme-Gateway": "yes"})
    assert (no_header.status_code, no_header.json()["error"]) == (403, "Not from Acme.")
    assert no_token.status_code == 403 and "token" in no_token.json()["error"]
    assert both.status_code == 200
    assert [m.text for m in router.inbound] == ["ping"]


def test_vumis_basic_password_is_one_more_token_source_of_the_shared_check() -> None:
    from rapidsms.backends.inbound.auth import basic_auth_token
    from rapidsms.backends.vumi.views import VumiBackendView, VumiEventView

    for view in (VumiBackendView, VumiEventView):
        assert view.token_sources == [*inbound_views.GatewayView.token_sources,
                                      basic_auth_token]
        assert "extra_tokens" not in vars(view)


@pytest.mark.django_db
def test_the_views_route_through_the_intake(mount: Any, monkeypatch: Any) -> None:
    router = mount({"gw": {**GATEWAYS["http"], "inbound_params": {"id_name": "id"}}})
    seen: list[str] = []
    original = Intake.pass_to_router

    def recording(self: Intake, message: Any) -> None:
        seen.append(message.external_id)
        original(self, message)

    monkeypatch.setattr(Intake, "pass_to_router", recording)
    client = Client()
    for _ in range(2):  # the second is the gateway's retry: a duplicate
        response = client.post("/backends/gw/", {"identity": "+15550000001", "text": "hi",
                                                 "id": "m-1"},
                               headers={"X-RapidSMS-Token": SECRET})
        assert response.status_code == 200
    assert seen == ["m-1"]
    assert [m.text for m in router.inbound] == ["hi"]


def test_old_import_paths_still_work() -> None:
    from rapidsms.backends.inbound.views import (  # noqa: F401
        MAX_FIELD_LENGTH,
        BadRequest,
        Forbidden,
        GatewayMessage,
        GatewayView,
        InboundError,
        InboundView,
        NotFound,
        PayloadTooLarge,
        ServerError,
        StatusView,
        Unavailable,
        is_dependency_error,
        json_depth,
        raw_data,
        storable,
    )
    from rapidsms.backends.vumi.views import basic_auth_password  # noqa: F401
    from rapidsms.errors import BadRequest as FamilyBadRequest

    assert BadRequest is FamilyBadRequest


@pytest.mark.django_db
def test_the_rapidpro_poller_routes_through_the_same_intake_as_its_webhook(
    install_backend: Any, sandbox: Any, received: list[Any], monkeypatch: Any
) -> None:
    from rapidsms.backends.rapidpro.intake import RapidProIntake
    from rapidsms.backends.rapidpro.poller import IncomingPoller
    from rapidsms.backends.rapidpro.views import RapidProInboundView

    assert RapidProInboundView.intake_class is RapidProIntake
    backend = install_backend()
    seen: list[tuple[str, str]] = []
    original = RapidProIntake.pass_to_router

    def recording(self: Intake, message: Any) -> None:
        seen.append((message.identity, message.text))
        original(self, message)

    monkeypatch.setattr(RapidProIntake, "pass_to_router", recording)
    sandbox.workspace.receive("tel:+250788123123", "polled")
    first = IncomingPoller(backend).poll()
    again = IncomingPoller(backend).poll()
    assert (first.routed, again.duplicates) == (1, 1)
    assert seen == [("tel:+250788123123", "polled")]
    assert [m.text for m in received] == ["polled"]


def test_raw_data_never_keeps_our_token() -> None:
    from django.http import QueryDict

    from rapidsms.backends.inbound.views import raw_data

    form = QueryDict("token=s3cret&status=1&to=a&to=b")
    assert raw_data(form) == {"status": "1", "to": ["a", "b"]}
    assert raw_data({"token": "s3cret", "id": "7"}) == {"id": "7"}

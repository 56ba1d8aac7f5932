"""Gateways that echo our request in their error: no secret survives, anywhere.

A real HTTP server on 127.0.0.1 answers every request with 400 or 500 and a
body quoting the request's headers (``Authorization`` included), its query
string and its body, as text and as JSON. For each gateway the secrets must
not appear, as written, in their ``Basic`` encoding or URL-encoded, in the
``MessageSendingError``, the log records, the durable router's
``Transmission.last_error`` and events, or the pages that show them.
"""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, quote_plus, urlencode

import pytest
from django.urls import reverse

from rapidsms.errors import MessageSendingError
from rapidsms.router import lookup_connections, send
from rapidsms.router.db.models import Transmission, TransmissionEvent
from rapidsms.router.db.status import Direction
from rapidsms.testing.fake_gateway import Answer, FakeGateway, RecordedRequest

TWILIO_SID = "AC0123456789abcdef0123456789abcdef"
TWILIO_TOKEN = "twilio-auth-token-5f4dcc3b5aa765d6"

#: name -> (ENGINE, options besides the URL, option naming the URL, secrets, Basic pair)
GATEWAYS: dict[str, tuple[str, dict[str, Any], str, list[str], tuple[str, str] | None]] = {
    "http": (
        "rapidsms.backends.http.outgoing.GenericHttpBackend",
        {"method": "GET", "extra_params": {"api_key": "api key/+&secret-1"},
         "headers": {"Authorization": "Bearer bearer/token+456"}},
        "url", ["api key/+&secret-1", "bearer/token+456"], None,
    ),
    "kannel": (
        "rapidsms.backends.kannel.KannelBackend",
        {"sendsms_params": {"username": "rapidsms", "password": "kannel pass/+&word"}},
        "sendsms_url", ["kannel pass/+&word"], None,
    ),
    "twilio": (
        "rapidsms.backends.twilio.TwilioBackend",
        {"account_sid": TWILIO_SID, "auth_token": TWILIO_TOKEN, "from_number": "+15017122661"},
        "api_url", [TWILIO_TOKEN], (TWILIO_SID, TWILIO_TOKEN),
    ),
    "vumi": (
        "rapidsms.backends.vumi.VumiBackend",
        {"sendsms_user": "rapidsms", "sendsms_pass": "relay pass/+&word",
         "sendsms_params": {"api_token": "vumi-api-token-456"}},
        "sendsms_url", ["relay pass/+&word", "vumi-api-token-456"], ("rapidsms",
                                                                    "relay pass/+&word"),
    ),
}
SECRET = "inbound-secret-0123456789"


def echo(request: RecordedRequest) -> str:
    """Return the request the way a careless gateway quotes it back."""
    # The credentials first, as a gateway complaining about them would quote them.
    ordered = sorted(request.headers.items(), key=lambda item: item[0] != "authorization")
    headers = "\n".join(f"{name}: {value}" for name, value in ordered)
    return (f"Bad request: {headers}\n{request.method} {request.path}?"
            f"{urlencode(request.query)}\n"
            f"{headers}\n\n{request.body.decode('utf-8', 'replace')}\n"
            + json.dumps({"headers": request.headers, "query": request.query}))


def forms_of(secrets: list[str], pair: tuple[str, str] | None) -> list[str]:
    """Return every form a secret may take in an echo: raw, URL-encoded, Basic."""
    found: list[str] = []
    for secret in secrets:
        found += [secret, quote(secret, safe=""), quote_plus(secret), json.dumps(secret)[1:-1]]
    if pair:
        found.append(base64.b64encode(f"{pair[0]}:{pair[1]}".encode()).decode())
    return sorted(set(found))


@pytest.fixture(params=[400, 500])
def echoing(request: Any) -> Iterator[FakeGateway]:
    """A gateway that refuses everything, quoting the request (Twilio-like JSON for Twilio)."""
    status = request.param
    with FakeGateway() as server:
        def answer(recorded: RecordedRequest) -> Answer:
            if "/Accounts/" in recorded.path:  # Twilio's error body is JSON
                return Answer(status, json.dumps({"code": 21211, "message": echo(recorded)}),
                              headers={"Content-Type": "application/json"})
            return Answer(status, echo(recorded))

        server.answer = answer
        yield server


def conf(name: str, url: str) -> dict[str, Any]:
    engine, options, url_option, _, _ = GATEWAYS[name]
    return {"ENGINE": engine, **options, url_option: url, "inbound_secrets": [SECRET]}


def assert_clean(text: str, name: str) -> None:
    _, _, _, secrets, pair = GATEWAYS[name]
    for form in forms_of([*secrets, SECRET], pair):
        assert form not in text, (name, form)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(GATEWAYS))
def test_an_echoed_request_leaves_no_secret_in_the_error_or_the_log(
    name: str, echoing: FakeGateway, settings: Any, caplog: Any
) -> None:
    from rapidsms.router.blocking import BlockingRouter

    settings.INSTALLED_BACKENDS = {}
    router = BlockingRouter(apps=[], backends={name: conf(name, echoing.url)})
    backend = router.backends[name]
    caplog.set_level(logging.DEBUG, logger="rapidsms")
    with pytest.raises(MessageSendingError) as caught:
        backend.send("m1", "hello", ["+15550000001"], {})
    assert echoing.requests, "the gateway was reached"
    # The echo really carries the secrets: the test would see a leak.
    _, _, _, secrets, pair = GATEWAYS[name]
    assert any(form in echo(echoing.requests[0]) for form in forms_of(secrets, pair))
    assert str(echoing.answer(echoing.requests[0]).status) in str(caught.value)
    assert_clean(str(caught.value) + repr(caught.value.args), name)
    assert_clean(caplog.text, name)
    assert_clean("\n".join(record.getMessage() for record in caplog.records), name)


@pytest.mark.django_db
@pytest.mark.parametrize("name", sorted(GATEWAYS))
def test_the_durable_router_stores_and_shows_no_secret(
    name: str, echoing: FakeGateway, settings: Any, caplog: Any, admin_client: Any
) -> None:
    from rapidsms.router.db.router import DatabaseRouter

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.RAPIDSMS_DB_MAX_ATTEMPTS = 1
    router = DatabaseRouter(apps=[], backends={name: conf(name, echoing.url)})
    settings.RAPIDSMS_ROUTER = router
    caplog.set_level(logging.DEBUG, logger="rapidsms")
    send("hello", lookup_connections(name, ["+15550000001"]))

    transmission = Transmission.objects.get(direction=Direction.OUTGOING)
    assert transmission.last_error, "the failure was recorded"
    assert_clean(transmission.last_error, name)
    events = list(TransmissionEvent.objects.filter(transmission=transmission))
    assert events
    assert_clean(" ".join(f"{e.detail} {json.dumps(e.raw)}" for e in events), name)
    assert_clean(caplog.text, name)

    pages = [
        admin_client.get(reverse("rapidsms_db:messages")),
        admin_client.get(reverse("admin:db_transmission_changelist")),
        admin_client.get(reverse("admin:db_transmission_change", args=[transmission.pk])),
        admin_client.get(reverse("admin:db_message_change", args=[transmission.message_id])),
    ]
    for page in pages:
        assert page.status_code == 200
        assert_clean(page.content.decode(), name)

"""The webhook RapidPro flows post to: security, both payloads, de-duplication."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapidsms.backends.inbound.models import ReceivedMessage
from rapidsms.backends.rapidpro import RapidProBackend
from rapidsms.backends.rapidpro.models import RapidProContact
from rapidsms.backends.rapidpro.sandbox import Sandbox
from tests.rapidpro.conftest import SECRET, TOKEN

Install = Callable[..., RapidProBackend]
URL = "/backends/rapidpro/"
MESSAGE_UUID = "6f1c2b1e-8a55-4f0e-9c7b-3a1d2e4f5a60"
CONTACT_UUID = "0d2c7e4a-1f3b-4c5d-8e9f-a0b1c2d3e4f5"


def flow_body(**changes: Any) -> dict[str, Any]:
    body = {
        "message_uuid": MESSAGE_UUID,
        "urn": "tel:+250788123123",
        "contact_uuid": CONTACT_UUID,
        "text": "register Ann",
        "attachments": [],
        "created_on": "2026-03-02T17:28:12.123456Z",
    }
    body.update(changes)
    return body


def post(client: Any, body: Any, *, token: str | None = SECRET, query: str = "",
         **headers: str) -> Any:
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    if token is not None:
        extra["HTTP_X_RAPIDSMS_TOKEN"] = token
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(URL + query, data=data, content_type="application/json", **extra)


@pytest.mark.django_db
def test_a_flow_webhook_is_routed_with_the_contact_kept(
    client: Any, install_backend: Install, received: list[Any], sandbox: Sandbox
) -> None:
    install_backend()
    contact = sandbox.workspace.contact_for_urn("tel:+250788123123")
    answer = post(client, flow_body(contact_uuid=contact.uuid))
    assert answer.status_code == 200 and answer.json()["status"] == "accepted"
    (message,) = received
    assert message.text == "register Ann"
    assert message.connections[0].identity == "tel:+250788123123"
    assert message.fields["external_id"] == MESSAGE_UUID
    assert message.fields["rapidpro_contact_uuid"] == contact.uuid
    assert RapidProContact.objects.get().contact_uuid == contact.uuid
    # The app's reply went straight to the contact.
    assert sandbox.count("POST", "messages", status=201) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("token", "query", "status"),
    [
        (None, "", 403),
        ("wrong-secret", "", 403),
        (None, "?token=wrong-secret", 403),
        (None, f"?token={SECRET}", 200),
        ("old-secret-still-valid", "", 200),
        (None, "?token=old-secret-still-valid", 200),
    ],
)
def test_the_secret_is_required_and_can_be_rotated(
    client: Any, install_backend: Install, received: list[Any], token: str | None,
    query: str, status: int,
) -> None:
    install_backend(inbound_secrets=[SECRET, "old-secret-still-valid"])
    answer = post(client, flow_body(), token=token, query=query)
    assert answer.status_code == status
    assert len(received) == (1 if status == 200 else 0)


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "field"),
    [
        ("not json", None),
        ("[1, 2]", None),
        (flow_body(urn=None), "urn"),
        (flow_body(urn="nonsense"), "urn"),
        (flow_body(urn="tel:0788123123"), "urn"),
        (flow_body(text=""), "text"),
        (flow_body(text=["a"]), "text"),
        (flow_body(message_uuid=5), "message_uuid"),
        ({"input": {"text": "hi"}, "contact": {}}, "input.urn"),
    ],
)
def test_malformed_requests_get_400_naming_the_problem(
    client: Any, install_backend: Install, received: list[Any], body: Any, field: str | None
) -> None:
    install_backend()
    answer = post(client, body)
    assert answer.status_code == 400
    assert answer.json().get("field") == field
    assert received == []


@pytest.mark.django_db
def test_duplicate_deliveries_are_routed_once(
    client: Any, install_backend: Install, received: list[Any]
) -> None:
    install_backend()
    for _ in range(3):
        assert post(client, flow_body()).status_code == 200
    # Without message_uuid in the body, the X-Idempotency-Key header identifies it.
    for _ in range(2):
        body = flow_body(message_uuid=None, text="second")
        assert post(client, body, **{"X-Idempotency-Key": "key-2"}).status_code == 200
    assert [m.text for m in received] == ["register Ann", "second"]
    assert ReceivedMessage.objects.count() == 2


@pytest.mark.django_db
def test_a_routing_failure_lets_rapidpros_retry_through(
    client: Any, install_backend: Install, received: list[Any], monkeypatch: Any
) -> None:
    install_backend()
    import rapidsms.router

    real_receive = rapidsms.router.receive
    calls = []

    def failing_once(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        if len(calls) == 1:
            raise RuntimeError("database went away")
        return real_receive(*args, **kwargs)

    monkeypatch.setattr(rapidsms.router, "receive", failing_once)
    assert post(client, flow_body()).status_code == 503
    assert post(client, flow_body()).status_code == 200
    assert [m.text for m in received] == ["register Ann"]


def test_resthook_end_to_end_over_http(
    webhook_server: str, sandbox: Sandbox, install_backend: Install, received: list[Any]
) -> None:
    """RapidPro (the sandbox) posts a resthook payload; the app's reply reaches the contact."""
    backend = install_backend()
    target = backend.callback_url(webhook_server + URL)
    backend.client.create_resthook_subscriber("rapidsms", target)
    result = sandbox.receive("tel:+250788123123", "ping", name="Ann")
    assert [status for _, status in result["deliveries"]] == [200]
    (message,) = received
    contact_uuid = result["message"]["contact"]["uuid"]
    assert message.fields["rapidpro_contact_uuid"] == contact_uuid
    assert message.fields["external_id"] == result["message"]["uuid"]
    # The reply went to the contact as a message, not as a broadcast.
    assert sandbox.count("POST", "messages") == 1 and sandbox.count("POST", "broadcasts") == 0
    reply = [m for m in sandbox.workspace.messages if m.direction == "out"][0]
    assert (reply.text, reply.contact.uuid) == ("got: ping", contact_uuid)
    # RapidPro delivering the same payload again changes nothing.
    payload = sandbox.workspace.resthook_payload(sandbox.workspace.messages[0])
    again = requests.post(target, json=payload, timeout=5)
    assert again.status_code == 200 and len(received) == 1


def test_flow_webhook_end_to_end_over_http(
    webhook_server: str, install_backend: Install, received: list[Any]
) -> None:
    headers = {"X-RapidSMS-Token": SECRET}
    with Sandbox(token=TOKEN, shape="v9", flow_webhook_url=webhook_server + URL,
                 flow_webhook_headers=headers) as server:
        install_backend(server)
        result = server.receive("whatsapp:250788123124", "hello")
        assert [status for _, status in result["deliveries"]] == [200]
        assert [m.text for m in received] == ["hello"]
        assert received[0].connections[0].identity == "whatsapp:250788123124"
        assert server.count("POST", "messages") == 1
    # Without the token the flow's call is refused and nothing is routed.
    with Sandbox(token=TOKEN, flow_webhook_url=webhook_server + URL) as server:
        install_backend(server)
        result = server.receive("tel:+250788123125", "sneaky")
    assert [status for _, status in result["deliveries"]] == [403]
    assert len(received) == 1


@pytest.mark.django_db
def test_a_urn_given_as_rapidpros_object_is_read(
    client: Any, install_backend: Install, received: list[Any]
) -> None:
    install_backend()
    body = flow_body(urn={"scheme": "telegram", "path": "1234", "display": ""})
    assert post(client, body).status_code == 200
    assert received[0].connections[0].identity == "telegram:1234"


hostile_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20)
    | st.sampled_from(["tel:+250788123123", "whatsapp:250788", "\x00", "\ud800", "", "x" * 300]),
    lambda children: st.lists(children, max_size=3)
    | st.dictionaries(st.sampled_from(["uuid", "urn", "text", "scheme", "path"])
                      | st.text(max_size=6), children, max_size=4),
    max_leaves=10,
)
flow_keys = st.sampled_from(["message_uuid", "urn", "contact_uuid", "text", "attachments",
                             "created_on", "channel_uuid", "input", "contact"])


@pytest.mark.django_db
@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(body=st.dictionaries(flow_keys, hostile_values, max_size=7)
       | hostile_values | st.binary(max_size=100))
def test_hostile_bodies_never_give_a_server_error(
    client: Any, install_backend: Install, received: list[Any], body: Any
) -> None:
    from tests.rapidpro.conftest import RecordingApp

    install_backend()
    RecordingApp.reply = False
    before = len(received)
    answer = post(client, body if isinstance(body, bytes) else json.dumps(body))
    assert answer.status_code in (200, 400, 413)
    if answer.status_code == 200:
        assert len(received) in (before, before + 1)  # routed, or a duplicate left alone
    else:
        assert len(received) == before

"""RapidPro: no token in errors, a replayed webhook changes nothing, URNs name one recipient."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.backends.rapidpro import RapidProBackend
from rapidsms.backends.rapidpro.models import OutboxEntry, RapidProContact
from rapidsms.backends.rapidpro.sandbox import Sandbox
from rapidsms.errors import MessageSendingError
from rapidsms.models import Connection
from rapidsms.testing.fake_gateway import Answer, FakeGateway, RecordedRequest
from tests.rapidpro.conftest import TOKEN
from tests.rapidpro.test_inbound import flow_body, post

Install = Callable[..., RapidProBackend]
URN = "tel:+250788123123"


def echo(request: RecordedRequest) -> str:
    headers = "\n".join(f"{name}: {value}" for name, value in request.headers.items())
    return f"{request.method} {request.path}\n{headers}\n{json.dumps(request.headers)}"


@pytest.fixture(params=[400, 403, 500])
def echoing(request: Any) -> Iterator[FakeGateway]:
    """A RapidPro-like server that refuses every request, quoting it with its token."""
    status = request.param
    with FakeGateway() as server:
        def answer(recorded: RecordedRequest) -> Answer:
            if status == 400:
                return Answer(400, json.dumps({"urns": [echo(recorded)]}),
                              headers={"Content-Type": "application/json"})
            if status == 403:
                return Answer(403, json.dumps({"detail": echo(recorded)}),
                              headers={"Content-Type": "application/json"})
            return Answer(500, echo(recorded))

        server.answer = answer
        yield server


@pytest.mark.django_db
def test_an_echoed_token_is_in_no_error_column_report_or_log(
    install_backend: Install, echoing: FakeGateway, caplog: Any
) -> None:
    backend = install_backend(echoing, max_pending_age=0)
    caplog.set_level(logging.DEBUG, logger="rapidsms")
    with pytest.raises(MessageSendingError) as caught:
        backend.send("m1", "hello", [URN], {})
    assert echoing.requests and TOKEN in echo(echoing.requests[0])
    entry = OutboxEntry.objects.get()
    assert entry.status == OutboxEntry.FAILED and entry.error
    stored = [entry.error, str(caught.value), caplog.text,
              *DeliveryReport.objects.values_list("error", flat=True)]
    for text in stored:
        assert TOKEN not in text
    assert "********" in entry.error


# A replayed or repeated webhook --------------------------------------------


@pytest.mark.django_db
def test_a_replayed_webhook_changes_no_contact_and_asks_nothing(
    client: Any, install_backend: Install, received: list[Any], sandbox: Sandbox
) -> None:
    install_backend()
    owner = sandbox.workspace.contact_for_urn(URN)
    assert post(client, flow_body(contact_uuid=owner.uuid)).status_code == 200
    sandbox.reset_requests()
    replay = post(client, flow_body(contact_uuid="11111111-2222-4333-8444-555555555555"))
    assert replay.status_code == 200
    assert len(received) == 1
    assert RapidProContact.objects.get().contact_uuid == owner.uuid
    assert sandbox.requests == []


@pytest.mark.django_db
def test_a_new_message_naming_another_contact_is_not_believed(
    client: Any, install_backend: Install, received: list[Any], sandbox: Sandbox, caplog: Any
) -> None:
    install_backend()
    owner = sandbox.workspace.contact_for_urn(URN)
    post(client, flow_body(contact_uuid=owner.uuid))
    stranger = "11111111-2222-4333-8444-555555555555"
    answer = post(client, flow_body(message_uuid="7a1c2b1e-8a55-4f0e-9c7b-3a1d2e4f5a61",
                                    contact_uuid=stranger))
    assert answer.status_code == 200
    assert len(received) == 2  # the message itself is genuine: it is routed
    assert RapidProContact.objects.get().contact_uuid == owner.uuid
    assert "not believed" in caplog.text
    # The reply goes to the contact that owns the URN, not the one the payload named.
    (reply,) = [m for m in sandbox.workspace.messages if m.direction == "out"][-1:]
    assert reply.contact.uuid == owner.uuid


@pytest.mark.django_db
def test_a_urn_moved_to_another_contact_in_rapidpro_is_followed(
    client: Any, install_backend: Install, received: list[Any], sandbox: Sandbox
) -> None:
    install_backend()
    first = sandbox.workspace.contact_for_urn(URN)
    post(client, flow_body(contact_uuid=first.uuid))
    sandbox.workspace.save_contact({"urns": []}, first)  # the URN moves in RapidPro
    second, _ = sandbox.workspace.save_contact({"urns": [URN]}, None)
    assert sandbox.workspace.find_contact(urn=URN).uuid == second.uuid
    post(client, flow_body(message_uuid="7a1c2b1e-8a55-4f0e-9c7b-3a1d2e4f5a62",
                           contact_uuid=second.uuid))
    assert RapidProContact.objects.get().contact_uuid == second.uuid


@pytest.mark.django_db
def test_when_rapidpro_cannot_tell_replies_go_to_the_urn(
    client: Any, install_backend: Install, received: list[Any], sandbox: Sandbox
) -> None:
    install_backend(max_retries=0)
    owner = sandbox.workspace.contact_for_urn(URN)
    post(client, flow_body(contact_uuid=owner.uuid))
    sandbox.fail_next(503, count=5, endpoint="contacts")
    answer = post(client, flow_body(message_uuid="7a1c2b1e-8a55-4f0e-9c7b-3a1d2e4f5a63",
                                    contact_uuid="11111111-2222-4333-8444-555555555555"))
    assert answer.status_code == 200 and len(received) == 2
    assert not RapidProContact.objects.exists()


# Identities ----------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("bad", ["ext:alice bob", "tel:+250788123124\n", "ext:alice\x1bbob",
                                 "ext:alice\u202ebob"])
def test_a_recipient_with_white_space_or_a_control_character_fails_alone(
    install_backend: Install, sandbox: Sandbox, bad: str
) -> None:
    backend = install_backend()
    with pytest.raises(MessageSendingError) as caught:
        backend.send("m1", "hello", [URN, bad], {})
    assert caught.value.failed_identities == [bad]
    assert caught.value.retryable is False
    assert sandbox.received_urns() == [URN]


@pytest.mark.django_db
@pytest.mark.parametrize("urn", ["ext:alice bob", "ext:alice\tbob", "ext:alice\x1bbob",
                                 "ext:alice\u2028bob"])
def test_a_sender_urn_with_white_space_or_a_control_character_is_400(
    client: Any, install_backend: Install, received: list[Any], urn: str
) -> None:
    install_backend()
    answer = post(client, flow_body(urn=urn))
    assert answer.status_code == 400
    assert answer.json()["field"] == "urn"
    assert received == [] and not Connection.objects.exists()

"""Message classes: the attributes and methods RapidSMS 2.x apps use."""

from __future__ import annotations

import warnings

import pytest

from rapidsms.messages import ErrorMessage as ErrorFromPackage
from rapidsms.messages.base import MessageBase
from rapidsms.messages.error import ErrorMessage
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.messages.outgoing import OutgoingMessage
from rapidsms.models import Contact
from rapidsms.router import lookup_connections, receive
from rapidsms.router.test.router import TestRouter
from tests.core.helpers import RecordingBackend, make_app


def test_import_paths_and_class_tree():
    assert issubclass(IncomingMessage, MessageBase)
    assert issubclass(OutgoingMessage, MessageBase)
    assert issubclass(ErrorMessage, OutgoingMessage)
    assert ErrorFromPackage is ErrorMessage


def test_new_message_attributes(connection):
    msg = IncomingMessage(connections=[connection], text="Hello")
    assert isinstance(msg.id, str) and len(msg.id) == 32
    assert msg.text == msg.raw_text == "Hello"
    assert msg.connections == [connection]
    assert msg.fields == {}
    assert msg.handled is False
    assert msg.processed is False
    assert msg.in_response_to is None
    assert msg.responses == []


def test_raw_text_keeps_the_original_when_an_app_rewrites_text(connection):
    msg = IncomingMessage(connections=[connection], text="  JOIN Ann ")
    msg.text = msg.text.strip().lower()
    assert (msg.text, msg.raw_text) == ("join ann", "  JOIN Ann ")


def test_constructor_arguments(connection):
    original = IncomingMessage(connections=[connection], text="q")
    msg = OutgoingMessage(connections=[connection], text="a", id_="abc", in_response_to=original,
                          fields={"k": "v"})
    assert (msg.id, msg.in_response_to, msg.fields) == ("abc", original, {"k": "v"})


def test_a_single_connection_becomes_a_list_of_one(connection):
    msg = OutgoingMessage(connections=connection, text="hi")
    assert msg.connections == [connection]


def test_text_is_required(connection):
    with pytest.raises(TypeError, match="requires a text"):
        IncomingMessage(connections=[connection])


def test_generate_id_is_unique():
    ids = {MessageBase.generate_id() for _ in range(2000)}
    assert len(ids) == 2000
    messages = [OutgoingMessage(connections=[], text="x") for _ in range(50)]
    assert len({m.id for m in messages}) == 50


def test_str_and_repr(connection):
    msg = IncomingMessage(connections=[connection], text="ping")
    assert str(msg) == "ping"
    assert repr(msg) == "<IncomingMessage: ping>"
    assert repr(ErrorMessage(connections=[connection], text="oops")) == "<ErrorMessage: oops>"


def test_respond_queues_and_returns_the_arguments_of_send(connection):
    msg = IncomingMessage(connections=[connection], text="hi")
    context = msg.respond("hello back", fields={"priority": "high"})
    assert context == {
        "text": "hello back",
        "connections": [connection],
        "in_response_to": msg,
        "fields": {"priority": "high"},
    }
    assert msg.responses == [context]


def test_respond_to_other_connections(connection):
    other = lookup_connections("sms", ["+15550099"])
    msg = IncomingMessage(connections=[connection], text="tell my friend")
    assert msg.respond("hello friend", connections=other)["connections"] == other


def test_respond_refuses_template(connection):
    msg = IncomingMessage(connections=[connection], text="hi")
    with pytest.raises(TypeError, match="template"):
        msg.respond("x", template="y")
    assert msg.responses == []


def test_incoming_message_refuses_received_at(connection):
    with pytest.raises(TypeError, match="received_at"):
        IncomingMessage(connections=[connection], text="hi", received_at=None)


def test_error_queues_an_error_message(connection):
    msg = IncomingMessage(connections=[connection], text="hi")
    context = msg.error("That went wrong.")
    assert context["class_"] is ErrorMessage
    assert msg.responses == [context]


def test_replies_are_sent_as_their_class_with_fields_and_link(db, settings, journal):
    class Answer(make_app("answer", journal)):
        def handle(self, msg):
            msg.respond("fine", fields={"lang": "en"})
            msg.error("but not that")
            return True

    router = TestRouter(apps=[Answer], backends={"sms": {"ENGINE": RecordingBackend}})
    settings.RAPIDSMS_ROUTER = router
    incoming = receive("hi", lookup_connections("sms", ["+15550001"])[0],
                       fields={"external_id": "in-1"})
    normal, error = router.outbound
    assert (type(normal), normal.text, normal.fields) == (OutgoingMessage, "fine", {"lang": "en"})
    assert (type(error), error.text) == (ErrorMessage, "but not that")
    assert normal.in_response_to is incoming and error.in_response_to is incoming
    assert [call["context"] for call in router.backends["sms"].calls] == [
        {"in_response_to": incoming.id, "external_id": "in-1"},
    ] * 2
    assert normal.processed and error.processed


def test_extra_backend_context_of_a_new_message_is_empty(connection):
    assert OutgoingMessage(connections=[connection], text="hi").extra_backend_context() == {}


def test_extra_backend_context_of_a_reply_without_external_id(connection):
    original = IncomingMessage(connections=[connection], text="hi")
    reply = OutgoingMessage(connections=[connection], text="yo", in_response_to=original)
    assert reply.extra_backend_context() == {"in_response_to": original.id}


def test_extra_backend_context_of_a_reply_with_external_id(connection):
    original = IncomingMessage(connections=[connection], text="hi",
                               fields={"external_id": "gw-42"})
    reply = OutgoingMessage(connections=[connection], text="yo", in_response_to=original)
    assert reply.extra_backend_context() == {"in_response_to": original.id,
                                             "external_id": "gw-42"}


def test_outgoing_send_keeps_id_fields_and_reply_link(install_router, connection):
    router = install_router()
    original = IncomingMessage(connections=[connection], text="hi", fields={"external_id": "e7"})
    msg = OutgoingMessage(connections=[connection], text="reply", id_="out-9",
                          fields={"lang": "fr"}, in_response_to=original)
    assert msg.send() is msg
    [call] = router.backends["sms"].calls
    assert call == {
        "id_": "out-9",
        "text": "reply",
        "identities": ["+15550001"],
        "context": {"in_response_to": original.id, "external_id": "e7"},
    }
    assert msg.fields == {"lang": "fr"} and msg.processed is True


# Deprecated API -------------------------------------------------------------


@pytest.mark.parametrize("cls", [IncomingMessage, OutgoingMessage, ErrorMessage])
def test_deprecated_connection_argument_warns_at_the_callers_line(connection, cls):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        msg = cls(connection=connection, text="hi")
    assert msg.connections == [connection]
    [warning] = caught
    assert warning.category is DeprecationWarning
    assert "connections=" in str(warning.message)
    assert warning.filename == __file__


def test_deprecated_connection_property(connection):
    msg = IncomingMessage(connections=[connection], text="hi")
    with pytest.deprecated_call(match="connections"):
        assert msg.connection == connection


def test_deprecated_contact_property(connection):
    connection.contact = Contact.objects.create(name="Ann")
    msg = IncomingMessage(connections=[connection], text="hi")
    with pytest.deprecated_call():
        assert msg.contact.name == "Ann"


def test_deprecated_peer_property(connection):
    msg = IncomingMessage(connections=[connection], text="hi")
    with pytest.deprecated_call(match="identity"):
        assert msg.peer == "+15550001"


def test_deprecated_properties_of_a_message_without_connections():
    msg = OutgoingMessage(connections=[], text="hi")
    with pytest.deprecated_call():
        assert msg.connection is None
    with pytest.deprecated_call():
        assert msg.contact is None
    with pytest.deprecated_call():
        assert msg.peer is None

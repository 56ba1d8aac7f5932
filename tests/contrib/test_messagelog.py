"""rapidsms.contrib.messagelog: every message, every connection, one transaction each."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from rapidsms.contrib.messagelog.app import MessageLogApp
from rapidsms.contrib.messagelog.models import Message
from rapidsms.messages.outgoing import OutgoingMessage
from rapidsms.models import Backend, Connection, Contact
from rapidsms.tests.harness import RapidTest, TestScript

LOG_APPS = ["rapidsms.contrib.messagelog", "rapidsms.contrib.handlers", "rapidsms.contrib.default"]
ECHO = ["rapidsms.contrib.echo.handlers.echo.EchoHandler"]


def logged():
    return list(
        Message.objects.order_by("pk").values_list("direction", "connection__identity", "text")
    )


class MessageLogTranscriptTest(TestScript):
    apps = LOG_APPS
    handlers = ECHO
    strict = True

    def test_conversation_is_logged_both_ways(self):
        self.runScript(
            """
            100 > echo hello
            100 < hello
            200 > what?
            200 < Sorry, RapidSMS could not understand your message.
            """
        )
        assert logged() == [
            ("I", "100", "echo hello"),
            ("O", "100", "hello"),
            ("I", "200", "what?"),
            ("O", "200", "Sorry, RapidSMS could not understand your message."),
        ]


class MessageLogAppTest(RapidTest):
    apps = LOG_APPS
    handlers = ECHO

    def test_bulk_send_logs_every_connection(self):
        connections = self.lookup_connections(["100", "200", "300"])
        self.send("clinic closed", connections)
        assert logged() == [
            ("O", "100", "clinic closed"),
            ("O", "200", "clinic closed"),
            ("O", "300", "clinic closed"),
        ]
        assert len({row.date for row in Message.objects.all()}) == 1

    def test_bulk_send_of_many_connections_is_one_atomic_block(self):
        connections = self.lookup_connections([f"+1555{i:07d}" for i in range(1500)])
        with CaptureQueriesContext(db_connection) as queries:
            self.send("clinic closed", connections)
        assert Message.objects.count() == 1500
        # Inside the test's transaction the atomic block is one savepoint, however
        # many INSERT batches the database needs.
        savepoints = [q["sql"] for q in queries if q["sql"].startswith("SAVEPOINT")]
        assert len(savepoints) == 1

    def test_incoming_logs_raw_text_and_contact(self):
        connection = self.lookup_connections(["100"])[0]
        contact = Contact.objects.create(name="Amina")
        connection.contact = contact
        connection.save()
        msg = self.receive("echo  Hi there ", connection)
        incoming = Message.objects.get(direction="I")
        assert (incoming.text, incoming.contact, incoming.connection) == (
            "echo  Hi there ",
            contact,
            connection,
        )
        assert msg.logger_msg == incoming
        assert msg.logger_msgs == [incoming]
        outgoing = Message.objects.get(direction="O")
        assert (outgoing.text, outgoing.contact) == ("Hi there ", contact)

    def test_text_rewritten_in_parse_is_logged_as_received(self):
        connection = self.lookup_connections(["100"])[0]
        msg = self.router.new_incoming_message(text="ECHO hi", connections=[connection])
        msg.text = "echo hi"
        self.router.receive_incoming(msg)
        assert Message.objects.get(direction="I").text == "ECHO hi"

    def test_message_without_saved_connections_logs_nothing(self):
        app = MessageLogApp(self.router)
        unsaved = Connection(backend=Backend(name="x"), identity="1")
        msg = OutgoingMessage(connections=[unsaved], text="hi")
        with self.assertLogs("rapidsms.contrib.messagelog.app", "WARNING"):
            assert app.log(msg, Message.OUTGOING) == []
        assert msg.logger_msg is None
        assert app.log(OutgoingMessage(connections=[], text="hi"), Message.OUTGOING) == []
        assert not Message.objects.exists()

    def test_rows_survive_deleting_the_contact_and_the_connection(self):
        connection = self.lookup_connections(["100"])[0]
        connection.contact = Contact.objects.create(name="Amina")
        connection.save()
        self.receive("echo hi", connection)
        connection.contact.delete()
        assert Message.objects.filter(contact__isnull=True).count() == 2
        connection.delete()
        assert Message.objects.count() == 2


def transactions(queries):
    return [q["sql"] for q in queries if q["sql"].startswith("BEGIN")]


@pytest.mark.django_db(transaction=True)
def test_each_logged_message_is_one_transaction(rapidsms_router, rapidsms_connection):
    """Outside a test transaction, as in a deployment, count BEGINs."""
    from rapidsms.router import receive, send

    connections = [rapidsms_connection(f"+1555{i:07d}") for i in range(600)]
    with CaptureQueriesContext(db_connection) as queries:
        send("to all", connections)
    assert Message.objects.filter(direction="O").count() == 600
    assert len(transactions(queries)) == 1

    with CaptureQueriesContext(db_connection) as queries:
        receive("echo hi", connections[0])
    assert len(transactions(queries)) == 2  # the incoming row, then the reply's row
    assert logged()[-2:] == [("I", "+15550000000", "echo hi"), ("O", "+15550000000", "hi")]


# The model ------------------------------------------------------------------------


@pytest.mark.django_db
def test_save_requires_a_contact_or_a_connection():
    with pytest.raises(ValidationError):
        Message(direction="I", text="hi").save()


@pytest.mark.django_db
def test_save_copies_the_contact_of_the_connection_and_refuses_another():
    backend = Backend.objects.create(name="b")
    amina, bea = Contact.objects.create(name="Amina"), Contact.objects.create(name="Bea")
    connection = Connection.objects.create(backend=backend, identity="1", contact=amina)
    row = Message(connection=connection, direction="I", text="hi")
    row.save()
    assert row.contact == amina
    assert row.who == amina
    with pytest.raises(ValidationError):
        Message(connection=connection, contact=bea, direction="I", text="hi").save()
    loose = Connection.objects.create(backend=backend, identity="2")
    with pytest.raises(ValidationError):
        Message(connection=loose, contact=bea, direction="I", text="hi").save()
    only_contact = Message(contact=bea, direction="O", text="x" * 80)
    only_contact.save()
    assert str(only_contact) == "x" * 57 + "... (to Bea)"
    assert str(Message(connection=loose, direction="I", text="hi")) == "hi (from 2 via b)"

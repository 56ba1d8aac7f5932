"""rapidsms.contrib.messagelog: every message, every connection, one transaction each."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError
from django.db import connection as db_connection
from django.test.utils import CaptureQueriesContext

from rapidsms.apps.base import AppBase
from rapidsms.contrib.messagelog.app import MessageLogApp
from rapidsms.contrib.messagelog.models import Message
from rapidsms.messages.outgoing import OutgoingMessage
from rapidsms.models import Backend, Connection, Contact
from rapidsms.router import lookup_connections
from rapidsms.router.blocking import BlockingRouter
from rapidsms.tests.harness import MockBackend, RapidTest, TestScript

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


class BufferedLogTranscriptTest(TestScript):
    apps = LOG_APPS
    handlers = ECHO + ["rapidsms.contrib.registration.handlers.register.RegisterHandler"]
    strict = True

    def test_rows_keep_the_order_and_the_contact_of_the_moment(self):
        self.runScript(
            """
            100 > echo first
            100 < first
            100 > join Amina
            100 < Thank you for registering, Amina!
            100 > echo again
            100 < again
            """
        )
        rows = Message.objects.order_by("pk").values_list("direction", "text", "contact__name")
        assert list(rows) == [
            ("I", "echo first", None),
            ("O", "first", None),
            # Logged as it arrived, before the handler created the contact...
            ("I", "join Amina", None),
            # ...and the reply after, to the new contact.
            ("O", "Thank you for registering, Amina!", "Amina"),
            ("I", "echo again", "Amina"),
            ("O", "again", "Amina"),
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
        # many INSERT batches the database needs; the second is the rows' status
        # ("sent"), one UPDATE for all of them.
        savepoints = [q["sql"] for q in queries if q["sql"].startswith("SAVEPOINT")]
        assert len(savepoints) == 2
        updates = [q["sql"] for q in queries if q["sql"].startswith("UPDATE")]
        assert len(updates) == 1
        assert set(Message.objects.values_list("status", flat=True)) == {"sent"}

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
    # The rows, then their status once the backend took the message: two, not 600.
    assert len(transactions(queries)) == 2
    assert set(Message.objects.values_list("status", flat=True)) == {"sent"}

    # The first message shows the app that the router sends incoming_processed;
    # from then on a message and its replies are written in one transaction.
    receive("echo first", connections[1])
    with CaptureQueriesContext(db_connection) as queries:
        receive("echo hi", connections[0])
    assert len(transactions(queries)) == 1  # the incoming row and the reply's row together
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


# A message and its replies are written together, after processing ------------------


class Replier(AppBase):
    """Answers twice; the second reply is one the Canceller stops."""

    def filter(self, msg):
        if msg.text == "drop":
            msg.respond("dropped")
            return True
        return None

    def handle(self, msg):
        msg.respond(f"one: {msg.text}")
        msg.respond("secret")
        if msg.text == "crash":
            raise RuntimeError("app bug after replying")
        # Nothing is written while the message is being processed.
        msg.rows_seen_while_handling = Message.objects.count()
        return True


class Canceller(AppBase):
    def outgoing(self, msg):
        return False if msg.text == "secret" else None


class FailingBackend(MockBackend):
    def send(self, id_, text, identities, context=None):
        raise RuntimeError("gateway down")


def make_router(backend=MockBackend, router_class=BlockingRouter):
    # Canceller after the log: its outgoing phase runs before the log's.
    return router_class(
        apps=[MessageLogApp, Replier, Canceller], backends={"mock": {"ENGINE": backend}}
    )


def receive_on(router, text, identity="+15550001"):
    connection = lookup_connections("mock", [identity])[0]
    msg = router.new_incoming_message(text=text, connections=[connection])
    router.receive_incoming(msg)
    return msg


def warmed_up(router):
    """Let the log see the router's first incoming_processed, as any deployment does."""
    receive_on(router, "warm up", identity="+15559999")
    Message.objects.all().delete()
    return router


@pytest.mark.django_db(transaction=True)
def test_message_and_replies_are_one_transaction_written_after_processing():
    router = warmed_up(make_router())
    lookup_connections("mock", ["+15550001"])  # created before counting
    with CaptureQueriesContext(db_connection) as queries:
        msg = receive_on(router, "hello")
    assert msg.rows_seen_while_handling == 0
    assert len(transactions(queries)) == 1
    assert logged() == [("I", "+15550001", "hello"), ("O", "+15550001", "one: hello")]
    assert msg.logger_msg.pk == Message.objects.get(direction="I").pk


@pytest.mark.django_db
def test_cancelled_reply_loses_nothing_else():
    router = warmed_up(make_router())
    receive_on(router, "hello")
    assert logged() == [("I", "+15550001", "hello"), ("O", "+15550001", "one: hello")]
    assert [sent["text"] for sent in router.backends["mock"].messages][-1] == "one: hello"


@pytest.mark.django_db
def test_failed_reply_is_still_logged_with_its_message(caplog):
    router = warmed_up(make_router(backend=FailingBackend))
    receive_on(router, "hello")
    assert logged() == [("I", "+15550001", "hello"), ("O", "+15550001", "one: hello")]


@pytest.mark.django_db
def test_app_crashing_after_replying_loses_nothing(caplog):
    router = warmed_up(make_router())
    receive_on(router, "crash")
    assert logged() == [("I", "+15550001", "crash"), ("O", "+15550001", "one: crash")]


@pytest.mark.django_db
def test_reply_to_a_filtered_message_is_logged():
    router = warmed_up(make_router())
    receive_on(router, "drop")
    assert logged() == [("O", "+15550001", "dropped")]


@pytest.mark.django_db
def test_reply_sent_after_processing_is_written_at_once():
    router = warmed_up(make_router())
    msg = receive_on(router, "hello")
    later = router.new_outgoing_message(
        text="later", connections=msg.connections, in_response_to=msg
    )
    router.send_outgoing(later)
    assert logged()[-1] == ("O", "+15550001", "later")
    assert later.logger_msg.pk is not None


class SilentRouter(BlockingRouter):
    """A router of another kind that never sends incoming_processed."""

    def process_incoming(self, msg):
        if self.process_incoming_phases(msg) is not False:
            for response in msg.responses:
                self.send_response(msg, response)


@pytest.mark.django_db
def test_router_without_the_signal_still_gets_every_row():
    router = make_router(router_class=SilentRouter)
    receive_on(router, "hello")
    receive_on(router, "again")
    assert logged() == [
        ("I", "+15550001", "hello"),
        ("O", "+15550001", "one: hello"),
        ("I", "+15550001", "again"),
        ("O", "+15550001", "one: again"),
    ]


@pytest.mark.django_db
def test_a_failed_write_is_logged_not_raised(monkeypatch, caplog):
    router = warmed_up(make_router())

    def broken(*args, **kwargs):
        raise DatabaseError("disk full")

    monkeypatch.setattr(Message.objects, "bulk_create", broken)
    with caplog.at_level(logging.ERROR):
        msg = receive_on(router, "hello")
    assert "Could not write the 2 message log row(s)" in caplog.text
    assert [sent["text"] for sent in router.backends["mock"].messages][-1] == "one: hello"
    assert msg.processed

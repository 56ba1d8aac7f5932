"""rapidsms.contrib.optout: STOP and START, and bulk sends that skip opted-out connections."""

from __future__ import annotations

import pytest
from django.test import override_settings

from rapidsms.contrib.messagelog.models import Message
from rapidsms.contrib.optout.checks import check_app_order, check_keywords
from rapidsms.contrib.optout.keywords import DEFAULT_OPTOUT_KEYWORDS, matches, normalize
from rapidsms.contrib.optout.models import (
    OptOut,
    is_opted_out,
    opt_in,
    opt_out,
    opted_out_ids,
)
from rapidsms.models import Contact
from rapidsms.tests.harness import RapidTest, TestScript
from tests.rapidpro.conftest import install_backend, received, sandbox  # noqa: F401 (fixtures used below)

APPS = [
    "rapidsms.contrib.messagelog",
    "rapidsms.contrib.optout",
    "rapidsms.contrib.handlers",
    "rapidsms.contrib.default",
]
ECHO = ["rapidsms.contrib.echo.handlers.echo.EchoHandler"]
STOPPED = (
    "You have been unsubscribed from RapidSMS and will get no more messages. "
    "Send START to subscribe again."
)
STARTED = "You are subscribed to RapidSMS again. Send STOP to stop."
DEFAULT = "Sorry, RapidSMS could not understand your message."


class OptOutTranscriptTest(TestScript):
    apps = APPS
    handlers = ECHO
    strict = True

    def test_stop_and_start(self):
        self.runScript(
            f"""
            100 > STOP
            100 < {STOPPED}
            100 > echo still answered
            100 < still answered
            100 > start
            100 < {STARTED}
            """
        )
        assert not OptOut.objects.exists()

    def test_only_a_whole_message_is_a_stop(self):
        self.runScript(
            f"""
            100 > please stop by
            100 < {DEFAULT}
            100 > stop it
            100 < {DEFAULT}
            100 > echo stop
            100 < stop
            """
        )
        assert not OptOut.objects.exists()

    def test_start_from_someone_not_opted_out_is_left_to_other_apps(self):
        self.runScript(
            f"""
            100 > START
            100 < {DEFAULT}
            """
        )

    def test_stop_twice_confirms_twice(self):
        self.runScript(
            f"""
            100 > stop
            100 < {STOPPED}
            100 > Stop!
            100 < {STOPPED}
            """
        )
        assert OptOut.objects.count() == 1

    def test_confirmation_in_the_contacts_language(self):
        connection = self.lookup_connections(["100"])[0]
        connection.contact = Contact.objects.create(name="Awa", language="fr")
        connection.save()
        stopped_fr = (
            "Vous êtes désabonné de RapidSMS et ne recevrez plus de messages. "
            "Envoyez START pour vous réabonner."
        )
        self.runScript(
            f"""
            100 > Arrêt
            100 < {stopped_fr}
            100 > START
            100 < Vous êtes de nouveau abonné à RapidSMS. Envoyez STOP pour arrêter.
            """
        )


@pytest.mark.parametrize(
    "text",
    ["STOP", "stop", " Stop ", "stop.", "STOP!!", "«STOP»", "stop\n", "StopAll", "unsubscribe",
     "cancel", "End", "QUIT", "arret", "ARRÊT", "parar", "BAJA", "acha", "sitisha", "توقف",
     "تَوَقَّفْ"],
)
def test_stop_words(text):
    assert matches(text, DEFAULT_OPTOUT_KEYWORDS)


@pytest.mark.parametrize(
    "text",
    ["please stop by", "stop it", "STOP ALL", "stopped", "s t o p", "", "   ", "!!!", "nonstop",
     "don't stop", "echo stop"],
)
def test_not_stop_words(text):
    assert not matches(text, DEFAULT_OPTOUT_KEYWORDS)


def test_normalize():
    assert normalize("  ¡Arrêt!  ") == "arret"
    assert normalize("Stop   All") == "stop all"


class OptOutSendingTest(RapidTest):
    apps = APPS
    handlers = ECHO

    def setUp(self):
        self.amina = Contact.objects.create(name="Amina")
        self.a, self.a2, self.b, self.c = self.lookup_connections(["a", "a2", "b", "c"])
        for conn in (self.a, self.a2):
            conn.contact = self.amina
            conn.save()

    def sent_to(self):
        return [identity for sent in self.sent_messages for identity in sent["identities"]]

    def test_bulk_send_skips_only_opted_out_connections(self):
        self.receive("STOP", self.a)  # Amina, with both her numbers
        self.receive("stop", self.b)  # a number without a contact
        self.clear_sent_messages()
        msg = self.send("Clinic closed today", [self.a, self.b, self.c, self.a2])
        assert self.sent_to() == ["c"]
        assert [conn.identity for conn in msg.connections] == ["c"]
        assert sorted(conn.identity for conn in msg.opted_out_connections) == ["a", "a2", "b"]
        # the log shows what was sent, not what was asked for
        assert list(
            Message.objects.filter(direction="O", text="Clinic closed today").values_list(
                "connection__identity", flat=True
            )
        ) == ["c"]

    def test_send_to_opted_out_connections_only_is_cancelled(self):
        self.receive("STOP", self.a)
        self.clear_sent_messages()
        msg = self.send("Clinic closed today", [self.a, self.a2])
        assert self.sent_messages == []
        assert msg.connections == []
        assert not Message.objects.filter(text="Clinic closed today").exists()

    def test_replies_to_an_opted_out_sender_still_go(self):
        self.receive("STOP", self.a)
        self.receive("echo are you there", self.a)
        assert self.sent_to() == ["a", "a"]
        assert self.sent_messages[1]["text"] == "are you there"

    def test_a_reply_does_not_carry_a_bulk_send_past_opt_outs(self):
        self.receive("stop", self.b)
        question = self.receive("echo x", self.c)
        self.clear_sent_messages()
        msg = self.send("To everyone", [self.b, self.c], in_response_to=question)
        assert self.sent_to() == ["c"]
        assert [conn.identity for conn in msg.opted_out_connections] == ["b"]

    def test_start_opts_back_in(self):
        self.receive("STOP", self.a2)
        self.receive("START", self.a)  # either number of the contact
        self.clear_sent_messages()
        self.send("Welcome back", [self.a, self.a2, self.c])
        assert sorted(self.sent_to()) == ["a", "a2", "c"]

    def test_contact_opt_out_covers_numbers_added_later(self):
        self.receive("STOP", self.a)
        [later] = self.lookup_connections(["a3"])
        later.contact = self.amina
        later.save()
        assert is_opted_out(later)

    def test_deleting_the_contact_keeps_its_numbers_opted_out(self):
        self.receive("STOP", self.a)
        self.amina.delete()
        assert opted_out_ids([self.a.pk, self.a2.pk, self.c.pk]) == {self.a.pk, self.a2.pk}
        assert OptOut.objects.filter(contact__isnull=True).count() == 2

    def test_registering_after_opting_out_keeps_the_number_opted_out(self):
        self.receive("STOP", self.b)
        self.b.contact = Contact.objects.create(name="Bea")
        self.b.save()
        assert is_opted_out(self.b)
        assert opt_in(self.b) is True
        assert not is_opted_out(self.b)

    @override_settings(RAPIDSMS_OPTOUT_CONFIRMATION=None, RAPIDSMS_OPTIN_CONFIRMATION=None)
    def test_confirmations_can_be_turned_off(self):
        self.receive("STOP", self.c)
        self.receive("START", self.c)
        assert self.outbound == []
        assert not is_opted_out(self.c)

    @override_settings(
        RAPIDSMS_OPTOUT_KEYWORDS=["HALT"],
        RAPIDSMS_OPTIN_KEYWORDS=["RESUME"],
        RAPIDSMS_OPTOUT_CONFIRMATION="Bye from %(project_name)s; %(keyword)s to return.",
        PROJECT_NAME="Clinic",
    )
    def test_keywords_and_texts_are_configurable(self):
        self.receive("stop", self.c)
        assert not is_opted_out(self.c)
        self.receive("halt", self.c)
        assert is_opted_out(self.c)
        assert self.outbound[-1].text == "Bye from Clinic; RESUME to return."
        self.receive("Resume", self.c)
        assert not is_opted_out(self.c)
        assert self.outbound[-1].text == "You are subscribed to Clinic again. Send HALT to stop."

    @override_settings(RAPIDSMS_OPTOUT_CONFIRMATION="100% done")
    def test_broken_confirmation_text_is_sent_as_written(self):
        with self.assertLogs("rapidsms.contrib.optout.app", "ERROR"):
            self.receive("STOP", self.c)
        assert self.outbound[-1].text == "100% done"
        assert is_opted_out(self.c)

    def test_bulk_check_is_one_query_per_500_connections(self):
        connections = self.lookup_connections([f"+1555{i:07d}" for i in range(1200)])
        opt_out(connections[7], keyword="STOP")
        with self.assertNumQueries(3):
            assert opted_out_ids(conn.pk for conn in connections) == {connections[7].pk}


# Checks ----------------------------------------------------------------------------


def ids(messages):
    return [message.id for message in messages]


def test_keyword_checks():
    assert check_keywords() == []
    with override_settings(RAPIDSMS_OPTOUT_KEYWORDS="STOP"):
        assert ids(check_keywords()) == ["optout.E001"]
    with override_settings(RAPIDSMS_OPTIN_KEYWORDS=["START", "  "]):
        assert ids(check_keywords()) == ["optout.E001"]
    with override_settings(RAPIDSMS_OPTIN_KEYWORDS=["Stop!", "START"]):
        [error] = check_keywords()
    assert error.id == "optout.E002" and "stop" in error.msg


def test_app_order_checks():
    assert check_app_order() == []
    base = ["django.contrib.contenttypes", "rapidsms"]
    wrong = base + [
        "rapidsms.contrib.handlers",
        "rapidsms.contrib.optout",
        "rapidsms.contrib.messagelog",
    ]
    with override_settings(INSTALLED_APPS=wrong):
        assert ids(check_app_order()) == ["optout.W001", "optout.W002"]


# At send time: the send_veto hook ------------------------------------------


@pytest.mark.django_db
def test_the_send_time_veto_spares_replies_and_older_opt_outs():
    from datetime import timedelta

    from django.utils import timezone

    from rapidsms.router import lookup_connections
    from rapidsms.signals import vetoed_recipients

    a, b, c = lookup_connections("mock", ["a", "b", "c"])
    before = timezone.now() - timedelta(seconds=1)
    opt_out(a)
    opt_out(b)

    def ask(**kwargs):
        return vetoed_recipients(None, backend="mock", identities=["a", "b", "c"], **kwargs)

    assert ask() == {"a": "opted out", "b": "opted out"}
    assert ask(answers={"a"}) == {"b": "opted out"}  # a reply to a's own message goes
    assert ask(written=before) == {"a": "opted out", "b": "opted out"}
    # Written after the opt-outs: the outgoing phase already let it through.
    assert ask(written=timezone.now() + timedelta(seconds=1)) == {}
    assert vetoed_recipients(None, backend="other", identities=["a"]) == {}


@pytest.fixture
def rapidpro(request, db):
    """A RapidPro backend on the sandbox, two numbers and their connections."""
    from tests.rapidpro.conftest import urns

    gateway = request.getfixturevalue("sandbox")
    backend = request.getfixturevalue("install_backend")()
    numbers = urns(2)
    connections = {c.identity: c for c in lookup("rapidpro", numbers)}
    return backend, gateway, numbers, connections


def lookup(backend, identities):
    from rapidsms.router import lookup_connections

    return lookup_connections(backend, identities)


def test_the_rapidpro_outbox_checks_opt_outs_when_it_finally_sends(rapidpro):
    from rapidsms.backends.inbound.models import DeliveryReport
    from rapidsms.backends.rapidpro.models import OutboxEntry

    backend, gateway, (stopper, other), connections = rapidpro
    gateway.fail_next(503, count=4, endpoint="broadcasts")  # RapidPro is down for a while
    backend.send("m1", "news", [stopper, other], {})
    assert set(OutboxEntry.objects.values_list("status", flat=True)) == {OutboxEntry.PENDING}

    opt_out(connections[stopper], keyword="STOP")  # the STOP arrives meanwhile
    backend.flush()

    assert gateway.received_urns() == [other]
    entry = OutboxEntry.objects.get(identity=stopper)
    assert (entry.status, entry.error) == (OutboxEntry.FAILED, "cancelled: opted out")
    report = DeliveryReport.objects.get(identity=stopper)
    assert report.status == "failed" and "opted out" in report.error


def test_the_rapidpro_outbox_still_sends_what_was_written_after_the_opt_out(rapidpro):
    backend, gateway, (person, _), connections = rapidpro
    opt_out(connections[person], keyword="STOP")
    gateway.fail_next(503, count=4, endpoint="broadcasts")
    # The STOP confirmation: the outgoing phase let it through as a reply.
    backend.send("m2", "You have been unsubscribed", [person], {"in_response_to": "m1"})
    backend.flush()

    assert gateway.received_urns() == [person]


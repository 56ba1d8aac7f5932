"""The RapidSMS 2.x harness, used exactly as RapidSMS 2.x app authors use it."""

from __future__ import annotations

import string

from django.conf import settings
from django.contrib import auth
from django.contrib.auth import get_user_model
from django.test import TestCase

from rapidsms.backends.database import DatabaseBackend
from rapidsms.errors import MessageSendingError
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.messages.outgoing import OutgoingMessage
from rapidsms.models import Backend, Connection, Contact
from rapidsms.router.blocking import BlockingRouter
from rapidsms.router.test import TestRouter
from rapidsms.tests.harness import (
    CreateDataMixin,
    CustomRouterMixin,
    DatabaseBackendMixin,
    EchoApp,
    FailedIdentitiesBackend,
    MockApp,
    MockBackend,
    MockRouter,
    RaisesBackend,
    RapidTest,
    RapidTransactionTest,
)
from tests.testing.sample_app.app import HelloApp

GREET_HANDLER = "tests.testing.sample_app.handlers.GreetHandler"
SORRY = "Sorry, RapidSMS could not understand your message."


class HelloAppTest(RapidTest):
    apps = [HelloApp]

    def test_hello_is_answered_with_the_senders_identity(self):
        connection = self.lookup_connections(["1112223333"])[0]
        msg = self.receive("hello", connection)
        self.assertTrue(msg.handled)
        self.assertEqual(self.inbound, [msg])
        self.assertEqual([m.text for m in self.outbound], ["Hi 1112223333"])
        self.assertEqual(self.outbound[0].in_response_to, msg)
        self.assertEqual(len(self.sent_messages), 1)
        sent = self.sent_messages[0]
        self.assertEqual(sent["text"], "Hi 1112223333")
        self.assertEqual(sent["identities"], ["1112223333"])
        self.assertEqual(sent["id_"], self.outbound[0].id)
        self.assertEqual(sent["context"]["in_response_to"], msg.id)

    def test_other_text_gets_no_reply(self):
        connection = self.lookup_connections(["1112223333"])[0]
        msg = self.receive("goodbye", connection)
        self.assertFalse(msg.handled)
        self.assertEqual(self.inbound, [msg])
        self.assertEqual(self.outbound, [])
        self.assertEqual(self.sent_messages, [])

    def test_each_test_gets_a_fresh_router(self):
        # The other tests of this class route messages too; none is seen here.
        self.assertEqual((self.inbound, self.outbound, self.sent_messages), ([], [], []))
        self.assertIs(self.get_router(), self.router)
        self.assertIs(settings.RAPIDSMS_ROUTER, self.router)
        self.assertIsInstance(self.router, TestRouter)
        self.assertEqual(settings.INSTALLED_BACKENDS, {"mockbackend": {"ENGINE": MockBackend}})
        self.assertEqual([type(app) for app in self.router.apps], [HelloApp])

    def test_clear_sent_messages_empties_the_backend_outbox_only(self):
        connection = self.lookup_connections(["1112223333"])[0]
        self.receive("hello", connection)
        sent = self.sent_messages
        self.clear_sent_messages()
        self.assertEqual(self.sent_messages, [])
        self.assertEqual(sent, [], "the list a test already holds is emptied too")
        self.assertEqual(len(self.outbound), 1)
        self.receive("hello", connection)
        self.assertEqual([m["text"] for m in self.sent_messages], ["Hi 1112223333"])

    def test_send_reaches_every_connection_in_one_backend_call(self):
        connections = self.lookup_connections(["1112223333", "+250788123123"])
        msg = self.send("Clinic closed today", connections)
        self.assertEqual(self.outbound, [msg])
        self.assertEqual(
            [(m["text"], m["identities"]) for m in self.sent_messages],
            [("Clinic closed today", ["1112223333", "+250788123123"])],
        )

    def test_lookup_connections_takes_identities_first_and_defaults_to_mockbackend(self):
        first = self.lookup_connections(["1112223333"])[0]
        again = self.lookup_connections(["1112223333"])[0]
        other = self.lookup_connections(["1112223333"], backend="other")[0]
        self.assertEqual(first.backend.name, "mockbackend")
        self.assertEqual(first.pk, again.pk)
        self.assertEqual(other.backend.name, "other")
        self.assertNotEqual(other.pk, first.pk)
        # A bare string is one identity, not one connection per character.
        self.assertEqual([c.identity for c in self.lookup_connections("1112223333")],
                         ["1112223333"])

    def test_login_logs_the_client_in_as_fred(self):
        user = self.login()
        self.assertEqual(user.username, "fred")
        self.assertEqual(self.user, user)
        self.assertEqual(auth.get_user(self.client).pk, user.pk)
        self.assertTrue(user.check_password("bob"))
        # Logging in again reuses the user.
        self.assertEqual(self.login().pk, user.pk)
        self.assertEqual(get_user_model().objects.count(), 1)

    def test_login_uses_the_username_and_password_a_test_sets(self):
        self.username, self.password = "amina", "s3cret"
        user = self.login()
        self.assertEqual(auth.get_user(self.client).username, "amina")
        self.assertTrue(user.check_password("s3cret"))


class AppByDjangoAppNameTest(RapidTest):
    apps = ["tests.testing.sample_app"]

    def test_app_is_found_in_the_django_apps_app_module(self):
        self.receive("hello", self.lookup_connections(["+250788123123"])[0])
        self.assertEqual([m.text for m in self.outbound], ["Hi +250788123123"])


class SetUpCallsSuperTest(RapidTest):
    apps = [HelloApp]

    def setUp(self):
        super().setUp()
        self.connection = self.lookup_connections(["1112223333"])[0]
        self.receive("hello", self.connection)

    def test_what_setup_routed_is_recorded(self):
        self.assertEqual(len(self.inbound), 1)
        self.assertEqual([m["text"] for m in self.sent_messages], ["Hi 1112223333"])

    def test_setup_data_belongs_to_this_test(self):
        self.receive("hello", self.connection)
        self.assertEqual(len(self.sent_messages), 2)
        self.assertEqual(Connection.objects.count(), 1)


class SetUpWithoutSuperTest(RapidTest):
    apps = [HelloApp]

    def setUp(self):  # deliberately without super().setUp()
        self.connection = self.lookup_connections(["1112223333"])[0]

    def test_router_is_installed_anyway(self):
        self.receive("hello", self.connection)
        self.assertEqual([m["text"] for m in self.sent_messages], ["Hi 1112223333"])


class DisablePhasesTest(RapidTest):
    apps = [HelloApp, MockApp]
    disable_phases = True

    def test_messages_are_recorded_but_no_app_or_backend_runs(self):
        connection = self.lookup_connections(["1112223333"])[0]
        msg = self.receive("hello", connection)
        self.send("news", connection)
        self.assertEqual(self.inbound, [msg])
        self.assertEqual([m.text for m in self.outbound], ["news"])
        self.assertEqual(msg.responses, [])
        self.assertEqual(self.sent_messages, [])
        self.assertEqual(self.router.get_app(MockApp).calls, [])


class HandlersOverrideTest(RapidTest):
    # No ``apps``: every installed SMS app runs (handlers, then default).
    handlers = [GREET_HANDLER]

    def setUp(self):
        super().setUp()
        self.connection = self.lookup_connections(["1112223333"])[0]

    def test_handlers_replace_the_projects_handlers_for_the_test(self):
        self.assertEqual(settings.RAPIDSMS_HANDLERS, [GREET_HANDLER])
        self.receive("greet Amina", self.connection)
        self.receive("WELCOME", self.connection)
        # The project's echo handler is not installed in this test.
        self.receive("echo hi", self.connection)
        self.assertEqual(
            [m.text for m in self.outbound],
            ["Greetings, Amina!", "To greet someone, send: GREET <NAME>", SORRY],
        )


class ProjectHandlersTest(RapidTest):
    def test_without_handlers_the_projects_handlers_answer(self):
        self.assertNotIn(GREET_HANDLER, settings.RAPIDSMS_HANDLERS)
        connection = self.lookup_connections(["1112223333"])[0]
        self.receive("echo hi", connection)
        self.receive("greet Amina", connection)
        self.assertEqual([m.text for m in self.outbound], ["hi", SORRY])


class MockAppTest(RapidTest):
    apps = [MockApp]

    def setUp(self):
        super().setUp()
        self.app = self.router.get_app(MockApp)
        self.connection = self.lookup_connections(["1112223333"])[0]

    def test_calls_records_every_phase_in_order(self):
        self.receive("anything", self.connection)
        self.assertEqual(self.app.calls, ["filter", "parse", "handle", "default", "cleanup"])

    def test_return_values_make_the_app_filter(self):
        self.app.return_values["filter"] = True
        self.receive("anything", self.connection)
        self.assertEqual(self.app.calls, ["filter"])

    def test_return_values_make_the_app_handle(self):
        self.app.return_values["handle"] = True
        msg = self.receive("anything", self.connection)
        self.assertTrue(msg.handled)
        self.assertEqual(self.app.calls, ["filter", "parse", "handle", "cleanup"])

    def test_return_values_make_the_app_cancel_a_send(self):
        self.app.return_values["outgoing"] = False
        self.send("never sent", self.connection)
        self.assertEqual(self.app.calls, ["outgoing"])
        self.assertEqual([m.text for m in self.outbound], ["never sent"])
        self.assertEqual(self.sent_messages, [])


class EchoAppTest(RapidTest):
    apps = [EchoApp]

    def test_echo_app_replies_identity_and_text_and_records_calls(self):
        connection = self.lookup_connections(["+250788123123"])[0]
        msg = self.receive("ping me", connection)
        self.assertEqual([m["text"] for m in self.sent_messages], ["+250788123123: ping me"])
        app = self.router.get_app(EchoApp)
        # As in RapidSMS 2.x, the echo does not mark the message handled.
        self.assertFalse(msg.handled)
        self.assertEqual(
            app.calls, ["filter", "parse", "handle", "default", "cleanup", "outgoing"]
        )


class TestBackendsTest(RapidTest):
    apps = []
    backends = {
        "mockbackend": {"ENGINE": MockBackend},
        "broken": {"ENGINE": RaisesBackend},
        "partial": {"ENGINE": FailedIdentitiesBackend},
    }

    def test_raises_backend_fails_every_send_and_others_still_get_it(self):
        connections = [
            self.lookup_connections(["2223334444"], backend="broken")[0],
            self.lookup_connections(["5556667777"])[0],
        ]
        with self.assertRaises(MessageSendingError) as caught:
            self.send("hello", connections)
        self.assertEqual(caught.exception.failed_identities, ["2223334444"])
        self.assertEqual(caught.exception.backend, "broken")
        self.assertEqual([m["identities"] for m in self.sent_messages], [["5556667777"]])

    def test_failed_identities_backend_fails_identities_containing_a_one(self):
        connections = self.lookup_connections(["2223334444", "1112223333"], backend="partial")
        with self.assertRaises(MessageSendingError) as caught:
            self.send("hello", connections)
        self.assertEqual(caught.exception.failed_identities, ["1112223333"])
        backend = self.router.backends["partial"]
        self.assertEqual([m["identities"] for m in backend.messages], [["2223334444"]])

    def test_mock_backend_takes_any_option(self):
        router = TestRouter(apps=[], backends={
            "gateway": {"ENGINE": MockBackend, "URL": "http://127.0.0.1:1/", "timeout": 3}
        })
        self.assertEqual(router.backends["gateway"].messages, [])
        self.assertEqual(router.backends["gateway"]._config["url"], "http://127.0.0.1:1/")


class RoutersTest(RapidTest):
    def test_mock_router_is_the_test_router(self):
        self.assertIs(MockRouter, TestRouter)

    def test_an_app_can_be_unit_tested_with_a_bare_test_router(self):
        app = HelloApp(TestRouter())
        msg = self.create_incoming_message({"text": "hello"})
        self.assertTrue(app.handle(msg))
        self.assertEqual(
            [r["text"] for r in msg.responses], [f"Hi {msg.connections[0].identity}"]
        )


class CreateDataTest(RapidTest):
    def test_random_strings(self):
        text = self.random_string(20)
        self.assertEqual(len(text), 20)
        self.assertTrue(text.isascii() and text.isalpha())
        self.assertEqual(len(self.random_string()), 255)
        with_extra = self.random_string(500, extra_chars="!" * 500)
        self.assertIn("!", with_extra)
        self.assertLessEqual(set(with_extra), set(string.ascii_letters + "!"))
        unicode_text = self.random_unicode_string(5)
        self.assertTrue(1 <= len(unicode_text) <= 5)
        self.assertFalse(any(char.isascii() for char in unicode_text))

    def test_create_backend_contact_and_connection(self):
        backend = self.create_backend()
        self.assertEqual(len(backend.name), 12)
        self.assertEqual(self.create_backend({"name": "kannel-mtn"}).name, "kannel-mtn")
        contact = self.create_contact({"language": "fr"})
        self.assertEqual(Contact.objects.get(pk=contact.pk).language, "fr")
        self.assertEqual(len(contact.name), 12)

        connection = self.create_connection()
        self.assertEqual(len(connection.identity), 10)
        self.assertNotIn(connection.backend.name, ("mockbackend", backend.name))
        chosen = self.create_connection(
            {"backend": backend, "identity": "+250788123123", "contact": contact}
        )
        self.assertEqual(Connection.objects.get(pk=chosen.pk).contact, contact)
        self.assertEqual(chosen.backend, backend)

    def test_create_messages_builds_them_without_routing(self):
        incoming = self.create_incoming_message()
        self.assertIsInstance(incoming, IncomingMessage)
        self.assertEqual(len(incoming.text), 10)
        self.assertEqual(len(incoming.connections), 1)

        outgoing = self.create_outgoing_message({"text": "hi"})
        self.assertIsInstance(outgoing, OutgoingMessage)
        self.assertEqual(outgoing.text, "hi")
        backend = self.create_backend({"name": "chosen"})
        on_backend = self.create_outgoing_message(backend=backend)
        self.assertEqual(on_backend.connections[0].backend, backend)
        given = self.lookup_connections(["1112223333"])
        self.assertEqual(self.create_outgoing_message({"connections": given}).connections, given)

        self.assertEqual((self.inbound, self.outbound, self.sent_messages), ([], [], []))
        self.assertEqual(Backend.objects.filter(name="mockbackend").count(), 1)


class HelloTransactionTest(RapidTransactionTest):
    apps = [HelloApp]

    def test_first(self):
        self._hello_once()

    def test_second(self):
        self._hello_once()

    def _hello_once(self):
        # The database is emptied between the tests, and each has its own router.
        self.assertEqual(Connection.objects.count(), 0)
        self.assertEqual(self.sent_messages, [])
        self.receive("hello", self.lookup_connections(["1112223333"])[0])
        self.assertEqual([m["text"] for m in self.sent_messages], ["Hi 1112223333"])
        self.assertIs(self.get_router(), self.router)


class DatabaseBackendTest(DatabaseBackendMixin, TestCase):
    # The project's SMS apps (handlers: echo and ping; default) answer.

    def setUp(self):
        super().setUp()
        self.connection = self.lookup_connections(["1112223333"])[0]

    def test_sent_messages_are_the_rows_the_database_backend_wrote(self):
        self.assertEqual(self.backend.name, "mockbackend")
        self.assertEqual(self.connection.backend, self.backend)
        router = self.get_router()
        self.assertIsInstance(router, BlockingRouter)
        self.assertNotIsInstance(router, TestRouter)
        self.assertIsInstance(router.backends["mockbackend"], DatabaseBackend)
        self.receive("echo hi", self.connection)
        self.receive("ping", self.connection)
        self.assertEqual(
            list(self.sent_messages.values_list("identity", "text")),
            [("1112223333", "hi"), ("1112223333", "pong")],
        )


class CustomRouterTest(CustomRouterMixin, TestCase):
    backends = {"sms": {"ENGINE": MockBackend}}

    def test_router_class_and_backends_are_installed(self):
        self.assertEqual(settings.RAPIDSMS_ROUTER, "rapidsms.router.blocking.BlockingRouter")
        self.assertEqual(settings.INSTALLED_BACKENDS, self.backends)
        router = self.get_router()
        self.assertIs(type(router), BlockingRouter)
        # RapidSMS 2.x order here: backend first, then identities.
        connection = self.lookup_connections("sms", ["+250788123123"])[0]
        self.receive("echo hi", connection)
        self.assertEqual(
            [m["text"] for m in router.backends["sms"].messages], ["hi"]
        )


class CreateDataMixinAloneTest(CreateDataMixin, TestCase):
    def test_mixin_works_on_a_plain_test_case(self):
        connection = self.create_connection({"identity": "1112223333"})
        self.assertEqual(Connection.objects.get().identity, "1112223333")
        self.assertTrue(Backend.objects.filter(pk=connection.backend_id).exists())

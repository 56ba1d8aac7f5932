"""The handlers app: RAPIDSMS_HANDLERS, dispatch order, deprecated discovery, Handler.test()."""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils.translation import gettext_lazy

from rapidsms.contrib.echo.handlers.echo import EchoHandler
from rapidsms.contrib.echo.handlers.ping import PingHandler
from rapidsms.contrib.handlers import BaseHandler, HandlerError, KeywordHandler
from rapidsms.contrib.handlers.app import App
from rapidsms.contrib.handlers.utils import discover_handlers, get_handlers
from rapidsms.tests.harness import RapidTest, TestScript
from tests.contrib.handler_apps.greetings.handlers.bye import ByeHandler
from tests.contrib.handler_apps.greetings.handlers.hello import HelloHandler

HERE = "tests.contrib.test_handlers_app"


class FirstHandler(KeywordHandler):
    keyword = "order"

    def help(self):
        self.respond("first")

    def handle(self, text):
        self.respond("first: " + text)


class SecondHandler(KeywordHandler):
    keyword = "order|second"

    def help(self):
        self.respond("second")

    def handle(self, text):
        self.respond("second: " + text)


class DeclineHandler(BaseHandler):
    """Replies but declines the message: the reply is still sent, others still run."""

    @classmethod
    def dispatch(cls, router, msg):
        msg.respond("noted")
        return False


class LazyHandler(KeywordHandler):
    keyword = "lazy"

    def help(self):
        self.respond(gettext_lazy("Sorry, %(project_name)s could not understand your message."))

    def handle(self, text):
        self.help()


class HandlersOrderTest(TestScript):
    apps = ["rapidsms.contrib.handlers", "rapidsms.contrib.default"]
    handlers = [f"{HERE}.FirstHandler", f"{HERE}.SecondHandler"]
    strict = True

    def test_first_handler_in_the_list_wins(self):
        self.runScript(
            """
            100 > order now
            100 < first: now
            100 > second now
            100 < second: now
            """
        )

    def test_unhandled_message_falls_to_default(self):
        self.runScript(
            """
            100 > what?
            100 < Sorry, RapidSMS could not understand your message.
            """
        )


class HandlersReversedOrderTest(TestScript):
    apps = ["rapidsms.contrib.handlers"]
    handlers = [f"{HERE}.SecondHandler", f"{HERE}.FirstHandler"]
    strict = True

    def test_order_follows_the_setting(self):
        self.runScript(
            """
            100 > order now
            100 < second: now
            """
        )


class DecliningHandlerTest(RapidTest):
    apps = ["rapidsms.contrib.handlers", "rapidsms.contrib.default"]
    handlers = [f"{HERE}.DeclineHandler", f"{HERE}.FirstHandler"]

    def test_false_from_dispatch_lets_the_next_handler_try(self):
        msg = self.receive("order x", self.lookup_connections(["100"])[0])
        assert msg.handled is True
        assert [m.text for m in self.outbound] == ["noted", "first: x"]


class NoHandlersTest(RapidTest):
    apps = ["rapidsms.contrib.handlers", "rapidsms.contrib.default"]
    handlers = []

    def test_empty_setting_means_no_handlers(self):
        self.receive("echo hi", self.lookup_connections(["100"])[0])
        assert [m.text for m in self.outbound] == [
            "Sorry, RapidSMS could not understand your message."
        ]


class EchoThroughRouterTest(TestScript):
    apps = ["rapidsms.contrib.handlers", "rapidsms.contrib.default"]
    handlers = [
        "rapidsms.contrib.echo.handlers.echo.EchoHandler",
        "rapidsms.contrib.echo.handlers.ping.PingHandler",
    ]
    strict = True

    def test_echo_and_ping_transcript(self):
        self.runScript(
            """
            +15550001 > echo hello
            +15550001 < hello
            +15550001 > ECHO   Hello World
            +15550001 < Hello World
            +15550001 > echo
            +15550001 < To echo some text, send: ECHO <ANYTHING>
            +15550001 > ping
            +15550001 < pong
            +15550001 > PING
            +15550001 < Sorry, RapidSMS could not understand your message.
            """
        )

    def test_each_identity_gets_its_own_reply(self):
        self.runScript(
            """
            111 > echo one
            111 < one
            222 > echo two
            222 < two
            """
        )
        assert [(m.connections[0].identity, m.text) for m in self.outbound] == [
            ("111", "one"),
            ("222", "two"),
        ]


class SenderLanguageTest(RapidTest):
    apps = ["rapidsms.contrib.handlers"]
    handlers = [f"{HERE}.LazyHandler"]

    def test_handlers_run_in_the_senders_language(self):
        connection = self.lookup_connections(["100"])[0]
        connection.contact = self.create_contact({"language": "fr"})
        connection.save()
        self.receive("lazy", connection)
        # The lazy text was rendered while French was active, not when sent.
        assert self.outbound[0].text == "Désolé, %(project_name)s n'a pas compris votre message."
        assert isinstance(self.outbound[0].text, str)


# get_handlers() and discovery ------------------------------------------------------


@override_settings(RAPIDSMS_HANDLERS=[f"{HERE}.SecondHandler", f"{HERE}.FirstHandler"])
def test_get_handlers_reads_the_setting_in_order():
    assert get_handlers() == [SecondHandler, FirstHandler]


@override_settings(RAPIDSMS_HANDLERS=["tests.contrib.nowhere.Handler"])
def test_get_handlers_unknown_path_raises_import_error():
    with pytest.raises(ImportError):
        get_handlers()


@override_settings(RAPIDSMS_HANDLERS=["rapidsms.contrib.handlers.app.App"])
def test_get_handlers_refuses_a_class_that_is_not_a_handler():
    with pytest.raises(HandlerError, match="is not a subclass of"):
        get_handlers()


def test_discover_handlers_reads_one_class_per_public_module():
    found = discover_handlers(
        ["tests.contrib.handler_apps.greetings", "tests.contrib.handler_apps.empty"]
    )
    # modules in alphabetical order: bye.py, hello.py; _private.py is skipped
    assert found == [ByeHandler, HelloHandler]


def test_discover_handlers_refuses_a_handlers_module():
    with pytest.raises(HandlerError, match="flat.handlers must be a package"):
        discover_handlers(["tests.contrib.handler_apps.flat"])


def test_discover_handlers_refuses_two_handlers_in_a_module():
    with pytest.raises(HandlerError, match=r"exactly one handler class \(found: FirstHandler"):
        discover_handlers(["tests.contrib.handler_apps.crowded"])


DISCOVERY_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rapidsms",
    "rapidsms.contrib.handlers",
    "rapidsms.contrib.echo",
    "tests.contrib.handler_apps.greetings",
    "tests.contrib.handler_apps.flat",
]


def _without_handlers_setting():
    del settings.RAPIDSMS_HANDLERS


@override_settings(INSTALLED_APPS=DISCOVERY_APPS,
                   RAPIDSMS_HANDLERS_EXCLUDE_APPS=["tests.contrib.handler_apps.flat"])
def test_without_the_setting_handlers_are_discovered_with_a_warning():
    _without_handlers_setting()
    with pytest.deprecated_call(match="list the handler classes in settings.RAPIDSMS_HANDLERS"):
        found = get_handlers()
    assert found == [EchoHandler, PingHandler, ByeHandler, HelloHandler]


@override_settings(
    INSTALLED_APPS=DISCOVERY_APPS,
    RAPIDSMS_HANDLERS_EXCLUDE_APPS=["tests.contrib.handler_apps.flat"],
    INSTALLED_HANDLERS=["rapidsms.contrib.echo.handlers.ping", "tests.contrib.handler_apps"],
    EXCLUDED_HANDLERS=["tests.contrib.handler_apps.greetings.handlers.bye"],
)
def test_installed_and_excluded_handlers_filter_by_module_prefix():
    _without_handlers_setting()
    with pytest.deprecated_call():
        assert get_handlers() == [PingHandler, HelloHandler]


@override_settings(
    INSTALLED_APPS=DISCOVERY_APPS,
    RAPIDSMS_HANDLERS_EXCLUDE_APPS=["tests.contrib.handler_apps.flat"],
    INSTALLED_HANDLERS=[],
)
def test_empty_installed_handlers_installs_none():
    _without_handlers_setting()
    with pytest.deprecated_call():
        assert get_handlers() == []


@override_settings(INSTALLED_APPS=DISCOVERY_APPS)
def test_discovery_reports_a_handlers_module_it_cannot_read():
    _without_handlers_setting()
    with pytest.deprecated_call(), pytest.raises(HandlerError, match="RAPIDSMS_HANDLERS_EXCLUDE"):
        get_handlers()


def test_app_reads_handlers_when_built():
    with override_settings(RAPIDSMS_HANDLERS=[f"{HERE}.FirstHandler"]):
        app = App(router=None)
    assert app.handlers == [FirstHandler]


# Handler.test() ------------------------------------------------------------------


@pytest.mark.django_db
def test_handler_test_returns_reply_texts():
    assert EchoHandler.test("echo hello") == ["hello"]
    assert EchoHandler.test("echo") == ["To echo some text, send: ECHO <ANYTHING>"]
    assert PingHandler.test("ping") == ["pong"]


@pytest.mark.django_db
def test_handler_test_returns_false_when_not_taken():
    assert EchoHandler.test("hello") is False
    assert BaseHandler.test("anything") is False


@pytest.mark.django_db
def test_handler_test_uses_a_saved_connection_with_the_identity():
    class WhoHandler(BaseHandler):
        @classmethod
        def dispatch(cls, router, msg):
            connection = msg.connections[0]
            msg.respond(f"{connection.identity} {connection.pk is not None} {router}")
            return True

    assert WhoHandler.test("x", identity="+15550009") == ["+15550009 True None"]
    assert WhoHandler.test("x") == ["mock True None"]


class MockBackendHandlerTest(RapidTest):
    """A 2.x handler test that sets ``_mock_backend`` to choose the backend of ``test()``."""

    def setUp(self):
        from rapidsms.models import Backend

        class WhereHandler(BaseHandler):
            @classmethod
            def dispatch(cls, router, msg):
                msg.respond(msg.connections[0].backend.name)
                return True

        WhereHandler._mock_backend = Backend.objects.create(name="clinic-modem")
        self.handler = WhereHandler

    def test_handler_test_uses_the_mock_backend_the_class_sets(self):
        assert self.handler.test("where?") == ["clinic-modem"]
        self.handler._mock_backend = "by-name"  # a name works too
        assert self.handler.test("where?") == ["by-name"]


class HandleReturnValueTest(RapidTest):
    apps = ["rapidsms.contrib.handlers"]
    handlers = [f"{HERE}.FirstHandler"]

    def test_handle_returns_none_when_no_handler_took_the_message_as_in_2x(self):
        app = App(self.router)
        msg = self.create_incoming_message(data={"text": "nothing for anyone"})
        assert app.handle(msg) is None
        msg = self.create_incoming_message(data={"text": "order now"})
        assert app.handle(msg) is True

    @override_settings(RAPIDSMS_HANDLERS=[])
    def test_handle_returns_none_without_handlers(self):
        app = App(self.router)
        assert app.handle(self.create_incoming_message(data={"text": "x"})) is None

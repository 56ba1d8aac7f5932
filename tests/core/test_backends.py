"""Backends: how the router calls them, their options, and what happens when they fail."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import ImproperlyConfigured

from rapidsms.backends.base import BackendBase
from rapidsms.backends.database import DatabaseBackend
from rapidsms.backends.database.models import BackendMessage
from rapidsms.errors import MessageSendingError
from rapidsms.messages import IncomingMessage
from rapidsms.models import Backend, Connection
from rapidsms.router import lookup_connections, receive, send
from rapidsms.router.blocking import BlockingRouter
from tests.core.helpers import (
    RaisingBackend,
    RecordingBackend,
    StrictSignatureBackend,
    make_app,
)

TWO_BACKENDS = {"sms": {"ENGINE": RecordingBackend}, "mail": {"ENGINE": RecordingBackend}}


def errors(caplog):
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


# One call per backend ---------------------------------------------------------------


def test_one_send_call_per_backend_with_all_its_identities(install_router):
    router = install_router(backends=TWO_BACKENDS)
    sms = lookup_connections("sms", ["+15550001", "+15550002", "+15550003"])
    mail = lookup_connections("mail", ["ann@example.org", "bob@example.org"])
    msg = send("meeting at 5", [sms[0], mail[0], sms[1], mail[1], sms[2]])
    assert router.backends["sms"].calls == [{
        "id_": msg.id, "text": "meeting at 5",
        "identities": ["+15550001", "+15550002", "+15550003"], "context": {},
    }]
    assert router.backends["mail"].sent() == [
        ("meeting at 5", ["ann@example.org", "bob@example.org"]),
    ]


def test_one_send_call_per_backend_from_a_queryset(install_router):
    router = install_router(backends=TWO_BACKENDS)
    lookup_connections("sms", ["+15550001", "+15550002"])
    lookup_connections("mail", ["ann@example.org"])
    send("hi all", Connection.objects.order_by("pk"))
    assert router.backends["sms"].sent() == [("hi all", ["+15550001", "+15550002"])]
    assert router.backends["mail"].sent() == [("hi all", ["ann@example.org"])]


def test_a_repeated_identity_is_sent_once(install_router):
    router = install_router()
    first, second = lookup_connections("sms", ["+15550001", "+15550002"])
    again = Connection.objects.get(pk=first.pk)
    send("once", [first, second, first, again])
    assert router.backends["sms"].sent() == [("once", ["+15550001", "+15550002"])]


# Failures ------------------------------------------------------------------------


def test_send_to_an_unconfigured_backend_names_it_and_still_sends_to_the_others(
    install_router, caplog
):
    router = install_router()
    ghost = lookup_connections("ghost", ["+15550009"])
    real = lookup_connections("sms", ["+15550001"])
    with pytest.raises(MessageSendingError, match="'ghost'") as raised:
        send("hello", ghost + real)
    assert raised.value.failed_identities == ["+15550009"]
    assert raised.value.backend == "ghost"
    assert raised.value.retryable is False
    assert router.backends["sms"].sent() == [("hello", ["+15550001"])]
    [record] = errors(caplog)
    assert "ghost" in record.getMessage() and "+15550009" in record.getMessage()


def test_partial_failure_reports_the_failed_identities(install_router, caplog):
    router = install_router(backends={
        "sms": {"ENGINE": RecordingBackend, "fail_identities": ["+15550002"]},
    })
    connections = lookup_connections("sms", ["+15550001", "+15550002", "+15550003"])
    with pytest.raises(MessageSendingError) as raised:
        send("hello", connections)
    assert raised.value.failed_identities == ["+15550002"]
    assert raised.value.backend == "sms"
    assert "+15550002" in str(raised.value)
    assert router.backends["sms"].sent() == [("hello", ["+15550001", "+15550002", "+15550003"])]
    [record] = errors(caplog)
    assert "sms" in record.getMessage() and "+15550002" in record.getMessage()


def test_failures_on_two_backends_are_reported_together(install_router):
    router = install_router(backends={
        "sms": {"ENGINE": RecordingBackend, "fail_identities": ["+15550001"]},
        "mail": {"ENGINE": RecordingBackend},
    })
    connections = (lookup_connections("sms", ["+15550001", "+15550002"])
                   + lookup_connections("ghost", ["x"])
                   + lookup_connections("mail", ["ann@example.org"]))
    with pytest.raises(MessageSendingError) as raised:
        send("hello", connections)
    assert sorted(raised.value.failed_identities) == ["+15550001", "x"]
    assert router.backends["mail"].sent() == [("hello", ["ann@example.org"])]


def test_a_plain_exception_in_a_backend_becomes_a_message_sending_error(install_router, caplog):
    install_router(backends={"broken": {"ENGINE": RaisingBackend}})
    connections = lookup_connections("broken", ["+15550001", "+15550002"])
    with pytest.raises(MessageSendingError, match="broken") as raised:
        send("hello", connections)
    assert raised.value.failed_identities == ["+15550001", "+15550002"]
    assert raised.value.backend == "broken"
    assert isinstance(raised.value.__cause__, ConnectionResetError)
    [record] = errors(caplog)
    assert "broken encountered an error" in record.getMessage()
    assert record.exc_info is not None


def test_a_failing_reply_is_logged_and_the_other_replies_are_sent(install_router, journal,
                                                                  caplog):
    class TwoReplies(make_app("replier", journal)):
        def handle(self, msg):
            msg.respond("to nowhere", connections=lookup_connections("ghost", ["+15550009"]))
            msg.respond("to the sender")
            return True

    router = install_router(apps=[TwoReplies])
    msg = receive("hi", lookup_connections("sms", ["+15550001"])[0])
    assert msg.handled is True
    assert router.backends["sms"].sent() == [("to the sender", ["+15550001"])]
    [record] = errors(caplog)
    assert "ghost" in record.getMessage()


def test_a_reply_the_gateway_refuses_does_not_stop_the_next(install_router, journal, caplog):
    router = install_router(
        apps=[make_app("one", journal, replies={"handle": "first"}),
              make_app("two", journal, replies={"handle": "second"})],
        backends={"sms": {"ENGINE": RaisingBackend}, "mail": {"ENGINE": RecordingBackend}},
    )

    class Forward(make_app("forward", journal)):
        def cleanup(self, msg):
            msg.respond("copy", connections=lookup_connections("mail", ["ann@example.org"]))

    router.add_app(Forward)
    receive("hi", lookup_connections("sms", ["+15550001"])[0])
    assert router.backends["mail"].sent() == [("copy", ["ann@example.org"])]
    assert len(errors(caplog)) == 2  # "first" and "second" failed on the raising backend


# Options -------------------------------------------------------------------------


def test_option_keys_are_lower_cased(db):
    router = BlockingRouter(apps=[], backends={
        "sms": {"ENGINE": RecordingBackend, "FAIL_IDENTITIES": ["+15550001"]},
    })
    backend = router.backends["sms"]
    assert backend.fail_identities == {"+15550001"}
    assert backend._config == {"fail_identities": ["+15550001"]}


def test_router_options_are_kept_but_not_passed_to_configure(db):
    router = BlockingRouter(apps=[], backends={
        "sms": {"ENGINE": StrictSignatureBackend, "ROUTER.CELERY.EAGER": True},
    })
    assert router.backends["sms"]._config == {"router.celery.eager": True}


def test_an_unknown_option_names_the_backend_and_the_option(db):
    with pytest.raises(ImproperlyConfigured, match=r"'sms'.*colour.*fail_identities"):
        BlockingRouter(apps=[], backends={"sms": {"ENGINE": RecordingBackend, "COLOUR": "red"}})


def test_an_unknown_option_for_configure_without_kwargs_is_improperly_configured(db):
    with pytest.raises(ImproperlyConfigured, match=r"'strict'.*colour.*url") as raised:
        BlockingRouter(apps=[], backends={"strict": {"ENGINE": StrictSignatureBackend,
                                                     "url": "http://127.0.0.1/", "colour": 1}})
    # Also the TypeError RapidSMS 2.x raised from configure(**options).
    assert isinstance(raised.value, TypeError)


class RequiredOptionBackend(BackendBase):
    """A RapidSMS 2.x add-on's backend: ``configure()`` requires its URL."""

    def configure(self, sendsms_url, sendsms_params=None, **kwargs):
        self.sendsms_url = sendsms_url

    def send(self, id_, text, identities, context=None):
        """Never called in these tests."""


def test_a_missing_required_option_is_a_type_error_as_in_2x_and_improperly_configured(db):
    # 2.x add-ons' tests assert exactly this: self.assertRaises(TypeError, ...).
    with pytest.raises(TypeError, match=r"'addon'.*sendsms_url") as raised:
        RequiredOptionBackend(None, "addon")
    assert isinstance(raised.value, ImproperlyConfigured)
    with pytest.raises(TypeError):
        BlockingRouter(apps=[], backends={"addon": {"ENGINE": RequiredOptionBackend}})
    assert RequiredOptionBackend(None, "addon", sendsms_url="http://x/").sendsms_url == \
        "http://x/"


def test_the_bundled_2x_vumi_backend_without_its_url_is_a_type_error(db):
    from rapidsms.backends.vumi import VumiBackend

    with pytest.raises(TypeError, match="sendsms_url"):
        VumiBackend(None, "vumi")


def test_a_declared_option_reaches_configure(db):
    router = BlockingRouter(apps=[], backends={
        "strict": {"ENGINE": "tests.core.helpers.StrictSignatureBackend",
                   "URL": "http://127.0.0.1:8080/send"},
    })
    assert router.backends["strict"].url == "http://127.0.0.1:8080/send"


def test_an_engine_that_is_not_a_backend_is_improperly_configured(db):
    with pytest.raises(ImproperlyConfigured, match=r"INSTALLED_BACKENDS\['sms'\]\['ENGINE'\]") \
            as raised:
        BlockingRouter(apps=[], backends={"sms": {"ENGINE": "rapidsms.models.Contact"}})
    assert isinstance(raised.value, ValueError)  # what RapidSMS 2.x raised


def test_an_engine_that_does_not_import_leaves_the_rest_of_the_router_working(db, caplog):
    # A 2.x project whose gateway package is absent still runs (its tests, say).
    router = BlockingRouter(apps=[], backends={
        "gone": {"ENGINE": "rapidsms.backends.nowhere.Backend"},
        "sms": {"ENGINE": RecordingBackend},
    })
    assert list(router.backends) == ["sms"]
    assert "rapidsms.backends.nowhere" in router.unavailable_backends["gone"]
    assert any("'gone' is not loaded" in r.getMessage() for r in caplog.records
               if r.levelno == logging.ERROR)
    [sms] = lookup_connections("sms", ["+15550001"])
    [gone] = lookup_connections("gone", ["+15550002"])
    router.send_to_backend("sms", "1", "hi", [sms.identity], {})
    caplog.clear()
    with pytest.raises(MessageSendingError, match="could not load the 'gone' backend.*nowhere"):
        router.send_to_backend("gone", "2", "hi", [gone.identity], {})
    [record] = [r for r in caplog.records if r.levelno == logging.ERROR]
    assert "+15550002" in record.getMessage() and "could not be loaded" in record.getMessage()
    with pytest.raises(ImproperlyConfigured):  # asked for by name, it still refuses
        router.add_backend("gone", "rapidsms.backends.nowhere.Backend")


def test_a_backend_without_engine_is_improperly_configured(db):
    with pytest.raises(ImproperlyConfigured, match="ENGINE"):
        BlockingRouter(apps=[], backends={"sms": {"url": "x"}})


def test_backend_base_contract(db):
    backend = BackendBase(None, "plain")
    assert repr(backend) == "<backend: plain>" and str(backend) == "plain"
    assert backend.model == Backend.objects.get(name="plain")
    assert backend.model.pk == Backend.objects.get().pk
    with pytest.raises(NotImplementedError):
        backend.send("id", "text", ["+15550001"], {})


# The database backend ------------------------------------------------------------


def test_database_backend_writes_one_row_per_identity(install_router):
    install_router(backends={"db": {"ENGINE": DatabaseBackend}})
    connections = lookup_connections("db", ["+15550001", "+15550002", "+15550003"])
    msg = send("stored", connections)
    rows = list(BackendMessage.objects.values_list(
        "name", "direction", "message_id", "external_id", "identity", "text"))
    assert rows == [("db", "O", msg.id, "", identity, "stored")
                    for identity in ("+15550001", "+15550002", "+15550003")]


def test_database_backend_stores_the_external_id_of_the_message_answered(install_router,
                                                                        journal):
    install_router(apps=[make_app("answer", journal, replies={"handle": "thanks"})],
                   backends={"db": {"ENGINE": DatabaseBackend}})
    incoming = receive("hi", lookup_connections("db", ["+15550001"])[0],
                       fields={"external_id": "gw-123"})
    row = BackendMessage.objects.get()
    assert (row.identity, row.text, row.external_id) == ("+15550001", "thanks", "gw-123")
    assert row.message_id != incoming.id and len(row.message_id) == 32
    assert str(row) == "+15550001 < thanks"


def test_database_backend_keeps_long_gateway_ids(install_router):
    install_router(backends={"db": {"ENGINE": DatabaseBackend}})
    original = IncomingMessage(connections=lookup_connections("db", ["+15550001"]), text="hi",
                               fields={"external_id": "wamid." + "HBgL" * 30})
    send("answer", original.connections, in_response_to=original, id_="x" * 80)
    row = BackendMessage.objects.get()
    assert (row.external_id, row.message_id) == ("wamid." + "HBgL" * 30, "x" * 80)


def test_database_backend_takes_no_options(db):
    with pytest.raises(ImproperlyConfigured, match="'db'.*path"):
        BlockingRouter(apps=[], backends={"db": {"ENGINE": DatabaseBackend, "PATH": "/tmp"}})


def test_send_many_sends_each_message_and_keeps_each_outcome() -> None:
    """The default of the coalescing hook: one send() per message, each outcome its own."""

    class Recording(BackendBase):
        def send(self, id_, text, identities, context=None):
            if id_ == 2:
                raise MessageSendingError("gateway said no", identities)
            return {identity: f"gw-{id_}-{identity}" for identity in identities}

    backend = Recording(None, "recording")
    assert backend.coalesce_window == 0
    outcomes = backend.send_many("hi", [(1, ["+1"], {}), (2, ["+2"], {}), (3, ["+3"], {})])
    assert outcomes[1] == {"+1": "gw-1-+1"} and outcomes[3] == {"+3": "gw-3-+3"}
    assert isinstance(outcomes[2], MessageSendingError)

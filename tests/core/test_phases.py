"""The order of the phases and their short-circuit rules (RapidSMS 2.x, with our fixes)."""

from __future__ import annotations

import logging

import pytest
from django.test import override_settings

from rapidsms.router import get_router, receive, send
from tests.core import helpers
from tests.core.helpers import make_app

INCOMING = ["filter", "parse", "handle", "default", "cleanup"]


def phases(journal, name):
    """Return the incoming phases app ``name`` ran, in order."""
    return [phase for phase, app in journal if app == name and phase != "outgoing"]


def test_every_phase_runs_app_after_app_in_order(install_router, connection, journal):
    install_router(apps=[make_app("alpha", journal), make_app("beta", journal)])
    msg = receive("hi", connection)
    assert journal == [(phase, app) for phase in INCOMING for app in ("alpha", "beta")]
    assert msg.handled is False and msg.processed is True


def test_filter_true_stops_every_later_phase_but_sends_queued_replies(install_router,
                                                                     connection, journal):
    router = install_router(apps=[
        make_app("alpha", journal, replies={"filter": "you are blocked"},
                 returns={"filter": True}),
        make_app("beta", journal),
    ])
    receive("spam", connection)
    # No other phase, not even cleanup; the reply still goes out.
    assert journal == [("filter", "alpha"), ("outgoing", "beta"), ("outgoing", "alpha")]
    assert router.backends["sms"].sent() == [("you are blocked", ["+15550001"])]


def test_filter_true_in_a_later_app(install_router, connection, journal):
    install_router(apps=[make_app("alpha", journal), make_app("beta", journal,
                                                              returns={"filter": True})])
    receive("spam", connection)
    assert journal == [("filter", "alpha"), ("filter", "beta")]


def test_handle_true_marks_handled_stops_later_handlers_and_skips_default(install_router,
                                                                          connection, journal):
    install_router(apps=[
        make_app("alpha", journal),
        make_app("beta", journal, returns={"handle": True}),
        make_app("gamma", journal),
    ])
    msg = receive("hi", connection)
    assert msg.handled is True
    assert phases(journal, "alpha") == ["filter", "parse", "handle", "cleanup"]
    assert phases(journal, "beta") == ["filter", "parse", "handle", "cleanup"]
    assert phases(journal, "gamma") == ["filter", "parse", "cleanup"]


def test_cleanup_runs_for_a_handled_message_after_everything_else(install_router, connection,
                                                                  journal):
    install_router(apps=[make_app("alpha", journal, returns={"handle": True}),
                         make_app("beta", journal)])
    receive("hi", connection)
    assert journal[-2:] == [("cleanup", "alpha"), ("cleanup", "beta")]


def test_default_true_stops_later_defaults(install_router, connection, journal):
    install_router(apps=[make_app("alpha", journal, returns={"default": True}),
                         make_app("beta", journal)])
    receive("hi", connection)
    assert phases(journal, "alpha") == INCOMING
    assert phases(journal, "beta") == ["filter", "parse", "handle", "cleanup"]


def test_default_runs_until_an_app_returns_true(install_router, connection, journal):
    install_router(apps=[make_app("alpha", journal),
                         make_app("beta", journal, returns={"default": True}),
                         make_app("gamma", journal)])
    receive("hi", connection)
    assert [app for phase, app in journal if phase == "default"] == ["alpha", "beta"]


def test_only_true_itself_counts(install_router, connection, journal):
    truthy = {"filter": 1, "handle": "yes", "default": [True]}
    install_router(apps=[make_app("alpha", journal, returns=truthy), make_app("beta", journal)])
    msg = receive("hi", connection)
    assert msg.handled is False
    assert journal == [(phase, app) for phase in INCOMING for app in ("alpha", "beta")]


def test_outgoing_runs_in_reverse_app_order(install_router, connection, journal):
    router = install_router(apps=[make_app(name, journal) for name in ("alpha", "beta", "gamma")])
    send("hello", [connection])
    assert journal == [("outgoing", "gamma"), ("outgoing", "beta"), ("outgoing", "alpha")]
    assert router.backends["sms"].sent() == [("hello", ["+15550001"])]


def test_outgoing_false_cancels_the_send(install_router, connection, journal):
    router = install_router(apps=[make_app("alpha", journal),
                                  make_app("beta", journal, returns={"outgoing": False})])
    msg = send("hello", [connection])
    assert journal == [("outgoing", "beta")]
    assert router.backends["sms"].calls == []
    assert msg.processed is False


@pytest.mark.parametrize("value", [None, 0, "", []])
def test_outgoing_falsy_values_other_than_false_do_not_cancel(install_router, connection,
                                                              journal, value):
    router = install_router(apps=[make_app("alpha", journal, returns={"outgoing": value})])
    send("hello", [connection])
    assert router.backends["sms"].sent() == [("hello", ["+15550001"])]


def test_a_cancelled_reply_does_not_stop_the_other_replies(install_router, connection, journal):
    class Censor(make_app("censor", journal)):
        def outgoing(self, msg):
            return False if "secret" in msg.text else None

    router = install_router(apps=[
        make_app("alpha", journal, replies={"handle": "the secret is 42"}),
        make_app("beta", journal, replies={"handle": "hello"}),
        Censor,
    ])
    receive("hi", connection)
    assert router.backends["sms"].sent() == [("hello", ["+15550001"])]


# Errors in apps ---------------------------------------------------------------


@pytest.mark.parametrize("phase", INCOMING)
def test_an_exception_in_a_phase_is_logged_and_the_other_apps_still_run(
    install_router, connection, journal, caplog, phase
):
    router = install_router(apps=[
        make_app("alpha", journal, raises=[phase], replies={phase: "from alpha"}),
        make_app("beta", journal, replies={"cleanup": "from beta"}),
    ])
    with caplog.at_level(logging.ERROR, logger="rapidsms"):
        receive("hi", connection)
    assert phases(journal, "alpha") == INCOMING
    assert phases(journal, "beta") == INCOMING
    assert [text for text, _ in router.backends["sms"].sent()] == ["from alpha", "from beta"]
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert "alpha" in record.getMessage() and phase in record.getMessage()
    assert record.exc_info[0] is RuntimeError


def test_a_failing_app_is_named_by_its_django_app(install_router, connection, journal, caplog):
    router = install_router(apps=["tests.core.sample_apps.crashing", make_app("after", journal)])
    with caplog.at_level(logging.ERROR, logger="rapidsms"):
        msg = receive("clinic 12", connection)
    assert phases(journal, "after") == INCOMING  # the message went on
    assert router.backends["sms"].sent() == [("partial answer", ["+15550001"])]
    [record] = caplog.records
    assert "App crashing raised an exception in the handle phase" in record.getMessage()
    assert msg.id in record.getMessage()
    assert record.exc_info[0] is ZeroDivisionError


def test_an_exception_in_outgoing_is_logged_and_the_send_goes_on(install_router, connection,
                                                                 journal, caplog):
    router = install_router(apps=[make_app("alpha", journal),
                                  make_app("beta", journal, raises=["outgoing"])])
    with caplog.at_level(logging.ERROR, logger="rapidsms"):
        send("hello", [connection])
    assert journal == [("outgoing", "beta"), ("outgoing", "alpha")]
    assert router.backends["sms"].sent() == [("hello", ["+15550001"])]
    [record] = caplog.records
    assert "beta" in record.getMessage() and "outgoing" in record.getMessage()


def test_apps_added_or_replaced_after_the_first_message_take_part(install_router, connection,
                                                                 journal):
    router = install_router(apps=[make_app("alpha", journal)])
    receive("one", connection)
    router.apps[0] = make_app("beta", journal)(router)
    journal.clear()
    receive("two", connection)
    assert [app for phase, app in journal if phase == "handle"] == ["beta"]
    router.add_app(make_app("gamma", journal))
    journal.clear()
    receive("three", connection)
    assert [app for phase, app in journal if phase == "handle"] == ["beta", "gamma"]


# Built once -------------------------------------------------------------------


def test_router_apps_and_backends_are_built_once_for_many_messages(db, monkeypatch):
    monkeypatch.setattr(helpers, "BUILT", {"app": 0, "backend": 0, "router": 0})
    backends = {"sms": {"ENGINE": "tests.core.helpers.CountedBackend"}}
    with override_settings(RAPIDSMS_ROUTER="tests.core.helpers.CountedRouter",
                           INSTALLED_BACKENDS=backends):
        from rapidsms.router import lookup_connections

        connection = lookup_connections("sms", ["+15550001"])[0]
        for number in range(5):
            receive(f"message {number}", connection)
        send("announcement", [connection])
        sent = get_router().backends["sms"].sent()
    assert helpers.BUILT == {"app": 1, "backend": 1, "router": 1}
    assert sent == [(f"got message {n}", ["+15550001"]) for n in range(5)] + [
        ("announcement", ["+15550001"])
    ]

"""Bad input to the API gets a clear error and a log record, and nothing runs or is sent."""

from __future__ import annotations

import logging

import pytest

from rapidsms.router import lookup_connections, receive, send
from tests.core.helpers import make_app


@pytest.fixture
def router(install_router, journal):
    return install_router(apps=[make_app("app", journal, replies={"default": "huh?"})])


def refusals(caplog):
    return [record for record in caplog.records
            if record.name.startswith("rapidsms") and record.levelno >= logging.WARNING]


@pytest.mark.parametrize(
    ("text", "message"),
    [("", "non-empty text"), (None, "non-empty text"), (b"hello", "as str, not bytes"),
     (42, "as str, not int")],
)
def test_receive_refuses_a_missing_or_non_text_message(router, connection, journal, caplog,
                                                       text, message):
    with pytest.raises(ValueError, match=message):
        receive(text, connection)
    assert journal == []
    assert router.backends["sms"].calls == []
    [record] = refusals(caplog)
    assert "Refused" in record.getMessage()


@pytest.mark.parametrize("connection", [None, "+15550001"])
def test_receive_refuses_a_missing_connection(router, journal, caplog, connection):
    with pytest.raises(ValueError, match="needs a Connection.*lookup_connections"):
        receive("hello", connection)
    assert journal == []
    [record] = refusals(caplog)
    assert "no connection" in record.getMessage()


def test_receive_routes_a_connection_of_an_unconfigured_backend_as_2x_did(
        router, journal, caplog):
    # RapidSMS 2.x routes it (its harness makes backends on the fly); only the reply fails.
    connection = lookup_connections("retired-gateway", ["+15550001"])[0]
    msg = receive("hello", connection)
    assert msg.handled is False and msg.processed is True
    assert [call[0] for call in journal].count("default") == 1
    assert router.backends["sms"].calls == []
    messages = [record.getMessage() for record in refusals(caplog)]
    assert any("Routing a message from +15550001 via backend 'retired-gateway'" in m
               for m in messages)
    # The reply could not go out; the log says to whom and why.
    assert any("retired-gateway" in m and "+15550001" in m and "INSTALLED_BACKENDS" in m
               and "not sent" in m for m in messages)


def test_send_refuses_missing_connections(router, journal, caplog):
    with pytest.raises(ValueError, match="needs connections"):
        send("hello", None)
    assert journal == []
    [record] = refusals(caplog)
    assert "no connections" in record.getMessage()


def test_a_refused_message_does_not_disturb_the_next_one(router, connection):
    with pytest.raises(ValueError):
        receive("", connection)
    receive("hello", connection)
    assert router.backends["sms"].sent() == [("huh?", ["+15550001"])]

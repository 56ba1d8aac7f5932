"""rapidsms.contrib.echo: ``echo <text>`` and ``ping``, exactly as RapidSMS 2.x answers them."""

from __future__ import annotations

import pytest

from rapidsms.contrib.echo.handlers.echo import EchoHandler
from rapidsms.contrib.echo.handlers.ping import PingHandler
from tests.contrib.helpers import reply_texts, unsaved_message

ECHO_HELP = "To echo some text, send: ECHO <ANYTHING>"


@pytest.mark.parametrize(
    "text, replies",
    [
        ("echo hello", ["hello"]),
        ("ECHO Hello World", ["Hello World"]),
        ("echo: hi", ["hi"]),
        ("echo   spaced   out  ", ["spaced   out  "]),
        ("echo line one\nline two", ["line one\nline two"]),
        ("echo ÀÉÎ 日本 ☃", ["ÀÉÎ 日本 ☃"]),
        ("echo", [ECHO_HELP]),
        ("Echo  ", [ECHO_HELP]),
        ("echoes", ["es"]),
        ("say echo", []),
    ],
)
def test_echo(text, replies):
    msg = unsaved_message(text)
    assert EchoHandler.dispatch(None, msg) is bool(replies)
    assert reply_texts(msg) == replies


@pytest.mark.parametrize(
    "text, taken",
    [("ping", True), ("PING", False), ("Ping", False), ("ping ", False), (" ping", False),
     ("ping\n", False), ("pingpong", False)],
)
def test_ping_is_exact(text, taken):
    msg = unsaved_message(text)
    assert PingHandler.dispatch(None, msg) is taken
    assert reply_texts(msg) == (["pong"] if taken else [])


def test_echo_and_ping_with_the_projects_apps(rapidsms_transcript):
    rapidsms_transcript(
        """
        +15550001 > echo hello
        +15550001 < hello
        +15550001 > ping
        +15550001 < pong
        +15550001 > ping please
        +15550001 < Sorry, RapidSMS could not understand your message.
        """
    )

"""PatternHandler: matched with re.match, ignoring case, groups passed to handle()."""

from __future__ import annotations

import re

import pytest

from rapidsms.contrib.handlers import HandlerError, PatternHandler
from tests.contrib.helpers import reply_texts, unsaved_message


class SumHandler(PatternHandler):
    pattern = r"^(\d+) plus (\d+)$"

    def handle(self, a, b):
        a, b = int(a), int(b)
        self.respond(f"{a}+{b} = {a + b}")


class OpenEnded(PatternHandler):
    pattern = r"(\d+) plus (\d+)"

    def handle(self, a, b):
        self.respond(f"{a}+{b}")


def dispatch(handler, text):
    msg = unsaved_message(text)
    return handler.dispatch(None, msg), reply_texts(msg)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 plus 2", (True, ["1+2 = 3"])),
        ("1 PLUS 2", (True, ["1+2 = 3"])),
        ("10 Plus 20", (True, ["10+20 = 30"])),
        # $ also matches before one trailing newline (re.match semantics)
        ("1 plus 2\n", (True, ["1+2 = 3"])),
        # whitespace is not forgiven
        ("1 plus 2 ", (False, [])),
        (" 1 plus 2", (False, [])),
        ("1  plus 2", (False, [])),
        ("1 plus 2 and more", (False, [])),
        ("1 plus 2\n3 plus 4", (False, [])),
        ("one plus two", (False, [])),
        ("", (False, [])),
    ],
)
def test_anchored_pattern(text, expected):
    assert dispatch(SumHandler, text) == expected


@pytest.mark.parametrize(
    "text, expected",
    [
        ("1 plus 2 and more", (True, ["1+2"])),  # anchored at the start only
        ("say 1 plus 2", (False, [])),
    ],
)
def test_pattern_without_dollar_matches_a_prefix(text, expected):
    assert dispatch(OpenEnded, text) == expected


def test_optional_groups_are_none():
    class Optional(PatternHandler):
        pattern = r"^report(?: (\w+))?$"

        def handle(self, what):
            self.respond(repr(what))

    assert dispatch(Optional, "report") == (True, ["None"])
    assert dispatch(Optional, "REPORT stock") == (True, ["'stock'"])


def test_compiled_pattern_is_used_with_its_own_flags():
    class CaseSensitive(PatternHandler):
        pattern = re.compile(r"^ping$")

        def handle(self):
            self.respond("pong")

    assert dispatch(CaseSensitive, "ping") == (True, ["pong"])
    assert dispatch(CaseSensitive, "PING") == (False, [])


def test_missing_pattern_raises_handler_error():
    class NoPattern(PatternHandler):
        pass

    with pytest.raises(HandlerError, match="NoPattern must define a pattern"):
        dispatch(NoPattern, "anything")


def test_handle_must_be_implemented():
    class Lazy(PatternHandler):
        pattern = r"^lazy$"

    with pytest.raises(NotImplementedError, match="Lazy must implement handle"):
        dispatch(Lazy, "lazy")

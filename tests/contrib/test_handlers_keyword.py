"""KeywordHandler: the exact RapidSMS 2.x matching rules."""

from __future__ import annotations

import pytest
from django.core.exceptions import ObjectDoesNotExist

from rapidsms.contrib.handlers import HandlerError, KeywordHandler
from rapidsms.messages.error import ErrorMessage
from tests.contrib.helpers import reply_texts, unsaved_message

HELP = "HELP"


class EchoKeywordHandler(KeywordHandler):
    keyword = "hello"

    def help(self):
        self.respond(HELP)

    def handle(self, text):
        self.respond(text)


class JoinHandler(KeywordHandler):
    keyword = "register|reg|join"

    def help(self):
        self.respond(HELP)

    def handle(self, text):
        self.respond(text)


def dispatch(handler, text):
    msg = unsaved_message(text)
    taken = handler.dispatch(None, msg)
    return taken, reply_texts(msg)


@pytest.mark.parametrize(
    "text, expected",
    [
        # the keyword alone, or with only separators after it: help()
        ("hello", HELP),
        ("HELLO", HELP),
        ("hello      ", HELP),
        ("   hello", HELP),
        ("\thello\t", HELP),
        ("hello\n", HELP),
        ("hello\r\n", HELP),
        ("hello,", HELP),
        ("hello:", HELP),
        ("hello;", HELP),
        ("hello , ; : ", HELP),
        ("hello\u00a0", HELP),  # a no-break space is whitespace too
        # text after the keyword: handle(text), without the separators before it
        ("hello world", "world"),
        ("HeLlO World", "World"),
        ("  hello world", "world"),
        ("hello     world", "world"),
        ("hello,world", "world"),
        ("hello: world", "world"),
        ("hello;,: world", "world"),
        ("hello\tworld", "world"),
        ("hello\nworld", "world"),
        ("hello\u00a0world", "world"),
        # trailing whitespace and inner newlines are kept
        ("hello world     ", "world     "),
        ("hello world\n", "world\n"),
        ("hello first line\nsecond line", "first line\nsecond line"),
        ("hello a, b; c: d", "a, b; c: d"),
        # only , ; : and whitespace are separators: other punctuation is text
        ("hello.world", ".world"),
        ("hello!", "!"),
        ("hello - world", "- world"),
        ("hello? yes", "? yes"),
        ("hello 'quoted'", "'quoted'"),
        # the keyword is a prefix, not a word
        ("helloworld", "world"),
        ("hellos everyone", "s everyone"),
        # non-ASCII text after the keyword is passed as it is
        ("hello Zoë", "Zoë"),
        ("hello 你好", "你好"),
        ("hello مرحبا", "مرحبا"),
    ],
)
def test_keyword_matches(text, expected):
    assert dispatch(EchoKeywordHandler, text) == (True, [expected])


@pytest.mark.parametrize(
    "text",
    [
        "no match",
        "say hello",
        "hell",
        "héllo",
        ",hello",
        ".hello world",
        "\u200bhello",  # a zero-width space is not whitespace
        "",
    ],
)
def test_keyword_does_not_match(text):
    assert dispatch(EchoKeywordHandler, text) == (False, [])


@pytest.mark.parametrize(
    "text, expected",
    [
        ("register Adam", "Adam"),
        ("REG Adam", "Adam"),
        ("join Adam", "Adam"),
        ("Join", HELP),
        # alternatives are tried in order, and each is a prefix: "registered"
        # matches "register" and leaves "ed", as in RapidSMS 2.x
        ("registered", "ed"),
        ("regular", "ular"),
    ],
)
def test_keyword_alternatives(text, expected):
    assert dispatch(JoinHandler, text) == (True, [expected])


def test_whitespace_inside_a_keyword_is_ignored_as_in_2x():
    class SendMoney(EchoKeywordHandler):
        keyword = "send money"

    assert dispatch(SendMoney, "sendmoney 5") == (True, ["5"])
    assert dispatch(SendMoney, "send money 5") == (False, [])


def test_escaped_whitespace_inside_a_keyword_matches():
    class SendMoney(EchoKeywordHandler):
        keyword = r"send\s+money"

    assert dispatch(SendMoney, "SEND   money 5") == (True, ["5"])


def test_word_boundary_keyword_refuses_longer_words():
    class Strict(EchoKeywordHandler):
        keyword = r"hello\b"

    assert dispatch(Strict, "helloworld") == (False, [])
    assert dispatch(Strict, "hello world") == (True, ["world"])


@pytest.mark.parametrize("keyword", [None, ""])
def test_missing_keyword_raises_handler_error(keyword):
    class NoKeyword(EchoKeywordHandler):
        pass

    NoKeyword.keyword = keyword
    with pytest.raises(HandlerError, match="NoKeyword must define a keyword"):
        dispatch(NoKeyword, "hello")


def test_object_does_not_exist_becomes_an_error_reply():
    class Lookup(EchoKeywordHandler):
        def handle(self, text):
            raise ObjectDoesNotExist("Clinic matching query does not exist.")

    msg = unsaved_message("hello 42")
    assert Lookup.dispatch(None, msg) is True
    assert reply_texts(msg) == ["Clinic matching query does not exist."]
    assert msg.responses[0]["class_"] is ErrorMessage


@pytest.mark.parametrize(
    "text, shown",
    [
        ("hello abc", "abc"),
        ("hello 12x", "12x"),
        ("hello it's", "it's"),  # repr() quotes this one with double quotes
    ],
)
def test_bad_number_becomes_an_error_reply(text, shown):
    class Number(EchoKeywordHandler):
        def handle(self, text):
            self.respond(str(int(text) * 2))

    msg = unsaved_message(text)
    assert Number.dispatch(None, msg) is True
    assert reply_texts(msg) == [f"Not a valid number: {shown}"]
    assert msg.responses[0]["class_"] is ErrorMessage


def test_bad_number_in_another_base_becomes_an_error_reply():
    class Hex(EchoKeywordHandler):
        def handle(self, text):
            self.respond(str(int(text, 16)))

    assert dispatch(Hex, "hello zz") == (True, ["Not a valid number: zz"])


def test_other_value_errors_propagate():
    class Broken(EchoKeywordHandler):
        def handle(self, text):
            raise ValueError("something else")

    with pytest.raises(ValueError, match="something else"):
        dispatch(Broken, "hello there")


def test_help_and_handle_must_be_implemented():
    class Lazy(KeywordHandler):
        keyword = "lazy"

    with pytest.raises(NotImplementedError, match="Lazy must implement help"):
        dispatch(Lazy, "lazy")
    with pytest.raises(NotImplementedError, match="Lazy must implement handle"):
        dispatch(Lazy, "lazy bones")


def test_handler_sees_router_and_message():
    seen = {}

    class Spy(EchoKeywordHandler):
        def handle(self, text):
            seen["router"], seen["msg"] = self.router, self.msg

    msg = unsaved_message("hello x")
    router = object()
    Spy.dispatch(router, msg)
    assert seen == {"router": router, "msg": msg}

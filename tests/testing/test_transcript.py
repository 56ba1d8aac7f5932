"""The transcript format: parsing lines and matching replies."""

from __future__ import annotations

from datetime import datetime
from types import SimpleNamespace

import pytest

from rapidsms.tests.harness.transcript import parse_transcript, play_transcript


@pytest.mark.parametrize(
    ("line", "identity", "direction", "text"),
    [
        ("+250788123123 > hello", "+250788123123", ">", "hello"),
        ("1112223333 < Hi 1112223333", "1112223333", "<", "Hi 1112223333"),
        ("1112223333>hello", "1112223333", ">", "hello"),
        ("someone@example.org > hi", "someone@example.org", ">", "hi"),
        ("1112223333 < Send <NAME> > 0", "1112223333", "<", "Send <NAME> > 0"),
        ("1112223333 <", "1112223333", "<", ""),
        ("  tel:+15550001   >   spaced out  ", "tel:+15550001", ">", "spaced out"),
    ],
)
def test_line_shapes(line, identity, direction, text):
    (parsed,) = parse_transcript(line)
    assert (parsed.identity, parsed.direction, parsed.text, parsed.date) == (
        identity, direction, text, None
    )


def test_dated_identity_keeps_the_identity_and_reads_the_date():
    (parsed,) = parse_transcript("1112223333@201201011200 > hello")
    assert parsed.identity == "1112223333"
    assert parsed.date == datetime(2012, 1, 1, 12, 0)


def test_comments_blank_lines_and_numbering():
    lines = parse_transcript("""
        # a comment
        1112223333 > hello

        1112223333 < Hi
    """)
    assert [(line.number, str(line)) for line in lines] == [
        (3, "1112223333 > hello"),
        (5, "1112223333 < Hi"),
    ]


@pytest.mark.parametrize(
    ("script", "message"),
    [
        ("1112223333 hello", "line 1 is not 'identity > text'"),
        ("> hello", "line 1 is not 'identity > text'"),
        ("\n1112223333@201213011200 > hi", "line 2: '201213011200' after '@' is not a date"),
        ("1112223333 >   ", "line 1 has no text to send"),
    ],
)
def test_invalid_lines_are_named(script, message):
    with pytest.raises(ValueError, match=message):
        parse_transcript(script)


class FakeRouter:
    """Reply to each message with the given texts, as a router would fill its outbound."""

    def __init__(self, replies: dict[str, list[tuple[list[str], str]]]) -> None:
        self.replies = replies
        self.outbound: list = []
        self.received: list[tuple[str, str]] = []

    def receive(self, identity: str, text: str) -> None:
        self.received.append((identity, text))
        for identities, reply in self.replies.get(text, []):
            connections = [SimpleNamespace(identity=i) for i in identities]
            self.outbound.append(SimpleNamespace(connections=connections, text=reply))


def test_a_bulk_reply_counts_once_for_each_recipient():
    router = FakeRouter({"alert": [(["111", "222"], "Storm tonight")]})
    play_transcript(
        """
        111 > alert
        222 < Storm tonight
        111 < Storm tonight
        """,
        router.receive,
        router.outbound,
        strict=True,
    )


def test_one_reply_matches_one_line_only():
    router = FakeRouter({"hi": [(["111"], "hello")]})
    with pytest.raises(AssertionError, match="Line 3: expected 111 < 'hello', got no reply"):
        play_transcript(
            "111 > hi\n111 < hello\n111 < hello", router.receive, router.outbound
        )


def test_nothing_is_sent_when_a_later_line_is_invalid():
    router = FakeRouter({})
    with pytest.raises(ValueError, match="line 2"):
        play_transcript("111 > hi\nnonsense", router.receive, router.outbound)
    assert router.received == []


def test_strict_lists_every_unexpected_reply_with_the_line_it_followed():
    router = FakeRouter({"a": [(["111"], "one")], "b": [(["111"], "two"), (["111"], "three")]})
    with pytest.raises(AssertionError) as caught:
        play_transcript(
            "111 > a\n111 > b\n111 < two", router.receive, router.outbound, strict=True
        )
    assert str(caught.value) == (
        "Unexpected replies at the end of the transcript: "
        "111 < 'one' (after line 1: 111 > a); 111 < 'three' (after line 2: 111 > b)"
    )


def test_start_chooses_which_earlier_messages_count():
    router = FakeRouter({"hi": [(["111"], "hello")]})
    router.receive("111", "hi")
    with pytest.raises(AssertionError, match="sent before the transcript"):
        play_transcript("111 > hi\n111 < hello", router.receive, router.outbound,
                        strict=True, start=0)
    end = play_transcript("111 > hi\n111 < hello", router.receive, router.outbound, strict=True)
    assert end == len(router.outbound) == 3

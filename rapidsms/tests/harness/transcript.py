"""Transcripts: conversations written as ``identity > text`` / ``identity < reply``.

::

    # a comment
    +15550001 > echo hello
    +15550001 < hello

``>`` is a message the identity sends, ``<`` a reply it must get. The
identity is everything before the first ``>`` or ``<`` (``+250788123123``,
``1112223333``, ``someone@example.org``). It may end with a date,
``1112223333@201201011200`` (``@YYYYMMDDHHMM``), which is checked and
otherwise ignored, as in RapidSMS 2.x. Blank lines and lines starting with
``#`` are skipped; surrounding whitespace is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

_DIRECTION = re.compile(r"[<>]")
_DATED_IDENTITY = re.compile(r"^(?P<identity>.+)@(?P<date>\d{12})$")


@dataclass(frozen=True)
class TranscriptLine:
    """One line of a transcript."""

    number: int
    identity: str
    direction: str  # ">" from the identity, "<" to it
    text: str
    date: datetime | None = None

    def __str__(self) -> str:
        return f"{self.identity} {self.direction} {self.text}"


@dataclass(frozen=True)
class Reply:
    """One message to one identity, and the ``>`` line it followed (``None``: before any)."""

    identity: str
    text: str
    after: TranscriptLine | None

    def __str__(self) -> str:
        return f"{self.identity} < {self.text!r}"


def parse_transcript(script: str) -> list[TranscriptLine]:
    """Return the lines of ``script``; raise ``ValueError`` naming a line that is not valid."""
    lines = []
    for number, raw in enumerate(script.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        lines.append(_parse_line(number, line))
    return lines


def _parse_line(number: int, line: str) -> TranscriptLine:
    found = _DIRECTION.search(line)
    identity = line[: found.start()].strip() if found else ""
    if found is None or not identity:
        raise ValueError(
            f"Transcript line {number} is not 'identity > text' or 'identity < text': {line!r}"
        )
    direction = found.group()
    text = line[found.end():].strip()
    date = None
    dated = _DATED_IDENTITY.match(identity)
    if dated:
        try:
            date = datetime.strptime(dated["date"], "%Y%m%d%H%M")
        except ValueError:
            raise ValueError(
                f"Transcript line {number}: {dated['date']!r} after '@' is not a date "
                f"written YYYYMMDDHHMM: {line!r}"
            ) from None
        identity = dated["identity"]
    if direction == ">" and not text:
        raise ValueError(f"Transcript line {number} has no text to send: {line!r}")
    return TranscriptLine(number, identity, direction, text, date)


def message_replies(msg: Any) -> Iterable[tuple[str, str]]:
    """Return ``(identity, text)`` for each connection of an outgoing message."""
    return [(connection.identity, msg.text) for connection in msg.connections]


def play_transcript(
    script: str,
    receive: Callable[[str, str], Any],
    sent: Sequence[Any],
    strict: bool = False,
    start: int | None = None,
    replies_of: Callable[[Any], Iterable[tuple[str, str]]] = message_replies,
) -> int:
    """Play ``script``: send each ``>`` line with ``receive(identity, text)``.

    ``sent`` is a list the router appends to (``router.outbound``, an outbox);
    ``replies_of(item)`` turns one of its items into ``(identity, text)``
    pairs, one per recipient. The replies that count are the items from
    index ``start`` on (default: those added while the script plays).

    Each ``<`` line must match, by identity and exact text, a reply not yet
    matched, in any order; the replies to several ``>`` lines may be listed
    after all of them. A reply no ``<`` line expects is ignored, unless
    ``strict`` is true. The whole script is parsed before anything is sent.

    Return the length of ``sent`` after the last line. Raise
    ``AssertionError`` naming the line that failed, or listing the replies
    nobody expected; raise ``ValueError`` for a line that is not valid.
    """
    __tracebackhide__ = True
    lines = parse_transcript(script)
    cursor = len(sent) if start is None else start
    pending: list[Reply] = []

    def collect(after: TranscriptLine | None) -> None:
        nonlocal cursor
        for item in list(sent[cursor:]):
            pending.extend(Reply(identity, text, after) for identity, text in replies_of(item))
        cursor = len(sent)

    collect(None)
    for line in lines:
        if line.direction == ">":
            receive(line.identity, line.text)
            collect(line)
            continue
        # Equal replies are interchangeable; taking the newest leaves the older
        # ones for the strict report, which then names the right line.
        for index in range(len(pending) - 1, -1, -1):
            if pending[index].identity == line.identity and pending[index].text == line.text:
                del pending[index]
                break
        else:
            got = "; ".join(str(reply) for reply in pending) or "no reply"
            raise AssertionError(
                f"Line {line.number}: expected {line.identity} < {line.text!r}, got {got}"
            )
    if strict and pending:
        raise AssertionError(
            "Unexpected replies at the end of the transcript: "
            + "; ".join(f"{reply} ({_origin(reply)})" for reply in pending)
        )
    return cursor


def _origin(reply: Reply) -> str:
    if reply.after is None:
        return "sent before the transcript"
    return f"after line {reply.after.number}: {reply.after}"

"""Transcripts: conversations written as ``identity > text`` / ``identity < reply``.

::

    # a comment
    0700000001 > echo hello
    0700000001 < hello

``>`` is a message the identity sends, ``<`` a reply it must get. An identity
may carry a date (``0700000001@202401311200``), which is accepted and ignored.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

_LINE = re.compile(
    r"^(?P<identity>[^\s<>@]+)(?:@(?P<date>\d{12}))?\s*(?P<direction>[<>])(?P<text>.*)$"
)


@dataclass(frozen=True)
class TranscriptLine:
    """One line of a transcript."""

    number: int
    identity: str
    direction: str  # ">" from the identity, "<" to it
    text: str


def parse_transcript(script: str) -> list[TranscriptLine]:
    """Return the lines of ``script``; raise ``ValueError`` naming a bad line."""
    lines = []
    for number, raw in enumerate(script.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            raise ValueError(
                f"Transcript line {number} is not 'identity > text' or 'identity < text': {line!r}"
            )
        lines.append(
            TranscriptLine(number, match["identity"], match["direction"], match["text"].strip())
        )
    return lines


def _describe(messages: list[Any]) -> str:
    if not messages:
        return "no reply"
    return "; ".join(
        f"{msg.connections[0].identity if msg.connections else '?'} < {msg.text!r}"
        for msg in messages
    )


def play_transcript(
    script: str,
    receive: Callable[[str, str], Any],
    outbound: list[Any],
    strict: bool = False,
) -> None:
    """Play ``script``: send each ``>`` line with ``receive(identity, text)``.

    Each ``<`` line must match, by identity and exact text, a message added
    to ``outbound`` since the last ``>`` line (in any order). With ``strict``,
    a reply that no ``<`` line expects fails too. Raise ``AssertionError``
    naming the line.
    """
    pending: list[Any] = list(outbound)
    for line in parse_transcript(script):
        if line.direction == ">":
            if strict and pending:
                raise AssertionError(
                    f"Line {line.number}: unexpected replies before {line.identity} > "
                    f"{line.text!r}: {_describe(pending)}"
                )
            start = len(outbound)
            receive(line.identity, line.text)
            pending = list(outbound[start:])
            continue
        for index, msg in enumerate(pending):
            identity = msg.connections[0].identity if msg.connections else None
            if identity == line.identity and msg.text == line.text:
                del pending[index]
                break
        else:
            raise AssertionError(
                f"Line {line.number}: expected {line.identity} < {line.text!r}, "
                f"got {_describe(pending)}"
            )
    if strict and pending:
        raise AssertionError(
            f"Unexpected replies at the end of the transcript: {_describe(pending)}"
        )

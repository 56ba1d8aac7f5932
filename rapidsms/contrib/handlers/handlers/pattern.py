"""``PatternHandler``: answers messages that match a regular expression."""

from __future__ import annotations

import functools
import re
from typing import Any

from rapidsms.contrib.handlers.exceptions import HandlerError
from rapidsms.contrib.handlers.handlers.base import BaseHandler
from rapidsms.messages.incoming import IncomingMessage


@functools.lru_cache(maxsize=512)
def compile_pattern(pattern: str) -> re.Pattern[str]:
    """Return ``pattern`` compiled as a ``PatternHandler`` uses it (ignoring case)."""
    return re.compile(pattern, re.IGNORECASE)


class PatternHandler(BaseHandler):
    """Handle messages that match ``pattern``, a regular expression, ignoring case.

    As in RapidSMS 2.x the pattern is matched with ``re.match``: it is
    anchored at the start of the message only, so end it with ``$`` to
    require the whole message (``$`` also accepts one trailing newline).
    Leading and trailing spaces are not forgiven: with ``^(\\d+) plus
    (\\d+)$``, ``"1 plus 2 "`` does not match. The groups are passed to
    ``handle(self, *groups)``; unmatched optional groups are ``None``.
    """

    #: The regular expression the message must match (any case). A compiled
    #: pattern is used as it is, with its own flags.
    pattern: str | re.Pattern[str] | None = None

    @classmethod
    def _pattern(cls) -> re.Pattern[str]:
        pattern = getattr(cls, "pattern", None)
        if isinstance(pattern, re.Pattern):
            return pattern  # compiled by the author, flags and all
        if not pattern or not isinstance(pattern, str):
            raise HandlerError(f"{cls.__name__} must define a pattern (a regular expression).")
        return compile_pattern(pattern)

    @classmethod
    def dispatch(cls, router: Any, msg: IncomingMessage) -> bool:
        match = cls._pattern().match(msg.text)
        if match is None:
            return False
        cls(router, msg).handle(*match.groups())
        return True

    def handle(self, *groups: str) -> None:
        """Answer the message; ``groups`` are the pattern's groups, in order."""
        raise NotImplementedError(f"{type(self).__name__} must implement handle().")

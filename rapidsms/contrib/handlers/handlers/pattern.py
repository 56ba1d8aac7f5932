"""``PatternHandler``: answers messages that match a regular expression."""

from __future__ import annotations

import re
from typing import Any

from rapidsms.contrib.handlers.exceptions import HandlerError
from rapidsms.contrib.handlers.handlers.base import BaseHandler
from rapidsms.messages.incoming import IncomingMessage


class PatternHandler(BaseHandler):
    """Handle messages that match ``pattern``, ignoring case.

    The pattern is anchored at the start of the message only: end it with
    ``$`` to match whole messages. The groups are passed to
    ``handle(self, *groups)``.
    """

    pattern: str

    @classmethod
    def _pattern(cls) -> re.Pattern[str]:
        pattern = getattr(cls, "pattern", None)
        if not pattern:
            raise HandlerError(f"{cls.__name__} has no pattern.")
        compiled = cls.__dict__.get("_compiled_pattern")
        if compiled is None or compiled[0] != pattern:
            compiled = (pattern, re.compile(pattern, re.IGNORECASE))
            cls._compiled_pattern = compiled
        return compiled[1]

    @classmethod
    def dispatch(cls, router: Any, msg: IncomingMessage) -> bool:
        match = cls._pattern().match(msg.text)
        if match is None:
            return False
        cls(router, msg).handle(*match.groups())
        return True

    def handle(self, *groups: str) -> None:
        """Answer the message; ``groups`` are the pattern's groups."""
        raise NotImplementedError(f"{type(self).__name__} must implement handle().")

"""``KeywordHandler``: answers messages that start with a keyword."""

from __future__ import annotations

import re
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from rapidsms.contrib.handlers.exceptions import HandlerError
from rapidsms.contrib.handlers.handlers.base import BaseHandler
from rapidsms.messages.incoming import IncomingMessage

_BAD_INT = re.compile(r"invalid literal for int\(\) with base 10: '(.*)'", re.DOTALL)


class KeywordHandler(BaseHandler):
    """Handle messages that begin with ``keyword`` (a regular expression).

    ``keyword`` is matched at the start of the message, ignoring case and
    leading whitespace; alternatives are allowed (``"register|reg|join"``).
    The keyword alone, or followed only by whitespace or ``,;:``, calls
    :meth:`help`; otherwise :meth:`handle` gets the rest of the text.

    Subclasses define ``keyword``, ``help(self)`` and ``handle(self, text)``.
    """

    keyword: str

    @classmethod
    def _pattern(cls) -> re.Pattern[str]:
        keyword = getattr(cls, "keyword", None)
        if not keyword:
            raise HandlerError(f"{cls.__name__} has no keyword.")
        compiled = cls.__dict__.get("_compiled_keyword")
        if compiled is None or compiled[0] != keyword:
            regex = re.compile(
                r"^\s*(?:%s)[\s,;:]*([^\s,;:].*)?$" % keyword,
                re.IGNORECASE | re.VERBOSE | re.DOTALL,
            )
            compiled = (keyword, regex)
            cls._compiled_keyword = compiled
        return compiled[1]

    @classmethod
    def dispatch(cls, router: Any, msg: IncomingMessage) -> bool:
        match = cls._pattern().match(msg.text)
        if match is None:
            return False
        handler = cls(router, msg)
        rest = match.group(1)
        try:
            if rest is None:
                handler.help()
            else:
                handler.handle(rest)
        except ObjectDoesNotExist as err:
            handler.respond_error(str(err))
        except ValueError as err:
            bad_int = _BAD_INT.match(str(err))
            if bad_int is None:
                raise
            handler.respond_error(f"Not a valid number: {bad_int.group(1)}")
        return True

    def help(self) -> None:
        """Reply with how to use this keyword (called for the keyword alone)."""
        raise NotImplementedError(f"{type(self).__name__} must implement help().")

    def handle(self, text: str) -> None:
        """Answer the message; ``text`` is what follows the keyword."""
        raise NotImplementedError(f"{type(self).__name__} must implement handle().")

"""``KeywordHandler``: answers messages that start with a keyword."""

from __future__ import annotations

import functools
import re
from typing import Any

from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext

from rapidsms.contrib.handlers.exceptions import HandlerError
from rapidsms.contrib.handlers.handlers.base import BaseHandler
from rapidsms.messages.incoming import IncomingMessage

# How Python words a failed int(): the literal is shown with repr(), so it is
# quoted with ' or ", depending on its content.
_BAD_INT = re.compile(r"^invalid literal for int\(\) with base \d+: (['\"])(.*)\1$", re.DOTALL)


_KEYWORD_TEMPLATE = r"""
    ^\s*             # leading whitespace is ignored
    (?:{keyword})    # the keyword: a regular expression, alternatives allowed
    [\s,;:]*         # separators after the keyword are dropped
    ([^\s,;:].*)?    # the rest, if any, from its first other character
    $
"""


@functools.lru_cache(maxsize=512)
def compile_keyword(keyword: str) -> re.Pattern[str]:
    """Return the regular expression a ``KeywordHandler`` matches messages with.

    It is RapidSMS 2.x's, in verbose mode: leading whitespace, then the
    keyword, then any run of whitespace, ``,``, ``;`` or ``:``, then the rest
    (which starts with anything else and runs to the end, newlines included).
    Because of verbose mode, whitespace inside ``keyword`` is ignored and
    ``#`` starts a comment: write ``send\\s+money`` or ``send\\ money``.
    """
    return re.compile(
        _KEYWORD_TEMPLATE.format(keyword=keyword), re.IGNORECASE | re.VERBOSE | re.DOTALL
    )


#: ``{handler class: (its keyword, the pattern compiled from it)}``, for dispatch().
_patterns: dict[type, tuple[Any, re.Pattern[str]]] = {}


class KeywordHandler(BaseHandler):
    """Handle messages that begin with ``keyword``, a regular expression.

    Matching is RapidSMS 2.x's, exactly:

    * the keyword is matched at the start of the message, ignoring case and
      leading whitespace; alternatives are allowed (``"register|reg|join"``);
    * the keyword alone, or followed only by whitespace (newlines too) or
      ``,;:``, calls :meth:`help`;
    * otherwise :meth:`handle` gets the rest, from its first character that
      is not whitespace or ``,;:``, with trailing whitespace and inner
      newlines kept;
    * the keyword is a prefix, not a word: with ``keyword = "echo"``,
      ``echoes`` calls ``handle("es")``. End the keyword with ``\\b`` to
      require a word boundary.

    Two exceptions from :meth:`handle` become error replies, so a handler
    can look things up without guarding every step: ``ObjectDoesNotExist``
    (its message, such as "Clinic matching query does not exist.") and a
    failed ``int()`` ("Not a valid number: <text>").

    Subclasses define ``keyword``, ``help(self)`` and ``handle(self, text)``.
    """

    #: The regular expression matched at the start of the message (any case).
    keyword: str | None = None

    @classmethod
    def _keyword(cls) -> re.Pattern[str]:
        keyword = getattr(cls, "keyword", None)
        if not keyword or not isinstance(keyword, str):
            raise HandlerError(f"{cls.__name__} must define a keyword (a regular expression).")
        return compile_keyword(keyword)

    @classmethod
    def dispatch(cls, router: Any, msg: IncomingMessage) -> bool:
        # The class's pattern, kept while its keyword stays the same object.
        known = _patterns.get(cls)
        if known is None or known[0] is not cls.keyword:
            known = _patterns[cls] = (cls.keyword, cls._keyword())
        match = known[1].match(msg.text)
        if match is None:
            return False
        handler = cls(router, msg)
        rest = match.group(1)
        if rest is None:
            handler.help()
            return True
        try:
            handler.handle(rest)
        except ObjectDoesNotExist as err:
            handler.respond_error(str(err))
        except ValueError as err:
            bad_int = _BAD_INT.match(str(err))
            if bad_int is None:
                raise
            handler.respond_error(
                gettext("Not a valid number: %(string)s") % {"string": bad_int.group(2)}
            )
        return True

    def help(self) -> None:
        """Reply with how to use this keyword; called for the keyword alone."""
        raise NotImplementedError(f"{type(self).__name__} must implement help().")

    def handle(self, text: str) -> None:
        """Answer the message; ``text`` is what follows the keyword and its separators."""
        raise NotImplementedError(f"{type(self).__name__} must implement handle().")

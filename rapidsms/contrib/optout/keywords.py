"""The opt-out and opt-in keywords, their settings and how messages are compared with them."""

from __future__ import annotations

import functools
import unicodedata

from django.conf import settings

#: Default of ``RAPIDSMS_OPTOUT_KEYWORDS``: the usual English words carriers
#: honour, and "stop" in French (ARRET), Spanish and Portuguese (PARAR, BAJA),
#: Swahili (ACHA, SITISHA) and Arabic (توقف).
DEFAULT_OPTOUT_KEYWORDS = [
    "STOP",
    "STOPALL",
    "UNSUBSCRIBE",
    "CANCEL",
    "END",
    "QUIT",
    "ARRET",
    "PARAR",
    "BAJA",
    "ACHA",
    "SITISHA",
    "توقف",
]

#: Default of ``RAPIDSMS_OPTIN_KEYWORDS``.
DEFAULT_OPTIN_KEYWORDS = ["START", "UNSTOP"]


def optout_keywords() -> list[str]:
    """Return ``RAPIDSMS_OPTOUT_KEYWORDS``, or the defaults."""
    return list(getattr(settings, "RAPIDSMS_OPTOUT_KEYWORDS", DEFAULT_OPTOUT_KEYWORDS))


def optin_keywords() -> list[str]:
    """Return ``RAPIDSMS_OPTIN_KEYWORDS``, or the defaults."""
    return list(getattr(settings, "RAPIDSMS_OPTIN_KEYWORDS", DEFAULT_OPTIN_KEYWORDS))


def normalize(text: str) -> str:
    """Return ``text`` reduced for keyword comparison.

    Case and accents are dropped (``Arrêt`` is ``arret``), punctuation and
    whitespace around the text are dropped (``Stop!`` is ``stop``), and
    inner runs of whitespace become one space.
    """
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    folded = "".join(char for char in decomposed if not unicodedata.combining(char))
    words = folded.split()
    if not words:
        return ""
    joined = " ".join(words)
    start, end = 0, len(joined)
    while start < end and _is_punctuation(joined[start]):
        start += 1
    while end > start and _is_punctuation(joined[end - 1]):
        end -= 1
    return joined[start:end].strip()


def matches(text: str, keywords: list[str]) -> bool:
    """Return whether the whole of ``text`` is one of ``keywords`` (see :func:`normalize`)."""
    if len(text) > _LONGEST_KEYWORD:
        return False  # most messages: no need to normalize them
    word = normalize(text)
    return bool(word) and word in _normalized(tuple(keywords))


# Longer texts are never a keyword, even with surrounding spaces and punctuation.
_LONGEST_KEYWORD = 200


@functools.lru_cache(maxsize=32)
def _normalized(keywords: tuple[str, ...]) -> frozenset[str]:
    return frozenset(normalize(keyword) for keyword in keywords)


def _is_punctuation(char: str) -> bool:
    return unicodedata.category(char).startswith("P") or char.isspace()

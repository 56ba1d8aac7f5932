"""URNs: the identities of the RapidPro backend.

A connection of this backend is identified by a full URN, ``scheme:path``,
so that one RapidPro workspace can reach people on every channel it has:
``tel:+250788123123``, ``whatsapp:250788123123``, ``telegram:1234``. Each is
normalised the way RapidPro stores it, so that one person is one connection:

* ``tel:`` numbers become E.164 (``+...``); a number without a country code
  needs the backend's ``default_region``. A bare ``+250788123123`` is taken
  as ``tel:+250788123123``.
* ``whatsapp:`` and ``telegram:`` paths are digits (a leading ``+`` is dropped).
* ``twitter:`` handles are lower-cased without ``@``; ``mailto:`` addresses
  are lower-cased.
* A ``#display`` part or ``?query`` is dropped: it is not part of the identity.
* A path with white space or control characters is refused: no URN has them,
  and such an identity could be read as several.
"""

from __future__ import annotations

from rapidsms.backends.phone_numbers import (
    InvalidIdentity,
    invalid_identity_reason,
    normalize_identity,
)

#: Schemes RapidPro knows (both server lines; ``discord`` is RapidPro 9 only).
SCHEMES = frozenset(
    {
        "tel", "whatsapp", "telegram", "facebook", "twitter", "twitterid", "mailto", "ext",
        "fcm", "line", "viber", "vk", "wechat", "jiochat", "freshchat", "rocketchat", "slack",
        "instagram", "webchat", "discord", "bsuid",
    }
)  # fmt: skip
#: RapidPro stores URNs in a column of this size.
MAX_URN_LENGTH = 255


def normalize_urn(value: str, default_region: str | None = None) -> str:
    """Return ``value`` as a normalised URN; raise ``InvalidIdentity`` saying why not."""
    if not isinstance(value, str) or not value.strip():
        raise InvalidIdentity("The URN is empty.")
    text = value.strip()
    if text.startswith("+"):
        text = f"tel:{text}"
    scheme, sep, path = text.partition(":")
    scheme = scheme.strip().lower()
    if not sep or not scheme:
        raise InvalidIdentity(
            f"{_shorten(value)!r} is not a URN: write scheme:path, such as tel:+250788123123."
        )
    if scheme not in SCHEMES:
        raise InvalidIdentity(
            f"{_shorten(value)!r} has a scheme RapidPro does not know ({scheme!r}); "
            f"use one of {', '.join(sorted(SCHEMES))}."
        )
    # "#display" and "?query" qualify a URN; they are not part of who it is.
    path = path.split("#", 1)[0].split("?", 1)[0].strip()
    if not path:
        raise InvalidIdentity(f"{_shorten(value)!r} has no path after {scheme}:.")
    if scheme == "tel":
        path = _phone(path, default_region, value)
    elif scheme in ("whatsapp", "telegram"):
        path = path.removeprefix("+")
        if not (path.isascii() and path.isdigit()):
            raise InvalidIdentity(f"{_shorten(value)!r}: a {scheme} URN is digits only.")
    elif scheme == "twitter":
        path = path.removeprefix("@").lower()
    elif scheme == "mailto":
        path = path.lower()
        if "@" not in path:
            raise InvalidIdentity(f"{_shorten(value)!r} is not an email address.")
    urn = f"{scheme}:{path}"
    reason = invalid_identity_reason(urn)
    if reason is not None:
        raise InvalidIdentity(f"{_shorten(value)!r}: {reason}.")
    if len(urn) > MAX_URN_LENGTH:
        raise InvalidIdentity(f"The URN is longer than {MAX_URN_LENGTH} characters.")
    return urn


def _phone(path: str, default_region: str | None, original: str) -> str:
    if not path.startswith("+") and default_region is None:
        raise InvalidIdentity(
            f"{_shorten(original)!r} has no country code; write it as +<country code><number> "
            "or set the backend's default_region."
        )
    number = normalize_identity(path, default_region)
    if not number.startswith("+"):
        raise InvalidIdentity(f"{_shorten(original)!r} is not a phone number.")
    return number


def _shorten(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[:limit] + "..."

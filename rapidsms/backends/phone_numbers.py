"""Phone numbers in one form (E.164), so one person is one connection.

A gateway may write the same number as ``0803 123 4567``, ``+234 803 123
4567`` or ``2348031234567``; stored as given, each would become a different
connection and a different contact. Backends normalise every identity with
:func:`normalize_identity` before it reaches the router.

The rules, per backend option ``default_region`` (an ISO 3166 code such as
``"NG"``):

* with a region, every identity must parse as a phone number of that region
  (or carry its own ``+`` country code) and becomes E.164 (``+2348031234567``);
* without one, an identity that starts with ``+`` must parse and becomes
  E.164; any other identity (a short code, a user name on a chat gateway) is
  kept as it is, as RapidSMS 2.x did.

Numbers are checked for a possible length, not for validity: a new number
range must not be refused because the metadata predates it. An identity kept
as it is must not contain white space or control characters
(:func:`invalid_identity_reason`): a gateway that joins recipients with a
space, or a header that ends at a line break, would read it as several.
"""

from __future__ import annotations

import unicodedata

import phonenumbers
from django.core.exceptions import ImproperlyConfigured


class InvalidIdentity(ValueError):
    """An identity that is not a phone number where one is required."""


def check_region(region: str | None, backend_name: str) -> str | None:
    """Return ``region`` upper-cased, or raise ``ImproperlyConfigured`` if unknown."""
    if region is None or region == "":
        return None
    code = str(region).upper()
    if code not in phonenumbers.SUPPORTED_REGIONS:
        raise ImproperlyConfigured(
            f"Backend {backend_name!r}: default_region {region!r} is not a region code "
            "phonenumbers knows; use a two-letter ISO 3166 code such as 'US' or 'NG'."
        )
    return code


def normalize_identity(identity: str, default_region: str | None = None) -> str:
    """Return ``identity`` as E.164 where the rules above ask for it.

    Raise :class:`InvalidIdentity` with a message fit to show the sender when
    the identity cannot be a phone number.
    """
    value = identity.strip()
    if not value:
        raise InvalidIdentity("The identity is empty.")
    if default_region is None and not value.startswith("+"):
        reason = invalid_identity_reason(value)
        if reason is not None:
            raise InvalidIdentity(f"{_shorten(value)!r}: {reason}.")
        return value
    try:
        number = phonenumbers.parse(value, default_region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidIdentity(f"{_shorten(value)!r} is not a phone number ({exc}).") from exc
    if not phonenumbers.is_possible_number(number):
        raise InvalidIdentity(
            f"{_shorten(value)!r} is not a possible phone number"
            + (f" in region {default_region}." if default_region else ".")
        )
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def invalid_identity_reason(identity: str) -> str | None:
    """Return why ``identity`` cannot be a recipient on any gateway, or None.

    Empty identities, white space (a space joins recipients for Kannel, a
    line break starts another header) and control characters are refused.
    """
    if not isinstance(identity, str) or not identity:
        return "the identity is empty"
    bad = next((char for char in identity if char.isspace() or _is_control(char)), None)
    if bad is not None:
        return f"the identity contains {_describe_char(bad)}, which could name another recipient"
    return None


def _is_control(char: str) -> bool:
    return unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp")


def _describe_char(char: str) -> str:
    if char == " ":
        return "a space"
    return f"the character U+{ord(char):04X}"


def _shorten(value: str, limit: int = 40) -> str:
    return value if len(value) <= limit else value[:limit] + "..."

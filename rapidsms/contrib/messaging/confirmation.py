"""The confirmation step of a send: what it will cost, and a token proving it was shown.

The page sends nothing until the user has seen, for this exact text and
these exact recipients, how many people get it, how many SMS each costs and
how many opted out. The confirmation form carries a signed token of the
user, the text and the recipients; a send whose token does not match, or
was used already, is shown the confirmation again instead.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.core import signing

from rapidsms.backends import encoding
from rapidsms.models import Connection

#: Seconds a confirmation stays valid.
CONFIRMATION_MAX_AGE = 3600
#: How many recipients the confirmation names; it counts the others.
NAMED_RECIPIENTS = 10

_SALT = "rapidsms.contrib.messaging.confirmation"


@dataclass
class SendPreview:
    """What a send would do: recipients, opted-out ones, and SMS segments."""

    recipients: int
    segments: int
    ucs2: bool
    #: Recipients the opt-out app will leave out; None without that app.
    opted_out: int | None = None
    named: list[Connection] = field(default_factory=list)

    @property
    def unnamed(self) -> int:
        """Return how many recipients the confirmation counts without naming them."""
        return self.recipients - len(self.named)

    @property
    def receiving(self) -> int:
        """Return how many recipients will be sent the message."""
        return self.recipients - (self.opted_out or 0)

    @property
    def total_segments(self) -> int:
        """Return the SMS segments the send costs in all."""
        return self.receiving * self.segments


def preview(text: str, recipients: Sequence[Connection]) -> SendPreview:
    """Return what sending ``text`` to ``recipients`` would do."""
    count = encoding.count_segments(text)
    return SendPreview(
        recipients=len(recipients),
        segments=count.segments,
        ucs2=count.alphabet is encoding.Alphabet.UCS2,
        opted_out=opted_out_count(recipients),
        named=list(recipients[:NAMED_RECIPIENTS]),
    )


def opted_out_count(recipients: Sequence[Connection]) -> int | None:
    """Return how many ``recipients`` opted out, or None when the opt-out app is not installed."""
    if not apps.is_installed("rapidsms.contrib.optout"):
        return None
    from rapidsms.contrib.optout.models import opted_out_ids

    return len(opted_out_ids(conn.pk for conn in recipients))


def confirmation_token(user: Any, text: str, recipients: Sequence[Connection]) -> str:
    """Return the signed token that confirms sending ``text`` to ``recipients`` as ``user``.

    Each token carries a random nonce of its own, so that a view can accept
    it once (:func:`confirmed_nonce`): a confirmation submitted again, from
    the browser's history say, sends nothing twice.
    """
    payload = {"digest": _digest(user, text, recipients), "nonce": secrets.token_urlsafe(12)}
    return signing.dumps(payload, salt=_SALT)


def confirmed_nonce(token: str, user: Any, text: str,
                    recipients: Sequence[Connection]) -> str | None:
    """Return the nonce of ``token`` if it confirms this very send and is recent enough."""
    try:
        signed = signing.loads(token, salt=_SALT, max_age=CONFIRMATION_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one too
        return None
    if not isinstance(signed, dict) or signed.get("digest") != _digest(user, text, recipients):
        return None
    nonce = signed.get("nonce")
    return nonce if isinstance(nonce, str) and nonce else None


def is_confirmed(token: str, user: Any, text: str, recipients: Sequence[Connection]) -> bool:
    """Return whether ``token`` confirms this very send, and is recent enough."""
    return confirmed_nonce(token, user, text, recipients) is not None


def _digest(user: Any, text: str, recipients: Sequence[Connection]) -> str:
    # A digest, not the ids: the token stays short however many recipients.
    ids = ",".join(str(pk) for pk in sorted(conn.pk for conn in recipients))
    material = f"{user.pk}\n{ids}\n{text}"
    return hashlib.sha256(material.encode()).hexdigest()

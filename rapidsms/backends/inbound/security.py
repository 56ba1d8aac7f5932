"""The shared-secret check every inbound view runs before reading the body.

A gateway proves it is the gateway by sending one of the backend's
``inbound_secrets``, either in the ``X-RapidSMS-Token`` header or, for
gateways that can only be given a URL (Kannel, Twilio), in the ``token``
query parameter. Secrets are compared in constant time, and every configured
secret is compared every time, so timing reveals neither a secret nor which
one matched.

A request carries one token. One with several different tokens (``token``
repeated in the query, or a header and a query that disagree) is refused
with :class:`TooManyTokens` before any is compared: otherwise a single
request could try a whole list of guesses.
"""

from __future__ import annotations

import hmac
from collections.abc import Iterable, Sequence

from django.http import HttpRequest

TOKEN_HEADER = "X-RapidSMS-Token"
TOKEN_PARAM = "token"


class TooManyTokens(Exception):
    """The request carries more than one different token."""


def presented_tokens(request: HttpRequest, also: Iterable[str | None] = ()) -> list[str]:
    """Return the different tokens a request carries: the header's, the query's, then ``also``.

    ``also`` holds tokens a gateway sends its own way (Vumi's HTTP Basic
    password). Empty values are no token; a value repeated counts once.
    """
    return distinct_tokens([request.headers.get(TOKEN_HEADER), *request.GET.getlist(TOKEN_PARAM),
                            *also])


def distinct_tokens(candidates: Iterable[str | None]) -> list[str]:
    """Return the different non-empty tokens of ``candidates``, in their order."""
    tokens: list[str] = []
    for token in candidates:
        if token and token not in tokens:
            tokens.append(token)
    return tokens


def secret_matches(presented: str, secrets: Sequence[str]) -> bool:
    """Return True when ``presented`` equals one of ``secrets`` (constant time)."""
    given = presented.encode("utf-8", "surrogatepass")
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(given, secret.encode("utf-8", "surrogatepass"))
    return matched


def request_has_secret(
    request: HttpRequest, secrets: Sequence[str], also: Iterable[str | None] = ()
) -> bool:
    """Return True when the request's one token is one of ``secrets``.

    Raise :class:`TooManyTokens` when it carries several different tokens.
    """
    tokens = presented_tokens(request, also)
    if len(tokens) > 1:
        raise TooManyTokens(f"The request carries {len(tokens)} different tokens.")
    return bool(tokens) and secret_matches(tokens[0], secrets)

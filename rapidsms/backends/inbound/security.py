"""The shared-secret check every inbound view runs before reading the body.

A gateway proves it is the gateway by sending one of the backend's
``inbound_secrets``, either in the ``X-RapidSMS-Token`` header or, for
gateways that can only be given a URL (Kannel, Twilio), in the ``token``
query parameter. Secrets are compared in constant time, and every configured
secret is compared every time, so timing reveals neither a secret nor which
one matched.
"""

from __future__ import annotations

import hmac
from collections.abc import Sequence

from django.http import HttpRequest

TOKEN_HEADER = "X-RapidSMS-Token"
TOKEN_PARAM = "token"


def presented_tokens(request: HttpRequest) -> list[str]:
    """Return the tokens a request carries: the header's, then the query's."""
    tokens = []
    header = request.headers.get(TOKEN_HEADER)
    if header:
        tokens.append(header)
    tokens.extend(value for value in request.GET.getlist(TOKEN_PARAM) if value)
    return tokens


def secret_matches(presented: str, secrets: Sequence[str]) -> bool:
    """Return True when ``presented`` equals one of ``secrets`` (constant time)."""
    given = presented.encode("utf-8", "surrogatepass")
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(given, secret.encode("utf-8", "surrogatepass"))
    return matched


def request_has_secret(request: HttpRequest, secrets: Sequence[str]) -> bool:
    """Return True when the request carries one of ``secrets``."""
    return any(secret_matches(token, secrets) for token in presented_tokens(request))

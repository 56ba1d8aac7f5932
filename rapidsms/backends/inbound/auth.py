"""The authentication chain an inbound view runs before it reads the body.

A view's :attr:`~rapidsms.backends.inbound.views.GatewayView.authenticators`
are run in order, every one of them, on every request; each refuses the
request by raising :class:`~rapidsms.errors.Forbidden` (403), or
:class:`~rapidsms.errors.BadRequest` (400) for a request that is malformed
in a way it can show. The default chain is:

:class:`SharedSecret`
    one of the backend's ``inbound_secrets``, found by the view's
    :attr:`~rapidsms.backends.inbound.views.GatewayView.token_sources`
    (the ``X-RapidSMS-Token`` header and the ``token`` query parameter;
    Vumi's views add the HTTP Basic password);
:class:`GatewaySignature`
    the gateway's own signature, through the view's ``verify_signature()``
    (Twilio's ``X-Twilio-Signature``).

A gateway extends the chain, never copies it, so that a change to a shared
check reaches every gateway::

    class AcmeInboundView(InboundView):
        authenticators = [*InboundView.authenticators, AcmeApiKey()]
        token_sources = [*InboundView.token_sources, basic_auth_token]
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest

from rapidsms.backends.inbound.security import (
    TOKEN_HEADER,
    TOKEN_PARAM,
    distinct_tokens,
    secret_matches,
)
from rapidsms.errors import BadRequest, Forbidden

#: A function returning the tokens a request carries in one place (empty values are none).
TokenSource = Callable[[HttpRequest], Iterable[str | None]]


def header_token(request: HttpRequest) -> list[str | None]:
    """Return the ``X-RapidSMS-Token`` header's value."""
    return [request.headers.get(TOKEN_HEADER)]


def query_tokens(request: HttpRequest) -> list[str]:
    """Return every ``token`` query parameter (a repeated one is several tokens)."""
    return request.GET.getlist(TOKEN_PARAM)


def basic_auth_password(request: HttpRequest) -> str | None:
    """Return the password of the request's HTTP Basic credentials, or None."""
    scheme, _, encoded = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return None
    _, colon, password = decoded.partition(":")
    return password if colon and password else None


def basic_auth_token(request: HttpRequest) -> list[str | None]:
    """Return the HTTP Basic password as a token (for gateways that only send Basic auth)."""
    return [basic_auth_password(request)]


class Authenticator:
    """One link of an inbound view's authentication chain.

    Subclass it and implement :meth:`authenticate`; add an instance to the
    view's ``authenticators`` (after the inherited ones).
    """

    def authenticate(self, view: Any, request: HttpRequest) -> None:
        """Return if the request passes this check; raise :class:`Forbidden` if it does not.

        Called for every request before anything reads its body, with the
        view (its ``backend`` is set). Raise :class:`BadRequest` for a
        request malformed in a way that makes the check impossible.
        Compare secrets in constant time (``hmac.compare_digest``).
        """
        raise NotImplementedError

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"


class SharedSecret(Authenticator):
    """Require one of the backend's ``inbound_secrets``, when it has any.

    The token is looked for in every one of the view's ``token_sources``. A
    request may carry one token only: several different ones are refused
    with 400 before any is compared, else one request could try a list of
    guesses. A backend without secrets passes (system check
    ``rapidsms.backends.W001`` warns about it).
    """

    def authenticate(self, view: Any, request: HttpRequest) -> None:
        secrets = view.get_inbound_secrets()
        if not secrets:
            return
        tokens = distinct_tokens(
            token for source in view.token_sources for token in source(request)
        )
        if len(tokens) > 1:
            raise BadRequest("The request carries several different tokens; send one.",
                             field=TOKEN_PARAM)
        if not tokens or not secret_matches(tokens[0], secrets):
            raise Forbidden(view.missing_token_message)


class GatewaySignature(Authenticator):
    """Refuse a request whose signature the view's ``verify_signature()`` finds wrong.

    A view whose ``verify_signature()`` returns None (a gateway that does
    not sign) passes.
    """

    def authenticate(self, view: Any, request: HttpRequest) -> None:
        if view.verify_signature(request) is False:
            raise Forbidden("Missing or wrong signature.")

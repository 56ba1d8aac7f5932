"""What an inbound view answers when the message store is down.

Gateways retry a message they did not get a 2xx for, so a message that
could not be stored must be answered with 503: nothing is acknowledged that
is not stored. ``receive()`` raises
:class:`~rapidsms.router.db.MessageStoreUnavailable` (an ``OperationalError``)
in that case; a view that does not already turn database errors into 503
can do::

    from rapidsms.router.db import MessageStoreUnavailable, unavailable_response

    try:
        receive(text, connection)
    except MessageStoreUnavailable:
        return unavailable_response()
"""

from __future__ import annotations

from django.http import JsonResponse

#: Seconds a gateway is asked to wait before sending again.
DEFAULT_RETRY_AFTER = 30


def unavailable_response(retry_after: int = DEFAULT_RETRY_AFTER) -> JsonResponse:
    """Return a 503 JSON answer with ``Retry-After``: the gateway should send again later."""
    response = JsonResponse(
        {"error": "The message could not be stored now; send it again later."}, status=503
    )
    response["Retry-After"] = str(int(retry_after))
    return response

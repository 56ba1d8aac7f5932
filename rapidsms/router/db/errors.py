"""Errors of the message store.

``MessageStoreUnavailable`` is an ``OperationalError`` so that an inbound view
which already answers database outages with 503 needs nothing new.
"""

from __future__ import annotations

from django.db import OperationalError


class MessageStoreUnavailable(OperationalError):
    """Raise when an incoming message cannot be stored because the database is down.

    Nothing was acknowledged: answer the gateway with 503 (see
    :func:`rapidsms.router.db.unavailable_response`) so that it sends the
    message again later.
    """

    def __init__(self, message: str = "The message store is unavailable.") -> None:
        super().__init__(message)

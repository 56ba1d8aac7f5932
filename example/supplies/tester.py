"""A small message tester: route a text as if a phone had sent it.

The ``message_tester`` backend is a database backend, so the replies land in
its table; the incoming text is written there too, and the two together make
the conversation the home page shows.
"""

from __future__ import annotations

import logging

from django.db.models import QuerySet

from rapidsms.backends.database.models import INCOMING, BackendMessage
from rapidsms.errors import MessageSendingError
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.router import get_router, lookup_connections, receive

logger = logging.getLogger(__name__)

BACKEND_NAME = "message_tester"


def send_test_message(identity: str, text: str) -> IncomingMessage:
    """Record ``text`` as received from ``identity`` and pass it to the router.

    Raise ``MessageSendingError`` when the ``message_tester`` backend is not
    configured, and let the router's own ``ValueError`` through.
    """
    if BACKEND_NAME not in get_router().backends:
        raise MessageSendingError(
            f"The {BACKEND_NAME!r} backend is not configured; add it to INSTALLED_BACKENDS "
            "with 'ENGINE': 'rapidsms.backends.database.DatabaseBackend'.",
            failed_identities=[identity],
            backend=BACKEND_NAME,
            retryable=False,
        )
    connection = lookup_connections(BACKEND_NAME, [identity])[0]
    message_id = IncomingMessage.generate_id()
    # The router stores only what it sends; keep the incoming side ourselves.
    BackendMessage.objects.create(
        name=BACKEND_NAME,
        direction=INCOMING,
        message_id=message_id,
        identity=identity,
        text=text,
    )
    logger.info("%s > %s", identity, text)
    msg = receive(text, connection, id_=message_id)
    for response in msg.responses:
        logger.info("%s < %s", identity, response["text"])
    return msg


def conversation(identity: str, limit: int = 50) -> list[BackendMessage]:
    """Return the last ``limit`` messages to and from ``identity``, oldest first."""
    rows: QuerySet[BackendMessage] = BackendMessage.objects.filter(
        name=BACKEND_NAME, identity=identity
    ).order_by("-date", "-pk")
    return list(reversed(rows[:limit]))

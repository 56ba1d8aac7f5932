"""The SMS app that writes the message log."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.utils import timezone

from rapidsms.apps.base import AppBase
from rapidsms.contrib.messagelog.models import Message
from rapidsms.messages.base import MessageBase
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.messages.outgoing import OutgoingMessage

logger = logging.getLogger(__name__)


class MessageLogApp(AppBase):
    """Log each incoming message (``parse`` phase) and each outgoing one (``outgoing`` phase).

    Every connection of a message gets a row (RapidSMS 2.x logged only the
    first), written with one ``bulk_create`` in one atomic block: a send to
    a thousand connections costs one transaction, not a thousand. The rows
    are set on the message as ``logger_msgs``, and the first as
    ``logger_msg`` (the RapidSMS 2.x attribute), for later apps.

    Incoming messages are logged with ``raw_text``, as received. Filtered
    messages are not logged (the ``parse`` phase does not run for them),
    nor are sends an app cancelled in its ``outgoing`` phase before this app.
    """

    def parse(self, msg: IncomingMessage) -> None:
        self.log(msg, Message.INCOMING)

    def outgoing(self, msg: OutgoingMessage) -> None:
        self.log(msg, Message.OUTGOING)

    def log(self, msg: MessageBase, direction: str) -> list[Message]:
        """Write a row per saved connection of ``msg``; return the rows."""
        text = msg.raw_text if direction == Message.INCOMING else msg.text
        date = timezone.now()
        rows = [
            Message(
                connection_id=conn.pk,
                contact_id=conn.contact_id,
                direction=direction,
                date=date,
                text=str(text),
            )
            for conn in _saved_connections(msg)
        ]
        if rows:
            # A savepoint when the caller is already in a transaction, so a failed
            # write cannot break the caller's transaction.
            with transaction.atomic():
                Message.objects.bulk_create(rows)
        msg.logger_msgs = rows  # type: ignore[attr-defined]
        msg.logger_msg = rows[0] if rows else None  # type: ignore[attr-defined]
        return rows


def _saved_connections(msg: MessageBase) -> list[Any]:
    given = list(msg.connections)
    connections = [conn for conn in given if getattr(conn, "pk", None) is not None]
    if len(connections) < len(given):
        logger.warning(
            "Message %s has connections that are not saved; they are not logged.", msg.id
        )
    return connections

"""The SMS app that writes the message log."""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction
from django.dispatch import receiver
from django.utils import timezone

from rapidsms.apps.base import AppBase
from rapidsms.contrib.messagelog.models import Message
from rapidsms.messages.base import MessageBase
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.messages.outgoing import OutgoingMessage
from rapidsms.signals import incoming_batch_processed, incoming_processed

logger = logging.getLogger(__name__)

#: Attribute of an incoming message holding its rows and its replies' rows until written.
PENDING_ATTRIBUTE = "messagelog_pending"


class MessageLogApp(AppBase):
    """Log each incoming message (``parse`` phase) and each outgoing one (``outgoing`` phase).

    Every connection of a message gets a row (RapidSMS 2.x logged only the
    first). The rows of an incoming message and of the replies that answer
    it are kept on the message and written together, with one
    ``bulk_create`` in one transaction, when the router sends
    :data:`rapidsms.signals.incoming_processed`: an echoed message costs
    one transaction, not two. Other outgoing messages (a bulk send, a reply
    sent after its message was processed) are written at once, also in one
    transaction however many connections they have.

    A router that never sends ``incoming_processed`` loses nothing: until
    this app has seen the signal from its router, it writes every row at
    once, as RapidSMS 2.x did.

    The rows are set on the message as ``logger_msgs``, and the first as
    ``logger_msg`` (the RapidSMS 2.x attribute), for later apps. Rows of a
    buffered message get their primary key when they are written, after
    the message was processed.

    Incoming messages are logged with ``raw_text``, as received. Filtered
    messages are not logged (the ``parse`` phase does not run for them),
    nor are sends an app cancelled in its ``outgoing`` phase before this app.
    """

    def __init__(self, router: Any) -> None:
        super().__init__(router)
        #: True once this app's router was seen sending ``incoming_processed``.
        self.router_signals_processed = False

    def parse(self, msg: IncomingMessage) -> None:
        if not self.router_signals_processed:
            self.log(msg, Message.INCOMING)
            return
        rows = self.build_rows(msg, Message.INCOMING)
        setattr(msg, PENDING_ATTRIBUTE, list(rows))
        _remember(msg, rows)

    def outgoing(self, msg: OutgoingMessage) -> None:
        pending = _pending_rows(msg.in_response_to)
        if pending is None:
            self.log(msg, Message.OUTGOING)
            return
        rows = self.build_rows(msg, Message.OUTGOING)
        pending.extend(rows)
        _remember(msg, rows)

    def log(self, msg: MessageBase, direction: str) -> list[Message]:
        """Write a row per saved connection of ``msg`` now; return the rows."""
        rows = self.build_rows(msg, direction)
        write_rows(rows)
        _remember(msg, rows)
        return rows

    def build_rows(self, msg: MessageBase, direction: str) -> list[Message]:
        """Return the unsaved rows of ``msg``: one per saved connection, all with one date."""
        text = msg.raw_text if direction == Message.INCOMING else msg.text
        date = timezone.now()
        rows = []
        for conn in _saved_connections(msg):
            row = Message(
                connection_id=conn.pk,
                contact_id=conn.contact_id,
                direction=direction,
                date=date,
                text=str(text),
                router_message_id=str(msg.id or "")[:64],
            )
            # What a status report names the row by (see messagelog.status).
            row.logged_identity = conn.identity  # type: ignore[attr-defined]
            row.logged_backend_id = conn.backend_id  # type: ignore[attr-defined]
            rows.append(row)
        return rows

    def flush(self, *messages: IncomingMessage) -> list[Message]:
        """Write the rows kept on ``messages`` and their replies, in one transaction.

        Called from ``incoming_processed`` (one message) and
        ``incoming_batch_processed`` (a batch, written with one INSERT).
        Replies sent after this go straight to the database. Return the rows.
        """
        self.router_signals_processed = True
        rows: list[Message] = []
        for msg in messages:
            pending = _pending_rows(msg)
            if pending is not None:
                setattr(msg, PENDING_ATTRIBUTE, None)
                rows += pending
        if not rows:
            return []
        try:
            write_rows(rows)
        except Exception:
            logger.exception(
                "Could not write the %d message log row(s) of message(s) %s.",
                len(rows),
                ", ".join(str(msg.id) for msg in messages),
            )
            return []
        return rows


def write_rows(rows: list[Message]) -> None:
    """Insert ``rows`` with one ``bulk_create`` in one atomic block."""
    if not rows:
        return
    # A savepoint when the caller is already in a transaction, so a failed
    # write cannot break the caller's transaction.
    with transaction.atomic():
        Message.objects.bulk_create(rows)


@receiver(incoming_processed, dispatch_uid="rapidsms.contrib.messagelog.flush")
def flush_log_rows(sender: Any, router: Any, message: IncomingMessage, **kwargs: Any) -> None:
    """Write the rows an incoming message and its replies left with the message log app."""
    for app in getattr(router, "apps", ()):
        if isinstance(app, MessageLogApp):
            app.flush(message)


@receiver(incoming_batch_processed, dispatch_uid="rapidsms.contrib.messagelog.flush_batch")
def flush_batch_log_rows(
    sender: Any, router: Any, messages: list[IncomingMessage], **kwargs: Any
) -> None:
    """Write the rows of a whole batch of incoming messages and their replies at once."""
    for app in getattr(router, "apps", ()):
        if isinstance(app, MessageLogApp):
            app.flush(*messages)


def _pending_rows(msg: Any) -> list[Message] | None:
    """Return the rows waiting on incoming message ``msg``, or ``None`` when none wait."""
    if msg is None:
        return None
    return getattr(msg, PENDING_ATTRIBUTE, None)


def _remember(msg: MessageBase, rows: list[Message]) -> None:
    msg.logger_msgs = rows  # type: ignore[attr-defined]
    msg.logger_msg = rows[0] if rows else None  # type: ignore[attr-defined]


def _saved_connections(msg: MessageBase) -> list[Any]:
    given = list(msg.connections)
    connections = [conn for conn in given if getattr(conn, "pk", None) is not None]
    if len(connections) < len(given):
        logger.warning(
            "Message %s has connections that are not saved; they are not logged.", msg.id
        )
    return connections

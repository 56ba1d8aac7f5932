"""Shared helpers of the contrib tests."""

from __future__ import annotations

from rapidsms.messages.incoming import IncomingMessage
from rapidsms.models import Backend, Connection


def unsaved_message(text: str, identity: str = "+15550001") -> IncomingMessage:
    """Return an incoming message from an unsaved connection: no database needed."""
    connection = Connection(backend=Backend(name="mockbackend"), identity=identity)
    return IncomingMessage(connections=[connection], text=text)


def reply_texts(msg: IncomingMessage) -> list[str]:
    """Return the texts of the replies queued on ``msg``."""
    return [str(response["text"]) for response in msg.responses]

"""Message classes: what apps and backends pass around."""

from rapidsms.messages.base import MessageBase
from rapidsms.messages.error import ErrorMessage
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.messages.outgoing import OutgoingMessage

__all__ = ["MessageBase", "IncomingMessage", "OutgoingMessage", "ErrorMessage"]

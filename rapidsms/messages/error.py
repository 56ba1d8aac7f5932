"""Error replies."""

from __future__ import annotations

from rapidsms.messages.outgoing import OutgoingMessage


class ErrorMessage(OutgoingMessage):
    """An outgoing message that reports an error to the sender."""

"""Messages sent through a backend."""

from __future__ import annotations

from typing import Any

from rapidsms.conf import now
from rapidsms.messages.base import MessageBase


class OutgoingMessage(MessageBase):
    """A message on its way out through one or more backends."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        sent_at = kwargs.pop("sent_at", None)
        super().__init__(*args, **kwargs)
        # RapidSMS 2.x stores the creation time under this odd name; kept as is.
        self.received_at = sent_at or now()

    def extra_backend_context(self) -> dict[str, Any]:
        """Return the metadata passed to the backends with this message.

        A reply carries the id of the message it answers and, when the
        gateway gave one, that message's ``external_id``. A gateway that
        must be given something of the incoming message again with the reply
        (Africa's Talking's ``linkId`` for premium services) puts it in the
        incoming message's ``fields["reply_context"]``, a dict merged here.
        """
        context: dict[str, Any] = {}
        original = self.in_response_to
        if original is not None:
            reply_context = original.fields.get("reply_context")
            if isinstance(reply_context, dict):
                context.update(reply_context)
            context["in_response_to"] = original.id
            external_id = original.fields.get("external_id")
            if external_id:
                context["external_id"] = external_id
        return context

    def send(self) -> OutgoingMessage:
        """Send this message through the router, keeping its id, fields and reply link."""
        from rapidsms.router import get_router

        get_router().send_outgoing(self)
        return self

"""Messages received from a backend."""

from __future__ import annotations

from typing import Any

from rapidsms.messages.base import MessageBase
from rapidsms.messages.error import ErrorMessage


class IncomingMessage(MessageBase):
    """A message received from a backend, with the replies apps queue for it."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if "received_at" in kwargs:
            raise TypeError("IncomingMessage does not take received_at.")
        super().__init__(*args, **kwargs)
        #: replies queued with :meth:`respond`, sent after the incoming phases
        self.responses: list[dict[str, Any]] = []

    def respond(self, text: str, **kwargs: Any) -> dict[str, Any]:
        """Queue a reply to this message's connections and return its arguments.

        The reply is sent after every incoming phase has run. ``connections``
        sends it elsewhere; any other keyword goes to ``rapidsms.router.send``.
        The returned dict is what will be passed to ``send()``.
        """
        if "template" in kwargs:
            raise TypeError("respond() does not take template=; format the text first.")
        context: dict[str, Any] = {
            "text": text,
            "connections": self.connections,
            "in_response_to": self,
        }
        context.update(kwargs)
        self.responses.append(context)
        return context

    def error(self, text: str, **kwargs: Any) -> dict[str, Any]:
        """Queue an :class:`~rapidsms.messages.error.ErrorMessage` reply."""
        kwargs.setdefault("class_", ErrorMessage)
        return self.respond(text, **kwargs)

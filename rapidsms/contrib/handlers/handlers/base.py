"""``BaseHandler``: the contract every handler implements."""

from __future__ import annotations

from typing import Any

from rapidsms.messages.incoming import IncomingMessage


class BaseHandler:
    """Base class of a handler.

    The handlers app calls :meth:`dispatch` for each incoming message, handler
    after handler in ``RAPIDSMS_HANDLERS`` order, until one returns ``True``.
    Subclasses override ``dispatch``; :class:`KeywordHandler` and
    :class:`PatternHandler` implement it for the common cases.
    """

    def __init__(self, router: Any, msg: IncomingMessage) -> None:
        self.router = router
        self.msg = msg

    @classmethod
    def dispatch(cls, router: Any, msg: IncomingMessage) -> bool:
        """Handle ``msg`` if it is for this handler; return ``True`` if it was."""
        return False

    def respond(self, text: str, **kwargs: Any) -> dict[str, Any]:
        """Queue a reply to the message being handled."""
        return self.msg.respond(text, **kwargs)

    def respond_error(self, text: str, **kwargs: Any) -> dict[str, Any]:
        """Queue an error reply to the message being handled."""
        return self.msg.error(text, **kwargs)

    @classmethod
    def test(cls, text: str, identity: str | None = None) -> list[str] | bool:
        """Return the reply texts this handler gives to ``text``, or ``False``.

        Needs no database and no router: handy in a shell or a unit test.
        """
        from rapidsms.models import Backend, Connection

        backend = Backend(name="mock_handler_test")
        connection = Connection(backend=backend, identity=identity or "unknown")
        msg = IncomingMessage(connections=[connection], text=text)
        if not cls.dispatch(None, msg):
            return False
        return [response["text"] for response in msg.responses]

"""``BaseHandler``: the contract every handler implements."""

from __future__ import annotations

from typing import Any

from rapidsms.messages.incoming import IncomingMessage


class BaseHandler:
    """Base class of a handler.

    For each incoming message, the handlers app calls :meth:`dispatch` on
    the classes in ``RAPIDSMS_HANDLERS``, in order, until one returns a true
    value; the message is then handled and the later handlers (and the
    ``default`` phase) are skipped. :class:`KeywordHandler` and
    :class:`PatternHandler` implement ``dispatch`` for the common cases;
    subclass ``BaseHandler`` directly to decide in any other way.

    ``dispatch`` is called with the sender's language active (their
    contact's language, else ``LANGUAGE_CODE``), so ``gettext`` in a handler
    writes the reply in the sender's language.
    """

    def __init__(self, router: Any, msg: IncomingMessage) -> None:
        self.router = router
        self.msg = msg

    @classmethod
    def dispatch(cls, router: Any, msg: IncomingMessage) -> bool:
        """Answer ``msg`` if it is for this handler; return ``True`` if it was.

        The default answers nothing and returns ``False``.
        """
        return False

    def respond(self, text: str, **kwargs: Any) -> dict[str, Any]:
        """Queue a reply to the message being handled; return its ``send()`` arguments."""
        return self.msg.respond(text, **kwargs)

    def respond_error(self, text: str, **kwargs: Any) -> dict[str, Any]:
        """Queue an error reply (an ``ErrorMessage``) to the message being handled."""
        return self.msg.error(text, **kwargs)

    @classmethod
    def test(cls, text: str, identity: str | None = None) -> list[str] | bool:
        """Return the texts of the replies this handler gives to ``text``, or ``False``.

        The message comes from ``identity`` (default ``"mock"``) on the
        class's ``_mock_backend`` (a ``Backend`` row or a name) when it sets
        one, as in RapidSMS 2.x, else on a backend named after this class,
        created in the database if needed, so a handler that saves contacts
        can be tried too. ``False`` means the
        handler did not take the message. No router and no other handler are
        involved: to test a conversation through every app, use the
        transcripts of :mod:`rapidsms.tests.harness`. Example::

            >>> EchoHandler.test("echo hello")
            ['hello']
            >>> EchoHandler.test("hello")
            False
        """
        from rapidsms.models import Backend, Connection

        backend = getattr(cls, "_mock_backend", None)
        if backend is None or isinstance(backend, str):
            # Found by name rather than kept on the class (as RapidSMS 2.x
            # did), so a row rolled back with one test is not reused by the next.
            backend, _ = Backend.objects.get_or_create(
                name=(backend or f"mock_{cls.__name__}")[:255])
        connection, _ = Connection.objects.get_or_create(
            backend=backend, identity=identity or "mock"
        )
        msg = IncomingMessage(connections=[connection], text=text)
        if not cls.dispatch(None, msg):
            return False
        return [str(response["text"]) for response in msg.responses]

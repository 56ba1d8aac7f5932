"""The message base class shared by incoming and outgoing messages."""

from __future__ import annotations

import os
import sys
import threading
import warnings
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet

if TYPE_CHECKING:
    from rapidsms.models import Connection, Contact


def _as_connection_list(connections: Any) -> list:
    """Return ``connections`` as a list; a single connection becomes a list of one.

    RapidSMS 2.x kept whatever it was given, so a bare ``Connection`` slipped
    through and failed later when the router iterated it.
    """
    if connections is None:
        return []
    if type(connections) is list:  # the common case, checked first: hasattr() on a list raises
        return list(connections)
    if hasattr(connections, "identity") and hasattr(connections, "backend"):
        return [connections]
    if isinstance(connections, QuerySet):
        # The router reads every connection's backend: fetch them in the same
        # query rather than one query per connection of a bulk send.
        connections = connections.select_related("backend")
    return list(connections)


_random = threading.local()
_fork_generation = 0


def _after_fork() -> None:
    global _fork_generation
    _fork_generation += 1


# A child process must not hand out the ids its parent had made already
# (Celery's prefork workers would give two messages the same id).
os.register_at_fork(after_in_child=_after_fork)


def _next_id() -> str:
    """Return a new random id: what ``uuid.uuid4().hex`` returns.

    Made 256 at a time per thread from one os.urandom() read, which costs
    less than one uuid4() per message; unpredictable all the same, and never
    shared between threads or across a fork.
    """
    ids = getattr(_random, "ids", None)
    if not ids or _random.generation != _fork_generation:
        raw = bytearray(os.urandom(16 * 256))
        for i in range(6, len(raw), 16):
            raw[i] = raw[i] & 0x0F | 0x40  # version 4
        for i in range(8, len(raw), 16):
            raw[i] = raw[i] & 0x3F | 0x80  # RFC 4122 variant
        text = raw.hex()
        ids = _random.ids = [text[i : i + 32] for i in range(0, len(text), 32)]
        _random.generation = _fork_generation
    return ids.pop()


def _constructor_caller_stacklevel() -> int:
    """Return the ``stacklevel`` that points a warning in ``MessageBase.__init__`` at its user.

    Subclasses reach ``MessageBase.__init__`` through their own ``__init__``;
    a fixed stacklevel would blame the subclass instead of the line that
    passed the deprecated argument.
    """
    level = 2
    frame = sys._getframe(2)  # the caller of MessageBase.__init__
    while (
        frame is not None
        and frame.f_code.co_name == "__init__"
        and isinstance(frame.f_locals.get("self"), MessageBase)
    ):
        frame = frame.f_back
        level += 1
    return level


class MessageBase:
    """A text with the connections it came from or goes to.

    ``text`` is the message; ``raw_text`` keeps the text as first given, for
    apps that rewrite ``text`` in the ``parse`` phase. ``fields`` carries
    arbitrary metadata (a gateway's message id is ``fields["external_id"]``).
    """

    def __init__(
        self,
        connections: Any = None,
        text: str | None = None,
        id_: str | None = None,
        in_response_to: MessageBase | None = None,
        fields: dict[str, Any] | None = None,
        connection: Connection | None = None,
    ) -> None:
        if text is None:
            raise TypeError(f"{type(self).__name__} requires a text.")
        if connection is not None:
            warnings.warn(
                "The connection= argument is deprecated; pass connections=[connection].",
                DeprecationWarning,
                stacklevel=_constructor_caller_stacklevel(),
            )
            connections = [connection]
        #: a unique ID for this message
        self.id: str = id_ or self.generate_id()
        #: the connections this message was received from or is sent to
        self.connections: list = _as_connection_list(connections)
        #: the message
        self.text: str = text
        #: the original text, kept when an app rewrites ``text``
        self.raw_text: str = text
        #: arbitrary metadata
        self.fields: dict[str, Any] = dict(fields) if fields else {}
        #: the message this one answers, if any
        self.in_response_to: MessageBase | None = in_response_to
        #: set once the router has passed the message to every app
        self.processed: bool = False
        #: set when an app handled the message; the ``default`` phase is then skipped
        self.handled: bool = False

    #: Return a random unique id for a message: a version 4 UUID in hex, as in
    #: 2.x (a subclass may override it). The function itself, not a wrapper:
    #: it is called for every message.
    generate_id = staticmethod(_next_id)

    @property
    def connection(self) -> Connection | None:
        """The first connection (deprecated: use ``connections``)."""
        warnings.warn(
            "MessageBase.connection is deprecated; use connections[0].",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.connections[0] if self.connections else None

    @property
    def contact(self) -> Contact | None:
        """The first connection's contact (deprecated)."""
        warnings.warn(
            "MessageBase.contact is deprecated; use connections[0].contact.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.connections[0].contact if self.connections else None

    @property
    def peer(self) -> str | None:
        """The first connection's identity (deprecated)."""
        warnings.warn(
            "MessageBase.peer is deprecated; use connections[0].identity.",
            DeprecationWarning,
            stacklevel=2,
        )
        return self.connections[0].identity if self.connections else None

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.text}>"

"""``TestRouter``: a ``BlockingRouter`` that keeps what passed through it."""

from __future__ import annotations

from typing import Any

from rapidsms.messages.incoming import IncomingMessage
from rapidsms.messages.outgoing import OutgoingMessage
from rapidsms.router.blocking.router import BlockingRouter


class TestRouter(BlockingRouter):
    """Record incoming messages in ``inbound`` and outgoing ones in ``outbound``.

    Messages are recorded before they are processed, so a cancelled send is
    still in ``outbound``. With ``disable_phases=True`` the router records and
    does nothing else: no app runs and no backend is called.
    """

    __test__ = False  # not a pytest test class

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.disable_phases: bool = kwargs.pop("disable_phases", False)
        self.inbound: list[IncomingMessage] = []
        self.outbound: list[OutgoingMessage] = []
        super().__init__(*args, **kwargs)

    def receive_incoming(self, msg: IncomingMessage) -> None:
        self.inbound.append(msg)
        if not self.disable_phases:
            super().receive_incoming(msg)

    def send_outgoing(self, msg: OutgoingMessage) -> None:
        self.outbound.append(msg)
        if not self.disable_phases:
            super().send_outgoing(msg)

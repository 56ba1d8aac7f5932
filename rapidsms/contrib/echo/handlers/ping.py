"""``ping``: replies ``pong``."""

from __future__ import annotations

from typing import Any

from rapidsms.contrib.handlers.handlers.base import BaseHandler
from rapidsms.messages.incoming import IncomingMessage


class PingHandler(BaseHandler):
    """Answer the exact message ``ping`` with ``pong``.

    Case and spacing count, as in RapidSMS 2.x: ``PING`` or ``ping `` are
    not answered, so a monitoring script gets a reply only to its own probe.
    """

    @classmethod
    def dispatch(cls, router: Any, msg: IncomingMessage) -> bool:
        if msg.text == "ping":
            msg.respond("pong")
            return True
        return False

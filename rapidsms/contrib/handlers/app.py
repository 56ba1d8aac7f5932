"""The SMS app that runs the handlers."""

from __future__ import annotations

import logging
from typing import Any

from django.utils.functional import Promise

from rapidsms.apps.base import AppBase
from rapidsms.contrib.handlers.utils import get_handlers
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.utils.translation import active_language, connection_language, in_language

logger = logging.getLogger(__name__)


class App(AppBase):
    """Offer each message to the handlers in order; the first that takes it wins.

    The handler classes are read (see
    :func:`~rapidsms.contrib.handlers.utils.get_handlers`) when the router
    builds this app, once per process; the router is rebuilt when
    ``RAPIDSMS_HANDLERS`` changes in tests.
    """

    def __init__(self, router: Any) -> None:
        super().__init__(router)
        self.handlers = get_handlers()
        if self.handlers:
            logger.debug("Handlers: %s", ", ".join(h.__name__ for h in self.handlers))

    def handle(self, msg: IncomingMessage) -> bool | None:
        """Dispatch ``msg`` to each handler until one takes it; ``True`` if one did.

        ``None`` when none did, as in RapidSMS 2.x (the router counts only ``True``).

        Handlers run with the sender's language active, and replies queued
        as lazy translations are rendered before the language is switched
        back, so they are sent in that language.
        """
        if not self.handlers:
            return None
        connection = msg.connections[0] if msg.connections else None
        queued = len(msg.responses)
        language = connection_language(connection)
        if active_language() == language:  # most messages: nothing to switch
            return self._dispatch(msg, queued)
        with in_language(language):
            return self._dispatch(msg, queued)

    def _dispatch(self, msg: IncomingMessage, queued: int) -> bool | None:
        try:
            for handler in self.handlers:
                if handler.dispatch(self.router, msg):
                    logger.debug("Message %s was handled by %s.", msg.id, handler.__name__)
                    return True
            return None
        finally:
            for response in msg.responses[queued:]:
                if isinstance(response.get("text"), Promise):
                    response["text"] = str(response["text"])

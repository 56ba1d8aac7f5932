"""The SMS app that runs the handlers."""

from __future__ import annotations

from typing import Any

from rapidsms.apps.base import AppBase
from rapidsms.contrib.handlers.utils import get_handlers
from rapidsms.messages.incoming import IncomingMessage


class App(AppBase):
    """Offer each message to the handlers in order; the first that takes it wins."""

    def __init__(self, router: Any) -> None:
        super().__init__(router)
        self.handlers = get_handlers()

    def handle(self, msg: IncomingMessage) -> bool:
        for handler in self.handlers:
            if handler.dispatch(self.router, msg):
                return True
        return False

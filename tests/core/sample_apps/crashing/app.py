"""An SMS app that queues a reply, then fails while handling."""

from __future__ import annotations

from typing import Any

from rapidsms.apps.base import AppBase


class CrashingApp(AppBase):
    def handle(self, msg: Any) -> None:
        msg.respond("partial answer")
        raise ZeroDivisionError("division by zero in the clinic lookup")

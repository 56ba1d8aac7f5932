"""SMS apps for tests."""

from __future__ import annotations

from typing import Any

from rapidsms.apps.base import AppBase


class MockApp(AppBase):
    """Record the name of every phase called in ``calls``.

    Each phase returns ``return_values.get(phase)``, so a test can make the
    app filter (``app.return_values["filter"] = True``), handle or cancel.
    """

    def __init__(self, router: Any) -> None:
        super().__init__(router)
        self.calls: list[str] = []
        self.return_values: dict[str, Any] = {}

    def _record(self, phase: str) -> Any:
        self.calls.append(phase)
        return self.return_values.get(phase)

    def start(self) -> Any:
        return self._record("start")

    def stop(self) -> Any:
        return self._record("stop")

    def filter(self, msg: Any) -> Any:
        return self._record("filter")

    def parse(self, msg: Any) -> Any:
        return self._record("parse")

    def handle(self, msg: Any) -> Any:
        return self._record("handle")

    def default(self, msg: Any) -> Any:
        return self._record("default")

    def catch(self, msg: Any) -> Any:
        return self._record("catch")

    def cleanup(self, msg: Any) -> Any:
        return self._record("cleanup")

    def outgoing(self, msg: Any) -> Any:
        return self._record("outgoing")


class EchoApp(MockApp):
    """Reply ``"<identity>: <text>"`` to every message, recording calls as :class:`MockApp`.

    As in RapidSMS 2.x, ``handle`` returns ``return_values.get("handle")``
    (``None`` unless a test sets it), so the message is not marked handled
    and ``default`` apps still run.
    """

    def handle(self, msg: Any) -> Any:
        msg.respond(f"{msg.connections[0].identity}: {msg.text}")
        return super().handle(msg)

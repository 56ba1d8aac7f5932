"""Backends for tests: they keep what they are asked to send."""

from __future__ import annotations

from typing import Any

from rapidsms.backends.base import BackendBase
from rapidsms.errors import MessageSendingError


class MockBackend(BackendBase):
    """Keep every ``send()`` call in ``messages`` as a dict of its arguments.

    Each entry is ``{"id_": ..., "text": ..., "identities": [...], "context": {...}}``.
    It accepts any option, so it can stand in for a real backend.
    """

    def configure(self, **options: Any) -> None:
        # Stands in for any real backend in tests, so it takes whatever options that one takes.
        self.messages: list[dict[str, Any]] = []

    def send(self, id_: str, text: str, identities: list[str],
             context: dict[str, Any] | None = None) -> None:
        self.messages.append(
            {"id_": id_, "text": text, "identities": list(identities), "context": context or {}}
        )

    def clear(self) -> None:
        """Forget the messages sent so far (the same list is emptied)."""
        del self.messages[:]


class RaisesBackend(BackendBase):
    """Fail every send with an exception, to test error handling."""

    def send(self, id_: str, text: str, identities: list[str],
             context: dict[str, Any] | None = None) -> None:
        raise Exception("RaisesBackend always fails.")


class FailedIdentitiesBackend(BackendBase):
    """Fail the identities that contain a ``1``; keep the send to the others in ``messages``.

    A partial failure raises ``MessageSendingError`` listing the failed
    identities, as a real gateway's backend would.
    """

    def configure(self, **options: Any) -> None:
        # Accepts any option, like MockBackend.
        self.messages: list[dict[str, Any]] = []

    def send(self, id_: str, text: str, identities: list[str],
             context: dict[str, Any] | None = None) -> None:
        failed = [identity for identity in identities if "1" in identity]
        delivered = [identity for identity in identities if "1" not in identity]
        if delivered:
            self.messages.append(
                {"id_": id_, "text": text, "identities": delivered, "context": context or {}}
            )
        if failed:
            raise MessageSendingError("Some identities failed.", failed_identities=failed)

"""Backends for tests: they keep what they are asked to send."""

from __future__ import annotations

from typing import Any

from rapidsms.backends.base import BackendBase
from rapidsms.errors import MessageSendingError


class MockBackend(BackendBase):
    """Keep every ``send()`` call in ``messages`` as a dict of its arguments.

    Each entry is ``{"id_": ..., "text": ..., "identities": [...], "context": {...}}``.
    """

    def configure(self, **options: Any) -> None:
        # Tests configure mock backends with whatever options the real one takes.
        self.messages: list[dict[str, Any]] = []

    def send(self, id_: str, text: str, identities: list[str],
             context: dict[str, Any] | None = None) -> None:
        self.messages.append(
            {"id_": id_, "text": text, "identities": list(identities), "context": context or {}}
        )

    def clear(self) -> None:
        """Forget the messages sent so far."""
        self.messages = []


class RaisesBackend(BackendBase):
    """Fail every send with an exception, to test error handling."""

    def send(self, id_: str, text: str, identities: list[str],
             context: dict[str, Any] | None = None) -> None:
        raise Exception("RaisesBackend always fails.")


class FailedIdentitiesBackend(BackendBase):
    """Fail the identities that contain a ``1``; send to the others."""

    def configure(self, **options: Any) -> None:
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

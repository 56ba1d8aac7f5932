"""``DatabaseBackend``: writes each message it is asked to send to a table."""

from __future__ import annotations

from typing import Any

from rapidsms.backends.base import BackendBase


class DatabaseBackend(BackendBase):
    """Store every outgoing message as one ``BackendMessage`` row per identity.

    Nothing leaves the machine, which makes it the backend of the message
    tester and of tests. It takes no options.
    """

    def send(
        self,
        id_: str,
        text: str,
        identities: list[str],
        context: dict[str, Any] | None = None,
    ) -> None:
        from rapidsms.backends.database.models import OUTGOING, BackendMessage

        external_id = str((context or {}).get("external_id") or "")[:255]
        BackendMessage.objects.bulk_create(
            BackendMessage(
                name=self.name,
                direction=OUTGOING,
                message_id=str(id_)[:255],
                external_id=external_id,
                identity=identity,
                text=text,
            )
            for identity in identities
        )

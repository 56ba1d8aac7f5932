"""How the durable router groups its work: replies of a batch, transmissions by message.

Helpers of :class:`~rapidsms.router.db.router.DatabaseRouter`, kept apart
so that the router reads as the steps of a message's trip.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rapidsms.messages.outgoing import OutgoingMessage
from rapidsms.router.db import store
from rapidsms.router.db.announce import announce
from rapidsms.router.db.models import Transmission
from rapidsms.router.db.status import Direction, Status


class ReplyBatch:
    """The replies queued while a batch of incoming messages is routed, stored together."""

    def __init__(self, stored: dict[int, list[Transmission]]) -> None:
        self.message_ids = set(stored)
        #: ``(reply, connection rows, backend context, unknown backends)``
        self.replies: list[tuple[OutgoingMessage, Any, dict[str, Any], set[str]]] = []
        #: ``{message id: (status, error)}`` of each routed message
        self.outcomes: dict[int, tuple[str, str]] = {}

    def answers(self, msg: OutgoingMessage) -> bool:
        """Return True when ``msg`` replies to a message of this batch."""
        original = msg.in_response_to
        return original is not None and getattr(original, "id", None) in self.message_ids

    def save(self, finished: set[int]) -> list[Transmission]:
        """Store the replies to the ``finished`` messages; return their transmissions."""
        items = [item for item in self.replies if item[0].in_response_to.id in finished]
        if not items:
            return []
        rows, transmissions = store.save_outgoing_many(items, savepoint=False)
        by_message: dict[int, list[Transmission]] = {}
        for row in transmissions:
            by_message.setdefault(row.message_id, []).append(row)
        for (msg, *_), dbm in zip(items, rows, strict=True):
            msg.id = dbm.pk
            msg.database_message = dbm
            announce(by_message.get(dbm.pk, []), msg, fresh=True)
        return transmissions


def queued_by_backend(transmissions: Sequence[Transmission]) -> dict[str, list[int]]:
    """Return the ids of the queued ``transmissions``, by backend name."""
    groups: dict[str, list[int]] = {}
    for transmission in transmissions:
        if transmission.status == Status.QUEUED:
            groups.setdefault(transmission.backend, []).append(transmission.pk)
    return groups


def by_message(rows: Sequence[Transmission]) -> list[list[Transmission]]:
    """Split claimed rows into one list per message, in order."""
    groups: dict[int, list[Transmission]] = {}
    for row in rows:
        groups.setdefault(row.message_id, []).append(row)
    return list(groups.values())


def answered_identities(
    backend_name: str, groups: Sequence[Sequence[Transmission]]
) -> dict[int, set[str]]:
    """Return ``{incoming message id: identities}`` for the messages the groups reply to."""
    answered_ids = {group[0].message.in_response_to_id for group in groups} - {None}
    if not answered_ids:
        return {}
    found: dict[int, set[str]] = {}
    for message_id, identity in Transmission.objects.filter(
        message_id__in=answered_ids, direction=Direction.INCOMING, backend=backend_name
    ).values_list("message_id", "identity"):
        found.setdefault(message_id, set()).add(identity)
    return found

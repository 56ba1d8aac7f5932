"""Tell the rest of the project when stored outgoing messages change status.

The store's writes are conditional UPDATEs that send no model signals, so
after each one the router calls :func:`announce` with the rows it touched:
their statuses are read back (one query, only when someone listens) and
sent as :data:`rapidsms.signals.outgoing_status`, one signal per message
and backend.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rapidsms.redaction import redact
from rapidsms.router.db.models import Transmission
from rapidsms.router.db.status import Direction
from rapidsms.signals import announce_outgoing_status, outgoing_status


def announce(transmissions: Iterable[Any], message: Any = None, fresh: bool = False) -> None:
    """Send ``outgoing_status`` for ``transmissions`` (rows or primary keys) as they are now.

    ``message`` is the ``OutgoingMessage`` they belong to, when the caller
    has it (the message log then finds the rows it wrote for it). ``fresh``
    rows were just written as they are: their statuses are not read again.
    """
    if not outgoing_status.has_listeners():
        return
    items = list(transmissions)
    if not items:
        return
    if fresh:
        rows: Iterable[tuple[Any, ...]] = [
            (row.message_id, row.backend, row.identity, row.status, row.last_error)
            for row in items if row.direction == Direction.OUTGOING
        ]
    else:
        rows = (
            Transmission.objects.filter(
                pk__in=[getattr(item, "pk", item) for item in items],
                direction=Direction.OUTGOING,
            )
            .order_by("pk")
            .values_list("message_id", "backend", "identity", "status", "last_error")
        )
    groups: dict[tuple[int, str], tuple[dict[str, str], dict[str, str]]] = {}
    for message_id, backend, identity, status, error in rows:
        statuses, errors = groups.setdefault((message_id, backend), ({}, {}))
        statuses[identity] = status
        if error:
            errors[identity] = redact(error)
    for (message_id, backend), (statuses, errors) in groups.items():
        announce_outgoing_status(
            Transmission, backend=backend, message_id=message_id, statuses=statuses,
            errors=errors, message=message,
        )

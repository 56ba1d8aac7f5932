"""Route a gateway's retry of the same message only once, across processes.

Gateways resend a message when our answer is slow or lost. Before routing a
message that carries the gateway's id, the view *claims* the id: it inserts
a :class:`~rapidsms.backends.inbound.models.ReceivedMessage` row, and the
database's unique constraint lets exactly one process win, whichever web
worker the retry lands on. After routing, the claim is marked routed.

* A retry of a routed message within the backend's ``dedupe_window`` is a
  duplicate: it is answered 200 and not routed again.
* A retry that arrives while the first copy is still being routed gets
  :class:`ClaimInProgress` (the view answers 503, so the gateway tries
  again later): answering 200 would lose the message if the first process
  died.
* A claim left unrouted for longer than ``STALE_CLAIM`` belongs to a process
  that died mid-way; the next retry takes it over and routes the message.
* An id seen longer ago than ``dedupe_window`` may be claimed again
  (gateways reuse ids eventually).

When routing fails, the view releases the claim so the next retry is routed.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone

from rapidsms.backends.inbound.models import ReceivedMessage

#: How long an unrouted claim is trusted to belong to a live request.
STALE_CLAIM = timedelta(minutes=2)


class ClaimInProgress(Exception):
    """Another request is routing this message right now; try again later."""


def claim(
    backend: str,
    external_id: str,
    window: timedelta,
    stale_after: timedelta = STALE_CLAIM,
    *,
    routed: bool = False,
) -> datetime | None:
    """Claim ``external_id`` on ``backend``; return the claim's time, or None if routed.

    None means the message was already routed within ``window``: it is a
    duplicate and must not be routed. Raise :class:`ClaimInProgress` when
    another request holds a fresh claim on it.

    Pass ``routed=True`` when the claim and the routing share one database
    transaction (a failure rolls both back), so the claim is marked routed
    at once and :func:`mark_routed` is not needed.
    """
    routed_at = timezone.now() if routed else None
    for _attempt in range(3):
        now = timezone.now()
        if _insert_claim(backend, external_id, now, routed_at):
            return now
        seen = ReceivedMessage.objects.filter(backend=backend, external_id=external_id)
        row = seen.values_list("received_at", "routed_at").first()
        if row is None:
            continue  # released or pruned in between: insert again
        received_at, routed_at = row
        if routed_at is None and received_at >= now - stale_after:
            raise ClaimInProgress(f"{external_id} on {backend} is being routed right now.")
        if routed_at is not None and received_at >= now - window:
            return None
        # An expired id or a claim its process abandoned: take it over. The
        # conditional UPDATE is atomic, so only one process can succeed.
        if seen.filter(received_at=received_at).update(received_at=now, routed_at=routed_at):
            return now
    raise ClaimInProgress(f"{external_id} on {backend} is contended; try again.")


def _insert_claim(
    backend: str, external_id: str, now: datetime, routed_at: datetime | None
) -> bool:
    """Insert the claim's row; return False when the id is claimed already.

    On PostgreSQL and SQLite one ``INSERT ... ON CONFLICT DO NOTHING``: no
    savepoint, which inside the caller's transaction would cost two more
    round trips to the database for every message. Elsewhere, an INSERT in
    a savepoint that catches the unique constraint's error.
    """
    connection = connections[router.db_for_write(ReceivedMessage)]
    if connection.vendor not in ("postgresql", "sqlite"):
        try:
            with transaction.atomic(using=connection.alias):
                ReceivedMessage.objects.using(connection.alias).create(
                    backend=backend, external_id=external_id, received_at=now,
                    routed_at=routed_at,
                )
            return True
        except IntegrityError:
            return False
    quote = connection.ops.quote_name
    table = quote(ReceivedMessage._meta.db_table)
    columns = ", ".join(quote(field.column) for field in (
        ReceivedMessage._meta.get_field(name)
        for name in ("backend", "external_id", "received_at", "routed_at")))
    sql = (f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s, %s) "
           f"ON CONFLICT DO NOTHING")
    values = [
        backend, external_id,
        connection.ops.adapt_datetimefield_value(now),
        connection.ops.adapt_datetimefield_value(routed_at),
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        return cursor.rowcount == 1


def mark_routed(backend: str, external_id: str, claimed_at: datetime) -> None:
    """Record that the message claimed at ``claimed_at`` went through the router."""
    ReceivedMessage.objects.filter(
        backend=backend, external_id=external_id, received_at=claimed_at
    ).update(routed_at=timezone.now())


def release(backend: str, external_id: str, claimed_at: datetime) -> None:
    """Give back a claim made by :func:`claim`, so the gateway's retry is routed."""
    ReceivedMessage.objects.filter(
        backend=backend, external_id=external_id, received_at=claimed_at
    ).delete()

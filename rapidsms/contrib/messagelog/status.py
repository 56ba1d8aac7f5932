"""Keep each outgoing row's delivery status, from what the routers and the gateways report.

Two signals of the core feed it: :data:`rapidsms.signals.outgoing_status`
(sent by the routers: the blocking router once a send returns, the durable
router for every status its workers, delivery reports and operators set)
and :data:`rapidsms.backends.signals.delivery_report` (a gateway's report
naming our message's id). A row is found by the router's message id, the
backend and the identity; a status only moves forward (see
:data:`~rapidsms.contrib.messagelog.models.STATUS_RANK`), so reports may
arrive in any order.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import connections, router, transaction
from django.dispatch import receiver
from django.utils import timezone

from rapidsms.backends.signals import delivery_report
from rapidsms.contrib.messagelog.models import STATUS_RANK, DeliveryStatus, Message
from rapidsms.models import Backend, Connection
from rapidsms.redaction import redact
from rapidsms.signals import outgoing_status

logger = logging.getLogger(__name__)

#: Statuses whose error text the log shows.
WITH_ERROR = {DeliveryStatus.FAILED, DeliveryStatus.RETRY, DeliveryStatus.UNKNOWN,
              DeliveryStatus.CANCELLED}
#: What an operator's retry may put back in the queue.
REQUEUABLE = ["", DeliveryStatus.QUEUED, DeliveryStatus.RETRY, DeliveryStatus.SENDING,
              DeliveryStatus.UNKNOWN, DeliveryStatus.FAILED, DeliveryStatus.CANCELLED]


def replaceable(status: str) -> list[str]:
    """Return the statuses a row may have for ``status`` to replace it."""
    if status == DeliveryStatus.QUEUED:
        return REQUEUABLE
    rank = STATUS_RANK[status]
    return [name for name, value in STATUS_RANK.items() if value < rank]


def may_replace(current: str, status: str) -> bool:
    return current in replaceable(status)


@receiver(outgoing_status, dispatch_uid="rapidsms.contrib.messagelog.outgoing_status")
def record_outgoing_status(
    sender: Any,
    backend: str,
    message_id: str,
    statuses: dict[str, str],
    errors: dict[str, str] | None = None,
    message: Any = None,
    **kwargs: Any,
) -> None:
    """Set the status of the rows of ``message_id`` through ``backend``."""
    statuses = {identity: status for identity, status in statuses.items()
                if status in STATUS_RANK and status}
    if not statuses:
        return
    errors = errors or {}
    now = timezone.now()
    if message is not None:
        # The sender has the message: the rows are the ones this app wrote for
        # it (none when the log is not among the router's apps).
        rows = getattr(message, "logger_msgs", None)
        if rows:
            update_known_rows(rows, backend, message_id, statuses, errors, now)
    elif transaction.get_connection(router.db_for_write(Message)).in_atomic_block:
        # A savepoint: a failed write must not break the sender's transaction.
        with transaction.atomic(using=router.db_for_write(Message)):
            update_stored_rows(backend, message_id, statuses, errors, now)
    else:
        update_stored_rows(backend, message_id, statuses, errors, now)


def update_known_rows(
    rows: list[Message],
    backend: str,
    message_id: str,
    statuses: dict[str, str],
    errors: dict[str, str],
    now: Any,
) -> None:
    """Update the rows this app wrote (or is about to write) for the message at hand.

    The durable router gives a message its id only when it stores it,
    after the log wrote its rows: their ``router_message_id`` follows.
    """
    identities = [getattr(row, "logged_identity", None) for row in rows]
    # Only a number reached through two backends needs the backend told apart.
    backend_id = backend_pk(backend) if len(set(identities)) < len(identities) else None
    saved: dict[tuple[str, str], list[int]] = {}
    for row, identity in zip(rows, identities, strict=True):
        if row.connection_id is None or identity not in statuses:
            continue
        if backend_id is not None and getattr(row, "logged_backend_id", None) != backend_id:
            continue
        status = statuses[identity]
        if not may_replace(row.status, status):
            continue
        error = _error(status, errors.get(identity, ""))
        row.router_message_id, row.status, row.error = str(message_id)[:64], status, error
        row.status_updated = now
        if row.pk is not None:
            saved.setdefault((status, error), []).append(row.pk)
    if not saved:
        return  # rows still waiting to be written take their status with them
    with transaction.atomic():
        for (status, error), pks in saved.items():
            Message.objects.filter(pk__in=pks, status__in=replaceable(status)).update(
                router_message_id=str(message_id)[:64], status=status, error=error,
                status_updated=now,
            )


def update_stored_rows(
    backend: str, message_id: str, statuses: dict[str, str], errors: dict[str, str], now: Any
) -> None:
    """Update the stored rows of ``message_id``: one UPDATE per status and error.

    Written as SQL: the durable router announces every send, and building
    this query with the ORM cost more than the send itself.
    """
    groups: dict[tuple[str, str], list[str]] = {}
    for identity, status in statuses.items():
        groups.setdefault((status, _error(status, errors.get(identity, ""))), []).append(identity)
    connection = connections[router.db_for_write(Message)]
    quote = connection.ops.quote_name
    log, conn, back = (quote(model._meta.db_table) for model in (Message, Connection, Backend))
    stamp = connection.ops.adapt_datetimefield_value(now)
    with connection.cursor() as cursor:
        for (status, error), identities in groups.items():
            older = replaceable(status)
            if not older:
                continue  # nothing comes before this status: no row can move to it
            cursor.execute(
                f"UPDATE {log} SET {quote('status')} = %s, {quote('error')} = %s, "
                f"{quote('status_updated')} = %s "
                f"WHERE {quote('direction')} = %s AND {quote('router_message_id')} = %s "
                f"AND {quote('status')} IN ({', '.join(['%s'] * len(older))}) "
                f"AND {quote('connection_id')} IN (SELECT c.{quote('id')} FROM {conn} c "
                f"JOIN {back} b ON b.{quote('id')} = c.{quote('backend_id')} "
                f"WHERE b.{quote('name')} = %s "
                f"AND c.{quote('identity')} IN ({', '.join(['%s'] * len(identities))}))",
                [status, error, stamp, Message.OUTGOING, str(message_id)[:64], *older,
                 backend, *identities],
            )


def _error(status: str, error: str) -> str:
    return redact(error)[:2000] if status in WITH_ERROR else ""


def backend_pk(name: str) -> int | None:
    """Return the primary key of the backend named ``name``, or ``None``."""
    return Backend.objects.filter(name=name).values_list("pk", flat=True).first()


@receiver(delivery_report, dispatch_uid="rapidsms.contrib.messagelog.delivery_report")
def record_delivery_report(sender: Any, **kwargs: Any) -> None:
    """Apply a gateway's report that names our message id (any router)."""
    message_id = kwargs.get("message_id") or ""
    identity = kwargs.get("identity") or ""
    status = str(getattr(kwargs.get("status"), "value", kwargs.get("status")) or "")
    if not message_id or not identity or status not in STATUS_RANK or status == "queued":
        return
    try:
        with transaction.atomic():
            update_stored_rows(kwargs.get("backend") or "", str(message_id),
                               {identity: status}, {identity: kwargs.get("error") or ""},
                               timezone.now())
    except Exception:
        logger.exception("Could not record a delivery report in the message log.")

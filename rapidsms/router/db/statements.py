"""Statements of the message store written by hand for PostgreSQL, for the send path.

A send worker claims, sends and records every outgoing message; built with
Django's ORM, the claim and the record cost the worker more than the
database spent on them, and each took more than one round trip. Each
function here is one statement, and answers what the ORM's version would
(see :mod:`rapidsms.router.db.store`, which calls them on PostgreSQL only).
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import connections as databases

from rapidsms.router.db.models import Message, Transmission, TransmissionEvent
from rapidsms.router.db.status import CLAIMABLE, Direction, Status
from rapidsms.utils.db_rows import instance_from_row

#: The claim's statement, by database alias (see claim).
_claim_sql: dict[str, str] = {}


def claim(
    transmission_ids: Sequence[int], token: uuid.UUID, now: datetime, due: datetime
) -> list[Transmission]:
    """Claim the due, claimable rows of ``transmission_ids`` with ``token``; return them.

    One UPDATE ... RETURNING, joined with the rows' messages: the rows come
    back as ``select_related("message")`` would give them, in key order.
    """
    alias = Transmission.objects.db
    connection = databases[alias]
    transmission_fields = list(Transmission._meta.concrete_fields)
    message_fields = list(Message._meta.concrete_fields)
    sql = _claim_sql.get(alias)
    if sql is None:
        quote = connection.ops.quote_name

        def columns(prefix: str, fields: list[Any]) -> str:
            return ", ".join(f"{prefix}.{quote(field.column)}" for field in fields)

        sql = _claim_sql[alias] = (
            f"WITH c AS (UPDATE {quote(Transmission._meta.db_table)} AS t "
            f"SET {quote('status')} = %s, {quote('claim_token')} = %s, "
            f"{quote('claimed_at')} = %s, {quote('updated')} = %s "
            f"WHERE t.{quote('id')} = ANY(%s) AND t.{quote('direction')} = %s "
            f"AND t.{quote('status')} = ANY(%s) AND (t.{quote('next_attempt_at')} IS NULL "
            f"OR t.{quote('next_attempt_at')} <= %s) "
            f"RETURNING {columns('t', transmission_fields)}) "
            f"SELECT {columns('c', transmission_fields)}, {columns('m', message_fields)} "
            f"FROM c JOIN {quote(Message._meta.db_table)} AS m "
            f"ON m.{quote('id')} = c.{quote('message_id')} ORDER BY c.{quote('id')}"
        )
    params = [Status.SENDING.value, token, now, now, [int(pk) for pk in transmission_ids],
              Direction.OUTGOING.value, [status.value for status in CLAIMABLE], due]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        found = cursor.fetchall()
    split = len(transmission_fields)
    rows = []
    for values in found:
        row = instance_from_row(Transmission, alias, values[:split])
        row.message = instance_from_row(Message, alias, values[split:])
        rows.append(row)
    return rows


def record_sent(
    rows: Sequence[Transmission], token: uuid.UUID, known: dict[int, str], now: datetime
) -> dict[int, tuple[str, str]]:
    """The UPDATE of :func:`~rapidsms.router.db.store.record_sent` and its events' INSERT.

    Return ``{primary key: (status, last error)}`` of the rows written.
    """
    transmissions = Transmission._meta.db_table
    events = TransmissionEvent._meta.db_table
    values = ", ".join(["(%s::integer, %s::varchar)"] * len(rows))
    params: list[Any] = []
    for row in rows:
        params += [row.pk, known.get(row.pk, "")]
    sending, sent = Status.SENDING.value, Status.SENT.value
    params += [sending, sent, sending, now, sending, now, token, sent, now]
    # The outcome is committed without waiting for the disk (asynchronous
    # commit, for this transaction only): a PostgreSQL crash may lose the
    # last fraction of a second of outcomes, whose transmissions then end
    # as failed with an unknown outcome, never sent twice; a crash of the
    # worker loses nothing. Waiting would cost more than the send itself.
    sql = f"""
        WITH no_wait AS (SELECT set_config('synchronous_commit', 'off', true)),
        reported (id, gateway_id) AS (VALUES {values}),
        changed AS (
            UPDATE {transmissions} AS t SET
                status = CASE WHEN t.status = %s THEN %s ELSE t.status END,
                sent = CASE WHEN t.status = %s THEN %s ELSE t.sent END,
                attempts = CASE WHEN t.status = %s THEN t.attempts + 1 ELSE t.attempts END,
                gateway_message_id = CASE WHEN r.gateway_id <> '' THEN r.gateway_id
                                          ELSE t.gateway_message_id END,
                next_attempt_at = NULL,
                updated = %s
            FROM reported AS r, no_wait
            WHERE t.id = r.id AND t.claim_token = %s
            RETURNING t.id, r.gateway_id, t.status, t.last_error
        ),
        logged AS (
            INSERT INTO {events} (transmission_id, status, applied, detail, raw, date)
            SELECT id, %s, TRUE, '',
                   CASE WHEN gateway_id <> ''
                        THEN jsonb_build_object('gateway_message_id', gateway_id) END,
                   %s
            FROM changed
        )
        SELECT id, status, last_error FROM changed
    """
    with databases[Transmission.objects.db].cursor() as cursor:
        cursor.execute(sql, params)
        return {pk: (status, error) for pk, status, error in cursor.fetchall()}



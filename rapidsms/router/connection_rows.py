"""Finding and creating connection rows with as few statements as the database allows.

:func:`rapidsms.router.lookup_connections` runs for every incoming message,
so what it costs is paid by every gateway request. Built with the ORM, the
look-up cost a web process more than PostgreSQL spent answering it. Here:

* on PostgreSQL, one hand-written statement finds the connections that
  exist and creates the missing ones (a data-modifying ``WITH``), its text
  built once per number of identities;
* on SQLite, one ``INSERT ... SELECT ... ON CONFLICT DO NOTHING RETURNING``
  creates the missing ones after the ORM's look-up;
* anywhere else, or when a ``pre_save``/``post_save`` receiver listens to
  :class:`~rapidsms.models.Connection` (a project that makes a contact for
  each new number, say), nothing here runs: the ORM does the work and sends
  its signals, as in RapidSMS 2.x.

Both functions return ``None`` when they cannot do the work, and the caller
falls back to the ORM; a connection another process is creating at the same
moment is left out of their answer, and the caller creates or reads it the
slow way.
"""

from __future__ import annotations

from typing import Any

from django.db import connections, router
from django.utils import timezone

from rapidsms.utils.db_rows import instance_from_row, saved_without_signals

#: Statement texts by (database alias, whether the backend is given by id, count).
_find_or_create_sql: dict[tuple[str, bool, int], str] = {}


def find_or_create(
    backend_row: Any, name: str, identities: list[str]
) -> tuple[dict[str, Any], Any] | None:
    """Return the connections of ``identities`` and the backend row, creating what is missing.

    PostgreSQL only, in one statement; ``None`` elsewhere, when the backend
    has no row yet, or when the ORM must create connections (listeners).
    ``backend_row`` may be ``None``: the backend is then found by ``name``.
    """
    from rapidsms.models import Backend, Connection

    alias = router.db_for_write(Connection)
    connection = connections[alias]
    if connection.vendor != "postgresql" or not saved_without_signals(Connection):
        return None
    by_id = backend_row is not None
    key = (alias, by_id, len(identities))
    sql = _find_or_create_sql.get(key)
    if sql is None:
        sql = _find_or_create_sql[key] = _build_find_or_create(connection, by_id, len(identities))
    now = timezone.now()
    with connection.cursor() as cursor:
        cursor.execute(sql, [backend_row.pk if by_id else name, *identities, now, now])
        rows = cursor.fetchall()
    if not rows:
        return None  # no backend row yet: the caller makes it
    if backend_row is None:
        backend_row = Backend.from_db(alias, ["id", "name"], [rows[0][1], rows[0][-1]])
    found: dict[str, Any] = {}
    for row in rows:
        conn = instance_from_row(Connection, alias, row[:-1])
        conn.backend = backend_row
        found[conn.identity] = conn
    return found, backend_row


def _build_find_or_create(connection: Any, by_id: bool, count: int) -> str:
    """Return the statement :func:`find_or_create` runs for ``count`` identities.

    ``f`` reads the connections that exist; ``m`` inserts only the others
    (so the id sequence is not spent on numbers already known), skipping
    any another transaction has just made; the answer is both, each row
    with the backend's name last.
    """
    from rapidsms.models import Backend, Connection

    quote = connection.ops.quote_name
    backend_table = quote(Backend._meta.db_table)
    table = quote(Connection._meta.db_table)
    columns = [quote(field.column) for field in Connection._meta.concrete_fields]
    backend_id, identity = quote("backend_id"), quote("identity")
    values = ", ".join(["(%s)"] * count)
    where = f"{quote('id')} = %s" if by_id else f"{quote('name')} = %s"

    def qualified(prefix: str) -> str:
        return ", ".join(f"{prefix}.{column}" for column in columns)

    return (
        f"WITH b AS (SELECT {quote('id')}, {quote('name')} FROM {backend_table} "
        f"WHERE {where}), "
        f"v ({identity}) AS (VALUES {values}), "
        f"f AS (SELECT {qualified('c')} FROM {table} AS c "
        f"JOIN b ON c.{backend_id} = b.{quote('id')} "
        f"WHERE c.{identity} IN (SELECT {identity} FROM v)), "
        f"m AS (INSERT INTO {table} ({backend_id}, {identity}, "
        f"{quote('created_on')}, {quote('modified_on')}) "
        f"SELECT b.{quote('id')}, v.{identity}, %s, %s FROM b, v "
        f"WHERE v.{identity} NOT IN (SELECT {identity} FROM f) "
        f"ON CONFLICT DO NOTHING RETURNING {', '.join(columns)}) "
        f"SELECT {qualified('f')}, b.{quote('name')} FROM f, b "
        f"UNION ALL SELECT {qualified('m')}, b.{quote('name')} FROM m, b"
    )


def insert_missing(
    backend_row: Any, name: str, identities: list[str]
) -> tuple[dict[str, Any], Any]:
    """Create the connections of ``identities`` in one statement; return them and the backend row.

    On PostgreSQL and SQLite: one ``INSERT ... SELECT ... ON CONFLICT DO
    NOTHING RETURNING``, which needs no savepoint and takes the backend's id
    by its name, so a first message from a new number costs one statement,
    not five. An identity another process created meanwhile is left out, as is
    everything when the backend has no row yet: the caller creates those
    the slow way. Elsewhere, or when the ORM must create them, nothing is
    created here.
    """
    from rapidsms.models import Backend, Connection

    alias = router.db_for_write(Connection)
    connection = connections[alias]
    if connection.vendor not in ("postgresql", "sqlite") or not saved_without_signals(Connection):
        return {}, backend_row
    quote = connection.ops.quote_name
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    where, key = (f"b.{quote('id')} = %s", backend_row.pk) if backend_row is not None else (
        f"b.{quote('name')} = %s", name)
    # INSERT ... SELECT: no row at all, rather than an error, when the backend has none.
    values = ", ".join(["(%s)"] * len(identities))
    sql = (
        f"INSERT INTO {quote(Connection._meta.db_table)} ({quote('backend_id')}, "
        f"{quote('identity')}, {quote('created_on')}, {quote('modified_on')}) "
        f"SELECT b.{quote('id')}, v.column1, %s, %s "
        f"FROM {quote(Backend._meta.db_table)} AS b, (VALUES {values}) AS v WHERE {where} "
        f"ON CONFLICT DO NOTHING RETURNING {quote('id')}, {quote('backend_id')}, "
        f"{quote('identity')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, now, *identities, key])
        inserted = cursor.fetchall()
    created: dict[str, Any] = {}
    for pk, backend_id, identity in inserted:
        if backend_row is None:
            backend_row = Backend(pk=backend_id, name=name)
            backend_row._state.adding, backend_row._state.db = False, alias
        conn = Connection(pk=pk, backend=backend_row, identity=identity,
                          created_on=timezone.now(), modified_on=timezone.now())
        conn._state.adding, conn._state.db = False, alias
        created[identity] = conn
    return created, backend_row

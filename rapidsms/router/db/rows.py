"""INSERTs of the message store written by hand, for the paths every message takes.

Building an INSERT with Django's ORM for each incoming message cost a web
process more than the database spent running it. The statements here are
built once per model and shape, and do what ``bulk_create()`` does: rows
come back with their primary keys and as saved. They run on PostgreSQL and
SQLite, and only when nobody listens to the models' ``pre_save`` or
``post_save`` signals (which ``save()`` sends); otherwise each row is saved
with the ORM, signals and all.
"""

from __future__ import annotations

from typing import Any

from django.db import connections as databases
from django.db import models
from django.db import router as database_routers

from rapidsms.utils.db_rows import saved_without_signals

#: The INSERT of each model and number of rows, by database (see insert_rows).
_insert_sql: dict[tuple[type, str, int], str] = {}
#: The INSERT of a row with one child row, by models and database (see insert_with_child).
_insert_with_child_sql: dict[tuple[type, type, str, str], str] = {}


def _hand_written(model: type, connection: Any, vendors: tuple[str, ...]) -> bool:
    """Whether ``model``'s rows may be inserted here rather than by ``save()``."""
    return connection.vendor in vendors and saved_without_signals(model)


def _columns(model: type) -> list[Any]:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


#: Django's own fields whose prepared value is the value itself for text, and
#: (like every Django field) None for None: the two most common values here.
_TEXT_FIELDS = (models.CharField, models.TextField)


def _values(rows: list[Any], fields: list[Any], connection: Any) -> list[Any]:
    """Return the parameters of ``rows``' ``fields``, as ``save()`` would prepare them."""
    values = []
    for row in rows:
        for field in fields:
            value = field.pre_save(row, True)
            if value is None and field.__module__.startswith("django.db.models."):
                values.append(None)
            elif type(field) in _TEXT_FIELDS and type(value) is str:
                values.append(value)
            else:
                values.append(field.get_db_prep_save(value, connection))
    return values


def _mark_saved(row: Any, pk: Any, alias: str) -> None:
    row.pk = pk
    row._state.adding, row._state.db = False, alias


def insert_rows(rows: list[Any]) -> None:
    """Insert ``rows`` (unsaved, all of one model) and set their primary keys."""
    if not rows:
        return
    model = type(rows[0])
    alias = database_routers.db_for_write(model)
    connection = databases[alias]
    if not _hand_written(model, connection, ("postgresql", "sqlite")):
        for row in rows:
            row.save(force_insert=True, using=alias)
        return
    fields = _columns(model)
    key = (model, alias, len(rows))
    sql = _insert_sql.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        placeholders = "(" + ", ".join(["%s"] * len(fields)) + ")"
        sql = _insert_sql[key] = (
            f"INSERT INTO {quote(model._meta.db_table)} "
            f"({', '.join(quote(field.column) for field in fields)}) "
            f"VALUES {', '.join([placeholders] * len(rows))} "
            f"RETURNING {quote(model._meta.pk.column)}"
        )
    with connection.cursor() as cursor:
        cursor.execute(sql, _values(rows, fields, connection))
        keys = cursor.fetchall()
    for row, (pk,) in zip(rows, keys, strict=True):
        _mark_saved(row, pk, alias)


def insert_with_child(row: Any, child: Any, parent_field: str) -> None:
    """Insert ``row`` and ``child`` (whose ``parent_field`` points at ``row``); set their keys.

    On PostgreSQL in one statement (a data-modifying ``WITH``): one round
    trip instead of two for each incoming message and its transmission.
    Elsewhere, or with ``save()`` signals to send, one :func:`insert_rows`
    after the other.
    """
    parent_model, child_model = type(row), type(child)
    alias = database_routers.db_for_write(child_model)
    connection = databases[alias]
    if (database_routers.db_for_write(parent_model) != alias
            or not _hand_written(parent_model, connection, ("postgresql",))
            or not _hand_written(child_model, connection, ("postgresql",))):
        insert_rows([row])
        setattr(child, parent_field, row)
        insert_rows([child])
        return
    link = child_model._meta.get_field(parent_field)
    parent_fields = _columns(parent_model)
    child_fields = [field for field in _columns(child_model) if field is not link]
    key = (parent_model, child_model, parent_field, alias)
    sql = _insert_with_child_sql.get(key)
    if sql is None:
        quote = connection.ops.quote_name
        parent_pk = quote(parent_model._meta.pk.column)
        sql = _insert_with_child_sql[key] = (
            f"WITH p AS (INSERT INTO {quote(parent_model._meta.db_table)} "
            f"({', '.join(quote(field.column) for field in parent_fields)}) "
            f"VALUES ({', '.join(['%s'] * len(parent_fields))}) RETURNING {parent_pk}) "
            f"INSERT INTO {quote(child_model._meta.db_table)} "
            f"({quote(link.column)}, {', '.join(quote(field.column) for field in child_fields)}) "
            f"SELECT p.{parent_pk}, {', '.join(['%s'] * len(child_fields))} FROM p "
            f"RETURNING {quote(link.column)}, {quote(child_model._meta.pk.column)}"
        )
    params = _values([row], parent_fields, connection) + _values([child], child_fields,
                                                                 connection)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        parent_pk_value, child_pk_value = cursor.fetchone()
    _mark_saved(row, parent_pk_value, alias)
    setattr(child, parent_field, row)
    _mark_saved(child, child_pk_value, alias)

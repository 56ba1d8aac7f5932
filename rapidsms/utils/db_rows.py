"""Model instances from rows that hand-written SQL fetched.

A statement run with a cursor returns what the database driver gives;
Django's ORM converts some values further before a model sees them (a JSON
column's text is decoded, for one). :func:`instance_from_row` applies the
same conversions, so a row read by hand is the row the ORM would have made.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections
from django.db.models.signals import post_save, pre_save


def saved_without_signals(model: type) -> bool:
    """Whether ``model``'s rows may be written by hand: nobody listens to its ``save()`` signals.

    Where a ``pre_save`` or ``post_save`` receiver listens (a project that
    makes a contact for each new number, say), rows must go through
    ``save()`` so that it hears of them, as in RapidSMS 2.x.
    """
    return not (pre_save.has_listeners(model) or post_save.has_listeners(model))


#: Per model and database: the field names and each field's converters.
_layouts: dict[tuple[type, str], tuple[list[str], list[list[Callable[..., Any]]]]] = {}


def _layout(model: type, alias: str) -> tuple[list[str], list[list[Callable[..., Any]]]]:
    layout = _layouts.get((model, alias))
    if layout is None:
        connection = connections[alias]
        names, converters = [], []
        for field in model._meta.concrete_fields:
            column = field.get_col(model._meta.db_table)
            names.append(field.attname)
            converters.append([(converter, column) for converter in (
                connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            )])
        layout = _layouts[(model, alias)] = (names, converters)
    return layout


def instance_from_row(model: type, alias: str, values: Sequence[Any]) -> Any:
    """Return the saved ``model`` instance of ``values``: its concrete fields' columns, in order."""
    names, converters = _layout(model, alias)
    connection = connections[alias]
    if any(converters):
        values = list(values)
        for index, field_converters in enumerate(converters):
            for converter, column in field_converters:
                values[index] = converter(values[index], column, connection)
    return model.from_db(alias, names, values)

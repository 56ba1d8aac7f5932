"""RapidSMS 2.x's table of the message tester's messages, kept as a deprecated module.

The tester now shows a conversation: read it with
:func:`rapidsms.contrib.httptester.storage.conversation` or
:func:`~rapidsms.contrib.httptester.storage.tester_messages`. Importing this
module raises a ``DeprecationWarning``; ``MessageTable`` still renders the
tester's rows of the database backend's table.
"""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html

from rapidsms.deprecation import warn_module_imported

warn_module_imported(
    "rapidsms.contrib.httptester.tables",
    "rapidsms.contrib.httptester.storage.conversation()",
)

__all__ = ["MessageTable"]


class MessageTable(tables.Table):
    """Date, identity (» for a message in, « for a reply) and text, newest first."""

    date = tables.DateTimeColumn()
    identity = tables.Column()
    text = tables.Column()

    class Meta:
        order_by = ("-date",)
        template_name = "rapidsms/table.html"
        attrs = {"id": "log", "class": "data-table"}

    def render_identity(self, record: Any) -> Any:
        # The database backend's direction codes: "I" came in, "O" went out.
        arrow = "»" if record.direction == "I" else "«"
        return format_html("{}{}", record.identity, arrow)

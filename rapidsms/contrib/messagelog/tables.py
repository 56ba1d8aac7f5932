"""The message log's table: sortable columns, most recent first."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.translation import gettext_lazy as _

from rapidsms.contrib.messagelog.models import Message


class MessageTable(tables.Table):
    """One row per logged message and connection."""

    date = tables.DateTimeColumn(verbose_name=_("Date"), format="Y-m-d H:i:s",
                                 attrs={"td": {"class": "nowrap"}})
    direction = tables.Column(verbose_name=_("Direction"))
    contact = tables.Column(verbose_name=_("Contact"), accessor="contact__name",
                            order_by=("contact__name",))
    identity = tables.Column(verbose_name=_("Identity"), accessor="connection__identity")
    backend = tables.Column(verbose_name=_("Backend"), accessor="connection__backend__name")
    text = tables.Column(verbose_name=_("Text"), attrs={"td": {"class": "text"}})

    class Meta:
        model = Message
        fields = ("date", "direction", "contact", "identity", "backend", "text")
        order_by = ("-date",)
        template_name = "rapidsms/table.html"
        attrs = {"class": "data-table"}
        empty_text = _("No messages match.")

    def render_direction(self, record: Message) -> Any:
        arrow = "→" if record.direction == Message.INCOMING else "←"
        return f"{arrow} {record.get_direction_display()}"

    def order_date(self, queryset: Any, is_descending: bool) -> tuple[Any, bool]:
        # Rows of one message share a date; keep them in the order they were written.
        if is_descending:
            return queryset.order_by("-date", "-pk"), True
        return queryset.order_by("date", "pk"), True

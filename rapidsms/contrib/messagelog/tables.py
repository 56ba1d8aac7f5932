"""The message log's table: sortable columns, most recent first."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from rapidsms.contrib.messagelog.models import Message


class MessageTable(tables.Table):
    """One row per logged message and connection."""

    date = tables.DateTimeColumn(verbose_name=_("Date"), format="Y-m-d H:i:s",
                                 attrs={"td": {"class": "nowrap"}})
    direction = tables.Column(verbose_name=_("Direction"))
    contact = tables.Column(verbose_name=_("Contact"), accessor="contact__name",
                            order_by=("contact__name",))
    # A phone number or a date broken over two lines is misread.
    identity = tables.Column(verbose_name=_("Identity"), accessor="connection__identity",
                             attrs={"td": {"class": "nowrap"}})
    backend = tables.Column(verbose_name=_("Backend"), accessor="connection__backend__name",
                            attrs={"td": {"class": "nowrap"}})
    text = tables.Column(verbose_name=_("Text"), attrs={"td": {"class": "text"}})
    status = tables.Column(verbose_name=_("Status"), empty_values=())

    class Meta:
        model = Message
        fields = ("date", "direction", "contact", "identity", "backend", "text", "status")
        order_by = ("-date",)
        template_name = "rapidsms/table.html"
        attrs = {"class": "data-table"}
        empty_text = _("No messages match.")

    def render_direction(self, record: Message) -> Any:
        arrow = "→" if record.direction == Message.INCOMING else "←"
        return f"{arrow} {record.get_direction_display()}"

    def render_status(self, record: Message) -> Any:
        """Show an outgoing message's status as a badge, with the gateway's error under it."""
        if record.direction != Message.OUTGOING:
            return ""
        if not record.status:
            return format_html('<span class="status">{}</span>', _("not reported"))
        if record.error:
            return format_html(
                '<span class="status status-{}">{}</span><span class="status-error">{}</span>',
                record.status, record.get_status_display(), record.error,
            )
        return format_html('<span class="status status-{}">{}</span>', record.status,
                           record.get_status_display())

    def order_date(self, queryset: Any, is_descending: bool) -> tuple[Any, bool]:
        # Rows of one message share a date; keep them in the order they were written.
        if is_descending:
            return queryset.order_by("-date", "-pk"), True
        return queryset.order_by("date", "pk"), True

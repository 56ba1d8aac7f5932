"""The table of the messages page."""

from __future__ import annotations

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from rapidsms.redaction import redact
from rapidsms.router.db.models import Transmission


class TransmissionTable(tables.Table):
    """One row per message and connection, newest first."""

    NOWRAP = {"td": {"class": "nowrap"}}

    date = tables.DateTimeColumn(verbose_name=_("Created"), format="Y-m-d H:i:s", attrs=NOWRAP)
    identity = tables.Column(verbose_name=_("Identity"), attrs=NOWRAP)
    text = tables.Column(accessor="message__text", verbose_name=_("Text"), orderable=False,
                         attrs={"td": {"class": "text"}})
    status = tables.Column(verbose_name=_("Status"))
    next_attempt_at = tables.DateTimeColumn(verbose_name=_("Next attempt"), format="H:i:s",
                                            attrs=NOWRAP)
    gateway_message_id = tables.Column(verbose_name=_("Gateway id"))

    def render_status(self, record: Transmission) -> SafeString:
        """Show the status as a badge coloured by what it means."""
        return format_html('<span class="status status-{}">{}</span>', record.status,
                           record.get_status_display())

    def render_last_error(self, value: str) -> str:
        """Show the error redacted again (escaped by the template, as every value)."""
        return redact(value)

    class Meta:
        model = Transmission
        fields = (
            "date",
            "direction",
            "backend",
            "identity",
            "text",
            "status",
            "attempts",
            "next_attempt_at",
            "last_error",
            "gateway_message_id",
        )
        order_by = ("-date",)
        empty_text = _("No messages match.")
        template_name = "rapidsms/table.html"
        attrs = {"class": "data-table rapidsms-messages"}

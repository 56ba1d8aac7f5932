"""The table of connections to choose recipients from."""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

import django_tables2 as tables
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from rapidsms.models import Connection


class RecipientTable(tables.Table):
    """Connections with a check box each, named ``connections`` like the form's field."""

    select = tables.Column(verbose_name="", accessor="pk", orderable=False,
                           attrs={"td": {"class": "checkbox-cell"}})
    contact = tables.Column(verbose_name=gettext_lazy("Contact"), accessor="contact__name",
                            order_by=("contact__name", "identity"))
    identity = tables.Column(verbose_name=gettext_lazy("Identity"))
    backend = tables.Column(verbose_name=gettext_lazy("Backend"), accessor="backend__name")

    class Meta:
        model = Connection
        fields = ("select", "contact", "identity", "backend")
        order_by = ("identity",)
        template_name = "rapidsms/table.html"
        attrs = {"class": "data-table"}
        empty_text = gettext_lazy("No connections match.")

    def __init__(self, *args: Any, selected: Collection[int] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.selected = {int(pk) for pk in selected}

    def render_select(self, record: Connection) -> str:
        return format_html(
            '<input type="checkbox" name="connections" value="{}" form="send-form"'
            ' aria-label="{}"{}>',
            record.pk,
            _("Send to %(identity)s") % {"identity": record.identity},
            " checked" if record.pk in self.selected else "",
        )

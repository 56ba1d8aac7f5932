"""The contacts table: name, identities, language; sortable and paginated."""

from __future__ import annotations

from typing import Any

import django_tables2 as tables
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from rapidsms.models import Contact


class ContactTable(tables.Table):
    """One row per contact, its name linking to its edit page."""

    name = tables.Column(verbose_name=_("Name"), order_by=("name", "pk"))
    identities = tables.Column(verbose_name=_("Identities"), accessor="pk", orderable=False)
    language = tables.Column(verbose_name=_("Language"))
    created_on = tables.DateTimeColumn(verbose_name=_("Added"), format="Y-m-d H:i",
                                       attrs={"td": {"class": "nowrap"}})

    class Meta:
        model = Contact
        fields = ("name", "identities", "language", "created_on")
        order_by = ("name",)
        template_name = "rapidsms/table.html"
        attrs = {"class": "data-table"}
        empty_text = _("No contacts match.")

    def render_name(self, record: Contact) -> Any:
        url = reverse("registration_contact_edit", kwargs={"pk": record.pk})
        return format_html('<a href="{}">{}</a>', url, record)

    def render_identities(self, record: Contact) -> Any:
        connections = record.connection_set.all()  # prefetched by the view
        if not connections:
            return "—"
        return format_html_join(
            ", ", "{} <span class=\"hint\">({})</span>",
            ((conn.identity, conn.backend.name) for conn in connections),
        )

"""Admin page of the opt-outs: see who opted out; delete a row to opt them back in."""

from __future__ import annotations

from django.contrib import admin

from rapidsms.contrib.optout.models import OptOut


@admin.register(OptOut)
class OptOutAdmin(admin.ModelAdmin):
    list_display = ["__str__", "contact", "connection", "keyword", "created_on"]
    search_fields = ["contact__name", "connection__identity", "contact__connection__identity"]
    list_select_related = ["contact", "connection", "connection__backend"]
    raw_id_fields = ["contact", "connection"]
    readonly_fields = ["created_on"]
    date_hierarchy = "created_on"

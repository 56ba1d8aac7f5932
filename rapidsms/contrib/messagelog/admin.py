"""Admin pages of the message log: read-only, searchable, filterable."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from rapidsms.contrib.messagelog.models import Message


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["date", "direction", "who", "connection", "text"]
    list_filter = ["direction", "date", "connection__backend"]
    search_fields = ["text", "connection__identity", "contact__name"]
    list_select_related = ["contact", "connection", "connection__backend"]
    date_hierarchy = "date"
    ordering = ["-date", "-pk"]
    raw_id_fields = ["contact", "connection"]

    # A log records what happened: it can be read and pruned, not written.
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

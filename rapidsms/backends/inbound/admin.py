"""Delivery reports in the admin: read-only, filterable by backend and status."""

from __future__ import annotations

from django.contrib import admin

from rapidsms.backends.inbound.models import DeliveryReport


@admin.register(DeliveryReport)
class DeliveryReportAdmin(admin.ModelAdmin):
    list_display = ("received_at", "backend", "message_id", "identity", "status", "raw_status",
                    "error")
    list_filter = ("backend", "status")
    search_fields = ("message_id", "external_id", "identity")
    date_hierarchy = "received_at"
    # Reports are what the gateway said: keep them as they came.
    readonly_fields = [field.name for field in DeliveryReport._meta.fields]

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

"""Delivery reports in the admin: read-only, filterable by backend and status."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.redaction import redact, redact_data


@admin.register(DeliveryReport)
class DeliveryReportAdmin(admin.ModelAdmin):
    list_display = ("received_at", "backend", "message_id", "identity", "status", "raw_status",
                    "shown_error")
    list_filter = ("backend", "status")
    search_fields = ("message_id", "external_id", "identity")
    date_hierarchy = "received_at"
    # Reports are what the gateway said: keep them as they came.
    readonly_fields = [field.name for field in DeliveryReport._meta.fields
                       if field.name not in ("error", "raw")] + ["shown_error", "shown_raw"]
    exclude = ["error", "raw"]

    # A gateway's error may quote our request back; never show its credentials.
    @admin.display(description="error")
    def shown_error(self, obj: DeliveryReport) -> str:
        return redact(obj.error)

    @admin.display(description="raw")
    def shown_raw(self, obj: DeliveryReport) -> Any:
        return redact_data(obj.raw)

    def has_add_permission(self, request: object) -> bool:
        return False

    def has_change_permission(self, request: object, obj: object = None) -> bool:
        return False

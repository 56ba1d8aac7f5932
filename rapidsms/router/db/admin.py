"""Admin pages of the message store."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from rapidsms.redaction import redact, redact_data
from rapidsms.router.db.models import Message, Transmission, TransmissionEvent


# Errors are redacted when stored; redacting them again when shown also hides
# a secret stored before, or one configured after.
@admin.display(description="last error")
def shown_last_error(obj: Any) -> str:
    return redact(obj.last_error)


@admin.display(description="detail")
def shown_detail(obj: Any) -> str:
    return redact(obj.detail)


@admin.display(description="raw")
def shown_raw(obj: Any) -> Any:
    return redact_data(obj.raw)


class TransmissionInline(admin.TabularInline):
    model = Transmission
    extra = 0
    can_delete = False
    fields = ["identity", "backend", "status", "attempts", shown_last_error,
              "gateway_message_id"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = TransmissionEvent
    extra = 0
    can_delete = False
    fields = ["date", "status", "applied", shown_detail, shown_raw]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Message)
class MessageAdmin(admin.ModelAdmin):
    list_display = ["id", "direction", "text", "date", "in_response_to"]
    list_filter = ["direction", "date"]
    search_fields = ["text", "external_id"]
    raw_id_fields = ["in_response_to"]
    readonly_fields = ["date", "updated"]
    inlines = [TransmissionInline]
    ordering = ["-date", "-pk"]


@admin.action(description="Retry the selected failed transmissions")
def retry_failed(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    from rapidsms.router.db.operations import queue_again

    ids = queue_again(queryset, unknown=False, note=f"queued again by {request.user} (admin)")
    modeladmin.message_user(request, f"{len(ids)} transmission(s) queued again.", messages.SUCCESS)


@admin.action(description="Resend the selected transmissions whose outcome is unknown")
def resend_unknown(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    from rapidsms.router.db.operations import queue_again

    ids = queue_again(queryset, unknown=True,
                      note=f"resent by {request.user} (admin); it may arrive twice")
    modeladmin.message_user(request, f"{len(ids)} transmission(s) queued again.", messages.SUCCESS)


@admin.register(Transmission)
class TransmissionAdmin(admin.ModelAdmin):
    list_display = [
        "id", "direction", "identity", "backend", "status", "attempts", "next_attempt_at",
        shown_last_error, "date",
    ]
    list_filter = ["status", "direction", "backend"]
    search_fields = ["identity", "gateway_message_id", "message__text"]
    list_select_related = ["message"]
    raw_id_fields = ["message", "connection"]
    readonly_fields = ["claim_token", "claimed_at", "dispatched_at", "date", "updated",
                       shown_last_error]
    exclude = ["last_error"]
    actions = [retry_failed, resend_unknown]
    inlines = [EventInline]
    ordering = ["-date", "-pk"]

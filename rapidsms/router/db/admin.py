"""Admin pages of the message store."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest

from rapidsms.router.db.models import Message, Transmission, TransmissionEvent


class TransmissionInline(admin.TabularInline):
    model = Transmission
    extra = 0
    can_delete = False
    fields = ["identity", "backend", "status", "attempts", "last_error", "gateway_message_id"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class EventInline(admin.TabularInline):
    model = TransmissionEvent
    extra = 0
    can_delete = False
    fields = ["date", "status", "applied", "detail", "raw"]
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
    from rapidsms.router.db.router import store_router
    from rapidsms.router.db.store import requeue_failed

    router = store_router()
    ids = requeue_failed(queryset, note=f"queued again by {request.user} (admin)")
    router.dispatch_transmissions(ids)
    modeladmin.message_user(request, f"{len(ids)} transmission(s) queued again.", messages.SUCCESS)


@admin.action(description="Resend the selected transmissions whose outcome is unknown")
def resend_unknown(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
    from rapidsms.router.db.router import store_router
    from rapidsms.router.db.store import resend_unknown as requeue

    router = store_router()
    ids = requeue(queryset, note=f"resent by {request.user} (admin); it may arrive twice")
    router.dispatch_transmissions(ids)
    modeladmin.message_user(request, f"{len(ids)} transmission(s) queued again.", messages.SUCCESS)


@admin.register(Transmission)
class TransmissionAdmin(admin.ModelAdmin):
    list_display = [
        "id", "direction", "identity", "backend", "status", "attempts", "next_attempt_at",
        "last_error", "date",
    ]
    list_filter = ["status", "direction", "backend"]
    search_fields = ["identity", "gateway_message_id", "message__text"]
    list_select_related = ["message"]
    raw_id_fields = ["message", "connection"]
    readonly_fields = ["claim_token", "claimed_at", "dispatched_at", "date", "updated"]
    actions = [retry_failed, resend_unknown]
    inlines = [EventInline]
    ordering = ["-date", "-pk"]

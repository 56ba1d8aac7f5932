"""Admin pages for backends, contacts and connections."""

from __future__ import annotations

from django.contrib import admin

from rapidsms.models import Backend, Connection, Contact


class ConnectionInline(admin.TabularInline):
    model = Connection
    extra = 1
    fields = ["backend", "identity"]


@admin.register(Contact)
class ContactAdmin(admin.ModelAdmin):
    list_display = ["__str__", "language", "created_on"]
    search_fields = ["name", "connection__identity"]
    list_filter = ["connection__backend", "language"]
    inlines = [ConnectionInline]


@admin.register(Connection)
class ConnectionAdmin(admin.ModelAdmin):
    list_display = ["id", "identity", "backend", "contact", "created_on"]
    list_filter = ["backend"]
    search_fields = ["identity", "contact__name"]
    list_select_related = ["backend", "contact"]
    raw_id_fields = ["contact"]


@admin.register(Backend)
class BackendAdmin(admin.ModelAdmin):
    list_display = ["name"]
    search_fields = ["name"]

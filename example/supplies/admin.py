from __future__ import annotations

from django.contrib import admin

from supplies.models import StockReport


@admin.register(StockReport)
class StockReportAdmin(admin.ModelAdmin):
    list_display = ["item", "quantity", "connection", "reported_on"]
    list_filter = ["item"]
    search_fields = ["item", "connection__identity"]
    list_select_related = ["connection"]

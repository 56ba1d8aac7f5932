from __future__ import annotations

from django.contrib import admin

from clinic_stock.models import StockReport


@admin.register(StockReport)
class StockReportAdmin(admin.ModelAdmin):
    list_display = ["reported_on", "connection", "item", "quantity"]
    list_filter = ["item"]
    search_fields = ["connection__identity"]
    list_select_related = ["connection"]

"""The stock reports as a sortable table (django-tables2)."""

from __future__ import annotations

import django_tables2 as tables

from clinic_stock.models import StockReport


class StockReportTable(tables.Table):
    """One row per report; a click on a column's header sorts by that column."""

    reported_on = tables.DateTimeColumn(verbose_name="Reported", format="Y-m-d H:i")
    phone = tables.Column(verbose_name="Phone", accessor="connection__identity")
    item = tables.Column(verbose_name="Item")
    quantity = tables.Column(verbose_name="Count")

    class Meta:
        model = StockReport
        fields = ("reported_on", "phone", "item", "quantity")
        order_by = ("-reported_on",)
        # The look of RapidSMS's own pages; "django_tables2/table.html" works too.
        template_name = "rapidsms/table.html"
        empty_text = "No stock reports yet."

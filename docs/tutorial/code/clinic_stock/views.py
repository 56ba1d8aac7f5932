"""The page of stock reports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from clinic_stock.models import StockReport
from clinic_stock.tables import StockReportTable
from rapidsms.views import configure_table


@login_required
def report_list(request: HttpRequest) -> HttpResponse:
    """Show the reports, newest first, sorted and paginated as the address asks."""
    table = StockReportTable(StockReport.objects.select_related("connection"))
    # Reads ?sort=, ?page= and ?per_page=; a value that makes no sense gets the
    # nearest sensible page instead of an error.
    configure_table(request, table)
    return render(request, "clinic_stock/report_list.html", {"table": table})

"""What the supplies app stores: one row per stock report received."""

from __future__ import annotations

from django.db import models

from rapidsms.models import Connection

#: The longest item name a report may give (``STOCK <item> <count>``).
ITEM_MAX_LENGTH = 40


class StockReport(models.Model):
    """The count of one item that a health worker reported by SMS."""

    connection = models.ForeignKey(
        Connection, on_delete=models.CASCADE, related_name="stock_reports"
    )
    item = models.CharField(max_length=ITEM_MAX_LENGTH, db_index=True)
    quantity = models.PositiveIntegerField()
    reported_on = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-reported_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.item}: {self.quantity} (from {self.connection.identity})"

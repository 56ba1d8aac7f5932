"""What the clinics report: one row per stock report received by SMS."""

from __future__ import annotations

from django.db import models

from rapidsms.models import Connection


class Item(models.TextChoices):
    """The supplies the clinics report on: the code typed in the SMS, and its name."""

    ACT = "ACT", "Antimalarial tablets (ACT)"
    AMOX = "AMOX", "Amoxicillin"
    ORS = "ORS", "Oral rehydration salts"
    ZINC = "ZINC", "Zinc tablets"


class StockReport(models.Model):
    """How many of one item a clinic had when a health worker reported it."""

    # Who reported: the phone number and the gateway it wrote from. PROTECT, because
    # deleting a phone number must not delete what was reported from it.
    connection = models.ForeignKey(
        Connection, on_delete=models.PROTECT, related_name="stock_reports"
    )
    item = models.CharField(max_length=10, choices=Item.choices)
    quantity = models.PositiveIntegerField()
    reported_on = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-reported_on", "-pk"]

    def __str__(self) -> str:
        return f"{self.item} {self.quantity} from {self.connection.identity}"

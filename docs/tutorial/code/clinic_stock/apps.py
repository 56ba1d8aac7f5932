from __future__ import annotations

from django.apps import AppConfig


class ClinicStockConfig(AppConfig):
    name = "clinic_stock"
    verbose_name = "Clinic stock"

from __future__ import annotations

from django.apps import AppConfig


class SuppliesConfig(AppConfig):
    name = "supplies"
    verbose_name = "Supplies (example)"

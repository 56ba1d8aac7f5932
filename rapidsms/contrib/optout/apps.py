"""Django app configuration of the opt-out app."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OptOutConfig(AppConfig):
    name = "rapidsms.contrib.optout"
    label = "optout"
    verbose_name = _("Opt-out")
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rapidsms.contrib.optout import checks, signals  # noqa: F401  (registers them)

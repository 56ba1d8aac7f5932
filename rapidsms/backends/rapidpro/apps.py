from __future__ import annotations

from django.apps import AppConfig


class RapidProConfig(AppConfig):
    """The RapidPro backend's tables and management commands."""

    name = "rapidsms.backends.rapidpro"
    label = "rapidpro"
    verbose_name = "RapidPro backend"
    default_auto_field = "django.db.models.BigAutoField"

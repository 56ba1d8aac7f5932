from __future__ import annotations

from django.apps import AppConfig


class InboundConfig(AppConfig):
    name = "rapidsms.backends.inbound"
    label = "rapidsms_inbound"
    verbose_name = "Gateway inbound messages and delivery reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from rapidsms.backends.inbound import checks  # noqa: F401  (registers the checks)

"""Django app of the message store (label ``db``, as in RapidSMS 2.x)."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessageStoreConfig(AppConfig):
    name = "rapidsms.router.db"
    label = "db"
    verbose_name = _("Message store")
    # RapidSMS 2.x created these tables with integer keys; keep them.
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from rapidsms.router.db import checks, reports  # noqa: F401  (registers the checks)

        reports.connect_signal()

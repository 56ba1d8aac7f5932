from __future__ import annotations

from django.apps import AppConfig


class VumiConfig(AppConfig):
    """The Vumi backend's table of the message ids Vumi gave our messages."""

    name = "rapidsms.backends.vumi"
    label = "vumi"
    verbose_name = "Vumi backend"
    default_auto_field = "django.db.models.BigAutoField"

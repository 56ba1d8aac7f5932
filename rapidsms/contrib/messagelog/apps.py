"""Django app configuration of the message log."""

from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MessageLogConfig(AppConfig):
    name = "rapidsms.contrib.messagelog"
    label = "messagelog"
    verbose_name = _("Message log")
    # RapidSMS 2.x created this table with integer keys; keep them so it upgrades in place.
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from rapidsms import extensions
        from rapidsms.contrib.messagelog import status, traffic  # noqa: F401 (receivers)

        extensions.register_page(extensions.Page(
            url_name="message_log", title=_("Message log"),
            description=_("Every message in and out: search, filter, export as CSV."), order=20,
        ))
        # Before the durable router's: the log counts every router's messages.
        extensions.register_traffic_source(extensions.TrafficSource(
            name="message_log", counts=traffic.traffic, order=10,
            rows_between=traffic.rows_between,
        ))

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
        from rapidsms import extensions

        # Importing checks registers them.
        from rapidsms.router.db import checks, dashboard, operations, prune, reports  # noqa: F401

        reports.connect_signal()
        extensions.register_prune_step(extensions.PruneStep(
            "messages", prune.prune_message_store, prune.describe))
        extensions.register_status_provider("message_store", operations.status_report)
        extensions.register_page(extensions.Page(
            url_name="rapidsms_db:messages", title=_("Message store"),
            description=_("Every message by status, with retries and failures."),
            order=50, staff_only=True,
        ))
        extensions.register_dashboard_panel(extensions.DashboardPanel(
            name="message_store", title=_("Message store"), figures=dashboard.figures,
            order=50, staff_only=True,
        ))
        # After the message log's, which counts every router's messages.
        extensions.register_traffic_source(extensions.TrafficSource(
            name="message_store", counts=dashboard.traffic, order=50,
            rows_between=dashboard.rows_between,
        ))

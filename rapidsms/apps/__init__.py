"""SMS apps (``rapidsms.apps.base.AppBase``) and the core's Django app config.

Django looks for an ``AppConfig`` in ``<app>.apps``; for the ``rapidsms``
package that is this module, which is also where RapidSMS 2.x users import
``rapidsms.apps.base`` from, so the config lives here.
"""

from __future__ import annotations

from django.apps import AppConfig


class RapidsmsConfig(AppConfig):
    name = "rapidsms"
    verbose_name = "RapidSMS"
    # RapidSMS 2.x tables use integer keys; keep them so existing databases upgrade.
    default_auto_field = "django.db.models.AutoField"

    def ready(self) -> None:
        from rapidsms import checks, signals  # noqa: F401  (registers checks and receivers)

        # The checks of the shared inbound base, registered here too because
        # a RapidSMS 2.x project mounts gateway views without installing
        # rapidsms.backends.inbound, which is what they would warn about.
        from rapidsms.backends.inbound import checks as inbound_checks  # noqa: F401
        from rapidsms.redaction import install_logging_filter

        # Gateways echo credentials in their error answers; keep them out of log lines.
        install_logging_filter()

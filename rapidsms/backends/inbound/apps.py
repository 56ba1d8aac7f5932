from __future__ import annotations

from django.apps import AppConfig


class InboundConfig(AppConfig):
    name = "rapidsms.backends.inbound"
    label = "rapidsms_inbound"
    verbose_name = "Gateway inbound messages and delivery reports"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # The middleware module sets aside a charset Django cannot read
        # before the first request is built, middleware installed or not;
        # importing checks registers them.
        from rapidsms import extensions, middleware  # noqa: F401
        from rapidsms.backends.inbound import checks, prune  # noqa: F401

        extensions.register_prune_step(extensions.PruneStep(
            "received_ids", prune.prune_received_ids, prune.describe))
        extensions.register_prune_step(extensions.PruneStep(
            "sent_ids", prune.prune_sent_ids, prune.describe_sent))

"""Store a delivery report and tell the project about it."""

from __future__ import annotations

import logging
from typing import Any

from rapidsms.backends.inbound import tables_installed
from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.backends.signals import delivery_report

logger = logging.getLogger("rapidsms.backends.inbound")


def record_delivery_report(backend: Any, report: DeliveryReport) -> DeliveryReport:
    """Save ``report`` for ``backend`` and send the ``delivery_report`` signal.

    The report is saved first, so it is kept even when no message with its
    ``message_id`` is known (yet) and even when a receiver fails. Without
    the inbound app installed it is only signalled.
    """
    report.backend = backend.name
    if tables_installed():
        report.save()
    results = delivery_report.send_robust(
        sender=type(backend),
        backend=backend.name,
        message_id=report.message_id,
        identity=report.identity,
        status=report.status,
        raw_status=report.raw_status,
        error=report.error,
        external_id=report.external_id,
        raw=report.raw,
        report=report,
    )
    for receiver, result in results:
        if isinstance(result, Exception):
            logger.error(
                "A delivery_report receiver (%s) failed for report %s of backend %s.",
                getattr(receiver, "__qualname__", receiver), report.pk, backend.name,
                exc_info=result,
            )
    return report

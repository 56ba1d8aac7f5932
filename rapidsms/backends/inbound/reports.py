"""Store a delivery report, tie it to our message, and tell the project about it.

Gateways name a message in their reports by their own id. When a backend
reports that id for a recipient (an :class:`~rapidsms.backends.results.Accepted`
result), :func:`remember_sent` keeps it in the shared table
:class:`~rapidsms.backends.inbound.models.SentMessage`;
:func:`record_delivery_report` looks a report's gateway id up there when the
report does not carry our message id itself.

A report can overtake the answer it refers to (the gateway acknowledges a
message before its answer to our request has been read). Such a report is
stored at once without our message id; :func:`remember_sent` then fills it
in and sends the ``delivery_report`` signal again, now with the message id.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from django.db import DatabaseError, transaction

from rapidsms.backends.inbound import tables_installed
from rapidsms.backends.inbound.models import DeliveryReport, SentMessage
from rapidsms.backends.signals import delivery_report

logger = logging.getLogger("rapidsms.backends.inbound")

#: Longest gateway id kept; a longer one cannot be stored, so it is not remembered.
MAX_GATEWAY_ID = 255


def record_delivery_report(backend: Any, report: DeliveryReport) -> DeliveryReport:
    """Save ``report`` for ``backend`` and send the ``delivery_report`` signal.

    A report without our message id gets it (and the recipient) from the
    table of sent ids when its ``external_id`` is known there. The report is
    saved first, so it is kept even when no message with its ``message_id``
    is known (yet) and even when a receiver fails. Without the inbound app
    installed it is only signalled.
    """
    report.backend = backend.name
    if tables_installed():
        if not report.message_id and report.external_id:
            _fill_from_sent(report)
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


def remember_sent(backend: Any, message_id: Any, gateway_ids: Mapping[str, str]) -> None:
    """Keep the gateway's id of message ``message_id`` for each recipient; complete early reports.

    ``gateway_ids`` maps identity to the gateway's id. Called after the
    gateway took the message, so it never raises: a database failure here is
    logged, and the message counts as sent. Does nothing without the
    inbound app installed.
    """
    rows = [
        SentMessage(backend=backend.name, gateway_id=str(gateway_id),
                    message_id=str(message_id), identity=str(identity))
        for identity, gateway_id in gateway_ids.items()
        if gateway_id and len(str(gateway_id)) <= MAX_GATEWAY_ID
    ]
    if not rows or not tables_installed():
        return
    try:
        with transaction.atomic():
            # A gateway that answers the same id twice: the first one stays.
            SentMessage.objects.bulk_create(rows, ignore_conflicts=True)
    except DatabaseError:
        logger.exception("Backend %s: could not store the gateway's ids of message %s; its "
                         "delivery reports will not name it.", backend.name, message_id)
        return
    _complete_early_reports(backend, rows)


def find_sent(backend_name: str, gateway_id: str) -> tuple[str, str] | None:
    """Return ``(our message id, identity)`` of the message a gateway calls ``gateway_id``."""
    return (SentMessage.objects.filter(backend=backend_name, gateway_id=gateway_id)
            .values_list("message_id", "identity").first())


def _fill_from_sent(report: DeliveryReport) -> None:
    found = find_sent(report.backend, report.external_id)
    if found is not None:
        report.message_id = found[0]
        report.identity = report.identity or found[1]


def _complete_early_reports(backend: Any, rows: list[SentMessage]) -> None:
    """Give reports stored before their gateway id was known our message id; signal them again."""
    by_gateway_id = {row.gateway_id: row for row in rows}
    try:
        early = list(DeliveryReport.objects.filter(
            backend=backend.name, message_id="", external_id__in=list(by_gateway_id)))
        for report in early:
            row = by_gateway_id[report.external_id]
            report.message_id, report.identity = row.message_id, report.identity or row.identity
            with transaction.atomic():
                record_delivery_report(backend, report)
    except DatabaseError:
        logger.exception("Backend %s: could not tie earlier delivery reports to message %s.",
                         backend.name, rows[0].message_id)

"""Delivery reports: a gateway's word on a transmission, applied only forward.

The gateway backends send :data:`rapidsms.backends.signals.delivery_report`
for every report they receive; this module listens and updates the
transmission the report is about. Other code can call
:func:`update_transmission_status` directly.
"""

from __future__ import annotations

import logging
from typing import Any

from django.utils import timezone

from rapidsms.redaction import redact, redact_data
from rapidsms.router.db.announce import announce
from rapidsms.router.db.models import Transmission, TransmissionEvent
from rapidsms.router.db.status import Direction, Status, statuses_below

logger = logging.getLogger("rapidsms.router.db")

#: Gateway words for the statuses a report may set; anything else is kept as an event only.
REPORTED_STATUSES: dict[str, str] = {
    "sent": Status.SENT,
    "accepted": Status.SENT,
    "submitted": Status.SENT,
    "delivered": Status.DELIVERED,
    "failed": Status.FAILED,
    "undelivered": Status.FAILED,
    "rejected": Status.FAILED,
    "expired": Status.FAILED,
}


def update_transmission_status(
    backend_name: str,
    message_id: Any,
    identity: str | None = None,
    status: str = "",
    raw: Any = None,
    *,
    gateway_message_id: str | None = None,
    error: str = "",
) -> int:
    """Apply a gateway's report to the transmissions it is about; return how many matched.

    The transmission is found by the gateway's message id
    (``gateway_message_id``, or ``message_id`` when it is one), else by our
    message id and ``identity``. A report moves the status only forward
    (queued < errored: will retry < sending < sent < failed < delivered), so
    a late "sent" never overrides "delivered"; every report, applied or not,
    is kept with its ``raw`` payload as a status change of the transmission.
    """
    matches = _find(backend_name, message_id, identity, gateway_message_id)
    if not matches:
        logger.info(
            "Delivery report from %s for message %s (%s) matches no stored transmission.",
            backend_name,
            gateway_message_id or message_id,
            identity or "any identity",
        )
        return 0
    new_status = REPORTED_STATUSES.get(str(status).lower())
    now = timezone.now()
    # A gateway's error text may quote the request it got, credentials included.
    detail = redact(f"gateway reported {status!r}" + (f": {error}" if error else ""))
    raw = redact_data(raw)
    events = []
    for transmission in matches:
        applied = False
        if new_status is not None:
            changes: dict[str, Any] = {"status": new_status, "updated": now}
            if new_status == Status.DELIVERED:
                changes["delivered"] = now
            if new_status == Status.SENT:
                changes["sent"] = now
            if new_status == Status.FAILED:
                changes["last_error"] = detail[:2000]
            if gateway_message_id and not transmission.gateway_message_id:
                changes["gateway_message_id"] = str(gateway_message_id)[:255]
            applied = bool(
                Transmission.objects.filter(
                    pk=transmission.pk, status__in=statuses_below(new_status)
                ).update(**changes)
            )
        events.append(
            TransmissionEvent(
                transmission=transmission,
                status=new_status or transmission.status,
                applied=applied,
                detail=detail[:2000],
                raw=raw,
                date=now,
            )
        )
    TransmissionEvent.objects.bulk_create(events)
    announce([event.transmission for event in events if event.applied])
    return len(matches)


def _find(
    backend_name: str, message_id: Any, identity: str | None, gateway_message_id: str | None
) -> list[Transmission]:
    outgoing = Transmission.objects.filter(direction=Direction.OUTGOING, backend=backend_name)
    if identity:
        outgoing = outgoing.filter(identity=identity)
    gateway_id = gateway_message_id or message_id
    found: list[Transmission] = []
    if gateway_id:
        found = list(outgoing.filter(gateway_message_id=str(gateway_id))[:1000])
    # Only plain ASCII digits that fit a database integer can be our own ids
    # ("²" is a digit to str.isdigit(), and a gateway may send anything).
    if not found and message_id and _is_own_id(str(message_id)):
        # Our own message id: the gateway echoes it, or the report came
        # before the send's answer told us the gateway's id.
        candidates = list(outgoing.filter(message_id=int(message_id))[:1000])
        if identity or len(candidates) == 1:
            found = candidates
    return found


def on_delivery_report(sender: Any, **kwargs: Any) -> None:
    """Receive the gateway backends' ``delivery_report`` signal."""
    status = kwargs.get("status")
    update_transmission_status(
        kwargs.get("backend") or "",
        kwargs.get("message_id") or "",
        kwargs.get("identity") or None,
        str(getattr(status, "value", status) or ""),
        kwargs.get("raw"),
        gateway_message_id=kwargs.get("external_id") or None,
        error=kwargs.get("error") or "",
    )


def connect_signal() -> bool:
    """Listen to the backends' delivery-report signal; return False where there is none."""
    try:
        from rapidsms.backends.signals import delivery_report
    except ImportError:
        return False
    delivery_report.connect(on_delivery_report, dispatch_uid="rapidsms.router.db.reports")
    return True


def _is_own_id(value: str) -> bool:
    """Return True when ``value`` can be the primary key of one of our messages."""
    return value.isascii() and value.isdigit() and len(value) <= 18

"""What staff do with the message store: ``manage.py rapidsms_status``, and queueing again."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Min
from django.utils import timezone

from rapidsms.extensions import StatusReport


def status_report(recover: bool = False) -> StatusReport:
    """Return the messages by direction, backend and status, and the worker queues.

    With ``recover``, first hand lost or due work to the workers again (what
    the periodic ``rapidsms.router.db.recover`` task does). Raise
    ``ImproperlyConfigured`` when recovery cannot run.
    """
    from rapidsms.router.db.models import Transmission
    from rapidsms.router.db.queues import all_queues
    from rapidsms.router.db.recovery import recover as recover_lost_work

    recovered = recover_lost_work() if recover else None
    rows = list(
        Transmission.objects.values("direction", "backend", "status")
        .annotate(count=Count("pk"), oldest=Min("date"))
        .order_by("direction", "backend", "status")
    )
    unknown = sum(row["count"] for row in rows if row["status"] == "unknown")
    return StatusReport(lines=_lines(rows, recovered, unknown),
                        data=_data(rows, recovered, unknown, all_queues()))


def _direction(row: dict[str, Any]) -> str:
    return "incoming" if row["direction"] == "I" else "outgoing"


def _data(rows: list[dict[str, Any]], recovered: dict[str, int] | None, unknown: int,
          queues: list[str]) -> dict[str, Any]:
    now = timezone.now()
    data: dict[str, Any] = {
        "counts": [
            {
                "direction": _direction(row),
                "backend": row["backend"],
                "status": row["status"],
                "count": row["count"],
                "oldest_seconds": round((now - row["oldest"]).total_seconds(), 1),
            }
            for row in rows
        ],
        "queues": queues,
        "unknown_outcome": unknown,
    }
    if recovered is not None:
        data["recovered"] = recovered
    return data


def _lines(rows: list[dict[str, Any]], recovered: dict[str, int] | None,
           unknown: int) -> list[str]:
    from rapidsms.router.db.queues import all_queues

    lines = []
    if recovered is not None:
        lines.append(
            "Recovered: {stale_sends} stale send(s) resolved, {incoming} incoming and "
            "{outgoing} outgoing handed to the workers again.".format(**recovered)
        )
    if not rows:
        lines.append("The message store is empty.")
    else:
        lines.append(f"{'direction':<10} {'backend':<20} {'status':<12} {'count':>8}")
        for row in rows:
            lines.append(f"{_direction(row):<10} {row['backend']:<20} {row['status']:<12} "
                         f"{row['count']:>8}")
        total = sum(row["count"] for row in rows)
        lines.append(f"{'total':<44} {total:>8}")
    if unknown:
        lines.append(
            f"{unknown} outgoing message(s) have an unknown outcome: their worker stopped "
            "while the gateway had them. A delivery report settles them; resend those that "
            "did not arrive from the messages page or the admin."
        )
    lines.append("Worker queues: " + ",".join(all_queues()))
    return lines


def queue_again(queryset: Any, *, unknown: bool, note: str) -> list[int]:
    """Queue again the outgoing transmissions of ``queryset`` that may be; return their ids.

    The failed ones, or with ``unknown`` those whose outcome is unknown (they
    may arrive twice). Each gets an event with ``note``; the new status is
    announced (the message log shows it) and the sends are handed to the
    workers. The messages page and the admin both use this.
    """
    from rapidsms.router.db.announce import announce
    from rapidsms.router.db.router import store_router
    from rapidsms.router.db.store import requeue_failed, resend_unknown

    router = store_router()
    ids = (resend_unknown if unknown else requeue_failed)(queryset, note=note)
    announce(ids)
    router.dispatch_transmissions(ids)
    return ids

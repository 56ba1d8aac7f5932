"""The dashboard counts messages from the log: every router's, in and out."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Q

from rapidsms.contrib.messagelog.models import DeliveryStatus, Message
from rapidsms.extensions import TrafficCount
from rapidsms.traffic import count_by_period


def traffic(since: datetime, unit: str) -> list[TrafficCount]:
    """Count the logged messages per period, backend and direction; failed ones apart."""
    return count_by_period(
        Message.objects.all(), since, unit, backend="connection__backend__name",
        failed=Q(direction=Message.OUTGOING, status=DeliveryStatus.FAILED),
    )


def rows_between(start: datetime, end: datetime) -> int:
    """Count the rows dated from ``start`` to before ``end`` (the date index answers it)."""
    return Message.objects.filter(date__gte=start, date__lt=end).count()

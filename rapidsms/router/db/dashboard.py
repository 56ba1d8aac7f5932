"""What the durable router adds to the dashboard: its backlog, messages in doubt, and traffic."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from rapidsms.extensions import Figure, TrafficCount
from rapidsms.router.db.models import Transmission
from rapidsms.router.db.status import PENDING, Direction, Status
from rapidsms.traffic import count_by_period


def traffic(since: datetime, unit: str) -> list[TrafficCount]:
    """Count the stored transmissions per period, backend and direction."""
    return count_by_period(
        Transmission.objects.all(), since, unit,
        failed=Q(direction=Direction.OUTGOING, status=Status.FAILED),
    )


def figures() -> list[Figure]:
    """Return the backlog, its age, the messages in doubt and those failed in 24 hours."""
    now = timezone.now()
    pending = Transmission.objects.filter(status__in=PENDING).aggregate(
        count=Count("pk"), oldest=Min("date"))
    in_doubt = Transmission.objects.filter(
        direction=Direction.OUTGOING, status=Status.UNKNOWN).count()
    retrying = Transmission.objects.filter(
        direction=Direction.OUTGOING, status=Status.RETRY).count()
    failed = Transmission.objects.filter(
        direction=Direction.OUTGOING, status=Status.FAILED,
        updated__gte=now - timedelta(days=1)).count()
    oldest = pending["oldest"]
    age = int((now - oldest).total_seconds()) if oldest else 0
    return [
        Figure(_("waiting to be processed or sent"), pending["count"],
               hint=ngettext("the oldest for %(count)d second",
                             "the oldest for %(count)d seconds", age) % {"count": age}
               if oldest else "",
               alert=age > 60),
        Figure(_("waiting to be tried again"), retrying),
        Figure(_("in doubt: the worker stopped while sending"), in_doubt, alert=in_doubt > 0),
        Figure(_("failed in the last 24 hours"), failed, alert=failed > 0),
    ]


def rows_between(start: datetime, end: datetime) -> int:
    """Count the rows dated from ``start`` to before ``end`` (the date index answers it)."""
    return Transmission.objects.filter(date__gte=start, date__lt=end).count()

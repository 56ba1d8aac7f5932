"""The dashboard's traffic: counts per backend and direction, and charts drawn as SVG.

The numbers come from the plug-in registered with
:func:`rapidsms.extensions.register_traffic_source` (the message log, or the
durable router's store). The charts are SVG written on the server: no
JavaScript library to ship, audit and keep up to date, they print, they
work with scripts off, and each bar carries a ``<title>`` a screen reader
or a pointer can read.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Q, QuerySet, Value
from django.db.models.functions import TruncDay, TruncHour
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from rapidsms import extensions
from rapidsms.extensions import TrafficCount

#: Backend colours (Okabe and Ito's palette, told apart with colour blindness too).
BACKEND_COLOURS = ["#0072B2", "#009E73", "#56B4E9", "#CC79A7", "#E69F00", "#000000", "#F0E442"]
#: Failed messages, whatever their backend.
FAILED_COLOUR = "#D55E00"

#: How long the counts of the days before today are reused at most.
PAST_DAYS_CACHE_SECONDS = 600

CHART_WIDTH = 720
CHART_HEIGHT = 180
#: Room for the scale on the left, its top label, and the labels below.
MARGIN_LEFT = 40
MARGIN_TOP = 10
MARGIN_BOTTOM = 22


@dataclass
class Totals:
    """Messages of one backend (or all) in one period."""

    incoming: int = 0
    outgoing: int = 0
    failed: int = 0

    @property
    def failure_rate(self) -> float | None:
        """Failed outgoing messages as a share of the outgoing ones; None without any."""
        return self.failed / self.outgoing if self.outgoing else None


@dataclass
class Summary:
    """The dashboard's counts: today and the last 7 days, per backend and in all."""

    today: dict[str, Totals] = field(default_factory=dict)
    week: dict[str, Totals] = field(default_factory=dict)

    @property
    def backends(self) -> list[str]:
        return sorted(set(self.today) | set(self.week))

    def rows(self) -> list[tuple[str, Totals, Totals]]:
        return [(name, self.today.get(name, Totals()), self.week.get(name, Totals()))
                for name in self.backends]

    @property
    def total_today(self) -> Totals:
        return _sum(self.today.values())

    @property
    def total_week(self) -> Totals:
        return _sum(self.week.values())


def _sum(items: Iterable[Totals]) -> Totals:
    total = Totals()
    for item in items:
        total.incoming += item.incoming
        total.outgoing += item.outgoing
        total.failed += item.failed
    return total


def start_of_day(moment: datetime) -> datetime:
    """Return the first moment of ``moment``'s day in the current time zone."""
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def start_of_hour(moment: datetime) -> datetime:
    local = timezone.localtime(moment) if timezone.is_aware(moment) else moment
    return local.replace(minute=0, second=0, microsecond=0)


def summary(counts_by_day: list[TrafficCount], now: datetime) -> Summary:
    """Add up daily counts into today's and the last 7 days' totals per backend."""
    today = start_of_day(now)
    week_start = today - timedelta(days=6)
    result = Summary()
    for count in counts_by_day:
        start = _local(count.start)
        periods = []
        if start >= week_start:
            periods.append(result.week)
        if start >= today:
            periods.append(result.today)
        for period in periods:
            totals = period.setdefault(count.backend, Totals())
            if count.direction == "I":
                totals.incoming += count.count
            else:
                totals.outgoing += count.count
                totals.failed += count.failed
    return result


def _local(moment: datetime) -> datetime:
    return timezone.localtime(moment) if timezone.is_aware(moment) else moment


@dataclass
class Chart:
    """An SVG bar chart, ready for ``rapidsms/_chart.html``."""

    title: str
    width: int
    height: int
    bars: list[dict[str, Any]]
    ticks: list[dict[str, Any]]
    labels: list[dict[str, Any]]
    legend: list[dict[str, str]]
    total: int
    table: list[dict[str, Any]]
    backends: list[str]


def chart(
    title: str, counts: list[TrafficCount], starts: list[datetime], unit: str
) -> Chart:
    """Draw stacked bars, one per period of ``starts``: each backend's messages, failures on top."""
    index = {_local(start): position for position, start in enumerate(starts)}
    backends = sorted({count.backend for count in counts})
    colours = {name: BACKEND_COLOURS[i % len(BACKEND_COLOURS)] for i, name in enumerate(backends)}
    ok: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    failed: dict[int, int] = defaultdict(int)
    for count in counts:
        position = index.get(_truncate(_local(count.start), unit))
        if position is None:
            continue
        ok[position][count.backend] += count.count - count.failed
        failed[position] += count.failed
    totals = [sum(ok[i].values()) + failed[i] for i in range(len(starts))]
    top = nice_ceiling(max(totals, default=0))
    plot_width = CHART_WIDTH - MARGIN_LEFT
    plot_height = CHART_HEIGHT - MARGIN_BOTTOM - MARGIN_TOP
    baseline = MARGIN_TOP + plot_height
    slot = plot_width / max(len(starts), 1)
    bar_width = max(slot * 0.75, 1)
    bars = []
    table = []
    for i, start in enumerate(starts):
        label = period_label(start, unit)
        y = float(baseline)
        x = MARGIN_LEFT + i * slot + (slot - bar_width) / 2
        segments = [(name, ok[i][name], colours[name]) for name in backends if ok[i].get(name)]
        if failed[i]:
            segments.append((_("failed"), failed[i], FAILED_COLOUR))
        for name, value, colour in segments:
            height = plot_height * value / top
            y -= height
            bars.append({"x": round(x, 1), "y": round(y, 1), "width": round(bar_width, 1),
                         "height": round(height, 1), "colour": colour,
                         "title": f"{label} · {name}: {value}"})
        table.append({"label": label, "per_backend": [ok[i].get(name, 0) for name in backends],
                      "failed": failed[i], "total": totals[i]})
    ticks = [{"y": round(baseline - plot_height * value / top, 1), "value": value}
             for value in (0, top // 2, top)]
    step = max(1, len(starts) // 8)
    labels = [{"x": round(MARGIN_LEFT + i * slot + slot / 2, 1),
               "text": period_label(start, unit, short=True)}
              for i, start in enumerate(starts) if i % step == 0]
    legend = [{"name": name, "colour": colours[name]} for name in backends]
    legend.append({"name": _("failed"), "colour": FAILED_COLOUR})
    return Chart(title=title, width=CHART_WIDTH, height=CHART_HEIGHT, bars=bars, ticks=ticks,
                 labels=labels, legend=legend, total=sum(totals), table=table,
                 backends=backends)


def _truncate(moment: datetime, unit: str) -> datetime:
    return start_of_day(moment) if unit == "day" else start_of_hour(moment)


def nice_ceiling(value: int) -> int:
    """Return the scale's top: 1, 2 or 5 times a power of ten, at least ``value`` (and 2)."""
    top = 1
    while True:
        for factor in (1, 2, 5):
            if top * factor >= max(value, 2):
                return top * factor
        top *= 10


def period_label(start: datetime, unit: str, short: bool = False) -> str:
    """Return how a period is written: ``14:00`` for an hour, a date for a day."""
    if unit == "hour":
        return date_format(start, "H:i")
    return date_format(start, "j M" if short else "DATE_FORMAT")


def hours(now: datetime, count: int = 24) -> list[datetime]:
    """Return the starts of the last ``count`` hours, the current one last."""
    current = start_of_hour(now)
    if not timezone.is_aware(current):
        return [current - timedelta(hours=n) for n in range(count - 1, -1, -1)]
    # In UTC, so that an hour is an hour across a daylight-saving change.
    current = current.astimezone(UTC)
    return [timezone.localtime(current - timedelta(hours=n)) for n in range(count - 1, -1, -1)]


def days(now: datetime, count: int = 30) -> list[datetime]:
    """Return the starts of the last ``count`` days, today last (day boundaries move with DST)."""
    today = start_of_day(now)
    starts = []
    for n in range(count - 1, -1, -1):
        day = (today - timedelta(days=n)).replace(tzinfo=None)
        starts.append(timezone.make_aware(day) if timezone.is_aware(today) else day)
    return starts


def dashboard_traffic(now: datetime | None = None) -> dict[str, Any] | None:
    """Return the dashboard's counts and charts, or ``None`` when no plug-in counts messages."""
    source = extensions.traffic_source()
    if source is None:
        return None
    now = now or timezone.now()
    day_starts = days(now)
    hour_starts = hours(now)
    today = day_starts[-1]
    # The days before today cost the most to count (a month of rows) and
    # change only when old rows come or go (pruning, an import): their counts
    # are reused while the source says as many rows lie there. Today is
    # counted afresh.
    earlier = None
    key = ""
    if source.rows_between is not None:
        rows = source.rows_between(day_starts[0], today)
        key = f"rapidsms.traffic.days.{source.name}.{today.isoformat()}.{rows}"
        earlier = cache.get(key)
    if earlier is None:
        earlier = [count for count in source.counts(day_starts[0], "day")
                   if _local(count.start) < today]
        if key:
            cache.set(key, earlier, PAST_DAYS_CACHE_SECONDS)
    by_day = earlier + source.counts(today, "day")
    by_hour = source.counts(hour_starts[0], "hour")
    numbers = summary(by_day, now)
    rate = numbers.total_week.failure_rate
    return {
        "summary": numbers,
        "failure_rate": None if rate is None else round(rate * 100, 1),
        "charts": [
            chart(_("Messages per hour, last 24 hours"), by_hour, hour_starts, "hour"),
            chart(_("Messages per day, last 30 days"), by_day, day_starts, "day"),
        ],
    }


def count_by_period(
    queryset: QuerySet[Any],
    since: datetime,
    unit: str,
    *,
    date: str = "date",
    backend: str = "backend",
    direction: str = "direction",
    failed: Q | None = None,
) -> list[TrafficCount]:
    """Count ``queryset``'s rows per period of ``unit``, backend and direction, from ``since``.

    A helper for traffic sources: ``date``, ``backend`` and ``direction``
    name the fields to group by; ``failed`` selects the rows that failed.
    One query, grouped by the database in the current time zone.
    """
    trunc = TruncDay if unit == "day" else TruncHour
    rows = (
        queryset.filter(**{f"{date}__gte": since})
        .annotate(period=trunc(date))
        .values("period", backend, direction)
        .annotate(count=Count("pk"), failed=Count("pk", filter=failed) if failed else Value(0))
        .order_by()
    )
    return [
        TrafficCount(start=row["period"], backend=row[backend] or "", direction=row[direction],
                     count=row["count"], failed=row["failed"])
        for row in rows
    ]

"""Prometheus metrics of the message store, counted from the database at scrape time.

Counting from the database rather than in each process keeps the numbers
right however many processes send and receive (gunicorn workers, Celery
workers on several machines), with nothing to set up: no multiprocess
directory, no counters lost when a worker restarts. A scrape costs three
grouped queries. Counters count the rows the store holds, so pruning old
messages (``rapidsms_prune``) makes them drop, which Prometheus reads as a
counter reset; ``rate()`` and ``increase()`` handle that.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum

from rapidsms.router.db.models import Transmission
from rapidsms.router.db.status import PENDING, Direction, Status

#: Upper bounds, in seconds, of the intake-to-reply histogram's buckets.
REPLY_BUCKETS = (0.5, 1, 2, 5, 10, 30, 60, 300, 1800)

#: Counters of outgoing messages by the statuses they count.
OUTGOING_COUNTERS = {
    "sent": ("Outgoing messages a gateway accepted (delivered ones included).",
             (Status.SENT, Status.DELIVERED)),
    "delivered": ("Outgoing messages a gateway reported delivered.", (Status.DELIVERED,)),
    "failed": ("Outgoing messages that failed for good.", (Status.FAILED,)),
    "cancelled": ("Outgoing messages held back at send time (an opt-out).",
                  (Status.CANCELLED,)),
}


class MessageStoreCollector:
    """A prometheus-client collector reading the message store."""

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import (
            CounterMetricFamily,
            GaugeMetricFamily,
            HistogramMetricFamily,
        )

        rows = list(
            Transmission.objects.values("direction", "backend", "status")
            .annotate(count=Count("pk"), retries=Sum(F("attempts") - 1,
                                                     filter=Q(attempts__gt=1)))
            .order_by()
        )
        received = CounterMetricFamily(
            "rapidsms_messages_received", "Incoming messages stored.", labels=["backend"])
        outgoing = {
            name: CounterMetricFamily(f"rapidsms_messages_{name}", text, labels=["backend"])
            for name, (text, _) in OUTGOING_COUNTERS.items()
        }
        retried = CounterMetricFamily(
            "rapidsms_messages_retried", "Attempts to send again after a failure.",
            labels=["backend"])
        in_doubt = GaugeMetricFamily(
            "rapidsms_messages_in_doubt",
            "Outgoing messages whose worker stopped while the gateway had them.",
            labels=["backend"])
        pending = GaugeMetricFamily(
            "rapidsms_messages_pending", "Messages waiting for a worker.",
            labels=["backend", "direction"])
        totals: dict[tuple[str, str], int] = {}
        for row in rows:
            key = (row["backend"], row["status"])
            if row["direction"] == Direction.INCOMING:
                totals[(row["backend"], "received")] = (
                    totals.get((row["backend"], "received"), 0) + row["count"])
            else:
                totals[key] = totals.get(key, 0) + row["count"]
                totals[(row["backend"], "retried")] = (
                    totals.get((row["backend"], "retried"), 0) + (row["retries"] or 0))
            if row["status"] in PENDING:
                direction = "in" if row["direction"] == Direction.INCOMING else "out"
                pending.add_metric([row["backend"], direction], row["count"])
        backends = sorted({row["backend"] for row in rows})
        for backend in backends:
            received.add_metric([backend], totals.get((backend, "received"), 0))
            retried.add_metric([backend], totals.get((backend, "retried"), 0))
            in_doubt.add_metric([backend], totals.get((backend, Status.UNKNOWN), 0))
            for name, (_, statuses) in OUTGOING_COUNTERS.items():
                outgoing[name].add_metric(
                    [backend], sum(totals.get((backend, status), 0) for status in statuses))
        yield received
        yield from outgoing.values()
        yield retried
        yield in_doubt
        yield pending
        yield self.reply_times(HistogramMetricFamily)

    def reply_times(self, family: Any) -> Any:
        """Return the histogram of the time from receiving a message to sending its reply."""
        histogram = family(
            "rapidsms_reply_seconds",
            "Seconds from storing an incoming message to a gateway accepting its reply.",
            labels=["backend"])
        intake = F("message__in_response_to__date")
        buckets = {
            f"le_{index}": Count("pk", filter=Q(sent__lte=intake + timedelta(seconds=bound)))
            for index, bound in enumerate(REPLY_BUCKETS)
        }
        replies = (
            Transmission.objects.filter(
                direction=Direction.OUTGOING, sent__isnull=False,
                message__in_response_to__isnull=False)
            .values("backend")
            .annotate(count=Count("pk"), total=Sum(ExpressionWrapper(
                F("sent") - intake, output_field=DurationField())), **buckets)
            .order_by()
        )
        for row in replies:
            cumulative = [(str(bound), row[f"le_{index}"])
                          for index, bound in enumerate(REPLY_BUCKETS)]
            cumulative.append(("+Inf", row["count"]))
            total = row["total"]
            seconds = total.total_seconds() if isinstance(total, timedelta) else float(total or 0)
            histogram.add_metric([row["backend"]], cumulative, max(seconds, 0.0))
        return histogram


def render_metrics() -> tuple[bytes, str]:
    """Return the metrics in Prometheus's text format, and its content type."""
    from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

    # A registry per scrape: nothing is kept between scrapes, so nothing can go stale.
    registry = CollectorRegistry(auto_describe=False)
    registry.register(MessageStoreCollector())  # type: ignore[arg-type]
    return generate_latest(registry), CONTENT_TYPE_LATEST

"""``manage.py rapidsms_status``: messages in the store by direction, status and backend."""

from __future__ import annotations

import json
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db.models import Count, Min
from django.utils import timezone


class Command(BaseCommand):
    help = (
        "Print how many messages the message store holds by direction, status and backend, "
        "and the queues workers must serve. --recover resumes work lost in a crash."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
        parser.add_argument(
            "--recover",
            action="store_true",
            help="First hand lost or due work to the workers again (what the periodic "
            "rapidsms.router.db.recover task does); in eager mode, send due retries now.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not apps.is_installed("rapidsms.router.db"):
            raise CommandError(
                "The message store is not installed: add 'rapidsms.router.db' to "
                "INSTALLED_APPS and use RAPIDSMS_ROUTER = 'rapidsms.router.db.DatabaseRouter'."
            )
        from rapidsms.router.db.models import Transmission
        from rapidsms.router.db.queues import all_queues

        recovered = None
        if options["recover"]:
            from django.core.exceptions import ImproperlyConfigured

            from rapidsms.router.db.recovery import recover

            try:
                recovered = recover()
            except ImproperlyConfigured as exc:
                raise CommandError(str(exc)) from exc
        rows = list(
            Transmission.objects.values("direction", "backend", "status")
            .annotate(count=Count("pk"), oldest=Min("date"))
            .order_by("direction", "backend", "status")
        )
        now = timezone.now()
        if options["json"]:
            data = {
                "counts": [
                    {
                        "direction": "incoming" if row["direction"] == "I" else "outgoing",
                        "backend": row["backend"],
                        "status": row["status"],
                        "count": row["count"],
                        "oldest_seconds": round((now - row["oldest"]).total_seconds(), 1),
                    }
                    for row in rows
                ],
                "queues": all_queues(),
                "unknown_outcome": sum(
                    row["count"] for row in rows if row["status"] == "unknown"
                ),
            }
            if recovered is not None:
                data["recovered"] = recovered
            self.stdout.write(json.dumps(data, indent=2))
            return
        if recovered is not None:
            self.stdout.write(
                "Recovered: {stale_sends} stale send(s) resolved, {incoming} incoming and "
                "{outgoing} outgoing handed to the workers again.".format(**recovered)
            )
        if not rows:
            self.stdout.write("The message store is empty.")
        else:
            self.stdout.write(f"{'direction':<10} {'backend':<20} {'status':<12} {'count':>8}")
            for row in rows:
                direction = "incoming" if row["direction"] == "I" else "outgoing"
                self.stdout.write(
                    f"{direction:<10} {row['backend']:<20} {row['status']:<12} {row['count']:>8}"
                )
            total = sum(row["count"] for row in rows)
            self.stdout.write(f"{'total':<44} {total:>8}")
        unknown = sum(row["count"] for row in rows if row["status"] == "unknown")
        if unknown:
            self.stdout.write(
                f"{unknown} outgoing message(s) have an unknown outcome: their worker stopped "
                "while the gateway had them. A delivery report settles them; resend those that "
                "did not arrive from the messages page or the admin."
            )
        self.stdout.write("Worker queues: " + ",".join(all_queues()))

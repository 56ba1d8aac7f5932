"""``manage.py demo_traffic``: fill the message log with a few days of made-up traffic.

So that the dashboard's charts of the demo are not empty: messages in and
out through the demo's two backends over the last ``--days`` days, a few of
them failed. Runs once; run it again with ``--again`` to add more.
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from rapidsms.contrib.messagelog.models import Message
from rapidsms.models import Backend, Connection

TEXTS_IN = ["stock ors 12", "help", "join Amina", "stock zinc 40", "ping", "echo hi"]
TEXTS_OUT = ["Thank you. ORS: 12 in stock.", "pong", "Thank you for registering, Amina!",
             "Clinic day moved to Friday.", "hi"]
#: Marks the made-up rows, so that the command can tell they are there.
SEED_ID = "demo-traffic"


class Command(BaseCommand):
    help = "Add a few days of made-up messages to the message log (once), for the charts."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--days", type=int, default=14)
        parser.add_argument("--again", action="store_true", help="add more even if seeded")

    def handle(self, *args: Any, days: int, again: bool, **options: Any) -> None:
        if Message.objects.filter(router_message_id=SEED_ID).exists() and not again:
            self.stdout.write("The demo traffic is there already.")
            return
        rng = random.Random(7)  # the same demo every time
        now = timezone.now()
        rows = []
        with transaction.atomic():
            connections = []
            for name in ("standin", "message_tester"):
                backend, _ = Backend.objects.get_or_create(name=name)
                for n in range(1, 9):
                    connection, _ = Connection.objects.get_or_create(
                        backend=backend, identity=f"+2547000000{n}{n}")
                    connections.append(connection)
            for hour in range(days * 24):
                # Busier by day than by night.
                moment = now - timedelta(hours=hour)
                busy = 6 if 8 <= timezone.localtime(moment).hour <= 18 else 1
                for _ in range(rng.randint(0, busy)):
                    connection = rng.choice(connections)
                    date = moment - timedelta(minutes=rng.randint(0, 59))
                    rows.append(Message(connection=connection, direction="I", date=date,
                                        text=rng.choice(TEXTS_IN), router_message_id=SEED_ID))
                    failed = rng.random() < 0.06
                    rows.append(Message(
                        connection=connection, direction="O", date=date + timedelta(seconds=2),
                        text=rng.choice(TEXTS_OUT), router_message_id=SEED_ID,
                        status="failed" if failed else "delivered",
                        error="the gateway answered 400: unknown subscriber" if failed else "",
                        status_updated=date + timedelta(seconds=5)))
            Message.objects.bulk_create(rows)
        self.stdout.write(f"Added {len(rows)} made-up messages over {days} days.")

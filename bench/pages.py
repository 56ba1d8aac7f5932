"""Benchmark: how long the pages take with 100,000 messages in the log and the store.

Run with ``python bench/pages.py [--messages N] [--database-url URL]``.

Fills a fresh database (a SQLite file by default, or ``--database-url``
such as ``postgres://postgres@127.0.0.1:5432/bench_pages``) with N message
log rows and N durable-router transmissions spread over 30 days, a few of
them failed, then asks each page (and its live update, which the page's
script asks for every second) through Django's test client as a staff
user and prints the median and slowest of several requests. Not a test:
the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

PAGES = [
    "/",
    "/messagelog/",
    "/messagelog/?status=failed",
    "/messagelog/?q=clinic",
    "/store/messages/",
    "/store/messages/?status=failed",
    "/store/metrics/",
]
LIVE = {"HTTP_X_RAPIDSMS_LIVE": "1"}


def seed(count: int) -> None:
    """Write ``count`` log rows and ``count`` transmissions over the last 30 days."""
    from django.utils import timezone

    from rapidsms.contrib.messagelog.models import Message as LogRow
    from rapidsms.models import Backend, Connection
    from rapidsms.router.db.models import Message, Transmission

    rng = random.Random(1)
    now = timezone.now()
    connections = []
    for name in ("kannel", "twilio", "message_tester"):
        backend = Backend.objects.create(name=name)
        connections += Connection.objects.bulk_create(
            Connection(backend=backend, identity=f"+2547{n:08d}") for n in range(300))
    by_pk = {conn.pk: conn for conn in connections}
    batch = 5000
    for start in range(0, count, batch):
        rows, messages, plans = [], [], []
        for _ in range(min(batch, count - start)):
            conn = rng.choice(connections)
            date = now - timedelta(seconds=rng.randint(0, 30 * 86400))
            direction = rng.choice("IO")
            failed = direction == "O" and rng.random() < 0.05
            status = "" if direction == "I" else ("failed" if failed else "delivered")
            rows.append(LogRow(connection=conn, direction=direction, date=date,
                               text=f"clinic report {rng.randint(1, 999)}", status=status,
                               error="unknown subscriber" if failed else ""))
            messages.append(Message(direction=direction, text="clinic report", date=date))
            plans.append((conn.pk, direction, date, failed))
        LogRow.objects.bulk_create(rows)
        Message.objects.bulk_create(messages)
        Transmission.objects.bulk_create(
            Transmission(message=message, connection_id=pk, direction=direction,
                         backend=by_pk[pk].backend.name, identity=by_pk[pk].identity,
                         status=("failed" if failed else "delivered") if direction == "O"
                         else "handled", date=date, updated=date)
            for message, (pk, direction, date, failed) in zip(messages, plans, strict=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=7)
    parser.add_argument("--database-url", default="")
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="rapidsms-bench-pages-")
    os.environ["DATABASE_URL"] = args.database_url or f"sqlite://{folder}/bench.sqlite3"
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment

    settings.ALLOWED_HOSTS = ["testserver"]
    settings.RAPIDSMS_ROUTER = "rapidsms.router.db.DatabaseRouter"
    setup_test_environment()
    if args.database_url:
        # A database of its own: never the one of a test run.
        from django.db import connection

        connection.creation.create_test_db(verbosity=0, autoclobber=True)
    else:
        call_command("migrate", verbosity=0)
    started = time.perf_counter()
    seed(args.messages)
    print(f"Seeded {args.messages} log rows and transmissions in "
          f"{time.perf_counter() - started:.1f} s ({settings.DATABASES['default']['ENGINE']}).")
    client = Client()
    client.force_login(get_user_model().objects.create_user(
        "bench", password="bench-only", is_staff=True))
    print(f"{'page':40} {'median ms':>10} {'slowest ms':>11}")
    for url in PAGES:
        for live in (False, True):
            if live and url.endswith("metrics/"):
                continue
            times = []
            for _ in range(args.requests):
                began = time.perf_counter()
                response = client.get(url, **(LIVE if live else {}))
                times.append((time.perf_counter() - began) * 1000)
                assert response.status_code == 200, (url, response.status_code)
            name = url + (" (live)" if live else "")
            print(f"{name:40} {statistics.median(times):10.0f} {max(times):11.0f}")


if __name__ == "__main__":
    main()

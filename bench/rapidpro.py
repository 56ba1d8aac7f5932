"""Benchmark: API requests the RapidPro backend spends, and the time to drain them.

Run with ``python bench/rapidpro.py [--recipients N] [--database-url URL]``.

Each scenario sends N messages through ``RapidProBackend.send()`` to the
RapidPro sandbox (a real HTTP server on 127.0.0.1) and counts the API
requests the sandbox received:

``bulk, one call``
    one text to N recipients in one ``send()`` (what ``rapidsms.router.send``
    does with N connections);
``bulk, one call per recipient``
    the same text in N ``send()`` calls of one recipient each (an app that
    loops over its contacts, or a durable router sending one transmission
    at a time): coalesced within the window;
``replies``
    N different texts, each a reply to a contact RapidPro knows
    (``POST messages.json``, one request each).

The backend's own budget is set high so the run is not slowed down; the time
to drain the same requests under RapidPro's documented 2,500 requests per
hour is then computed from the request count with the sliding-window rule
RapidPro applies (at most 2,500 in any hour), because waiting hours is not
practical. ``--check-limiter`` runs the shared limiter for real with the
window scaled down to seconds, to show it keeps that rule.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

LIMIT_PER_HOUR = 2500
TOKEN = "bench-token"


def configure_django(database_url: str | None, directory: str) -> None:
    if database_url:
        from tests.settings import database_from_url

        database = database_from_url(database_url)  # its tables are created and filled
        database.pop("TEST", None)
    else:
        # WAL and synchronous=NORMAL: the usual SQLite settings for a server, so
        # that a commit is not a disk flush and the sending thread can read
        # while the background thread writes.
        database = {"ENGINE": "django.db.backends.sqlite3",
                    "NAME": os.path.join(directory, "bench.sqlite3"),
                    "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL; "
                                                "PRAGMA synchronous=NORMAL;"}}
    settings.configure(
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "rapidsms",
            "rapidsms.backends.inbound",
            "rapidsms.backends.rapidpro",
        ],
        DATABASES={"default": database},
        USE_TZ=True,
        INSTALLED_BACKENDS={},
        RAPIDSMS_ROUTER="rapidsms.router.blocking.BlockingRouter",
        LOGGING_CONFIG=None,
    )
    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def make_backend(sandbox: Any, window: float) -> Any:
    from rapidsms.router.blocking import BlockingRouter

    router = BlockingRouter(apps=[], backends={"rapidpro": {
        "ENGINE": "rapidsms.backends.rapidpro.RapidProBackend",
        "url": sandbox.url,
        "api_token": TOKEN,
        "coalesce_window": window,
        "rate_limit": "10000000/h",  # measured by count, not by waiting: see drain_hours()
    }})
    return router.backends["rapidpro"]


def reset(sandbox: Any) -> None:
    from rapidsms.backends.rapidpro.models import ApiRequest, OutboxEntry

    OutboxEntry.objects.all().delete()
    ApiRequest.objects.all().delete()
    sandbox.reset_requests()


def bulk_one_call(backend: Any, recipients: list[str]) -> None:
    backend.send("bulk-1", "Vaccination day is Monday at the health centre.", recipients, {})


def bulk_per_recipient(backend: Any, recipients: list[str]) -> None:
    for n, urn in enumerate(recipients):
        backend.send(f"loop-{n}", "Clinic closed today; open tomorrow at 8.", [urn], {})
    drain(backend)


def replies(backend: Any, recipients: list[str]) -> None:
    for n, urn in enumerate(recipients):
        backend.send(f"reply-{n}", f"Thanks, report {n} received.", [urn],
                     {"in_response_to": f"in-{n}"})
    drain(backend)


def drain(backend: Any) -> None:
    """Wait for the background thread to send what the window held back."""
    from rapidsms.backends.rapidpro.models import OutboxEntry

    while OutboxEntry.objects.filter(status__in=["pending", "sending"]).exists():
        time.sleep(0.05)
    backend.flusher.stop(timeout=10)


def know_contacts(sandbox: Any, recipients: list[str]) -> None:
    """Make every recipient a contact RapidPro knows and we know the UUID of."""
    from rapidsms.backends.rapidpro.models import RapidProContact
    from rapidsms.models import Backend, Connection

    row, _ = Backend.objects.get_or_create(name="rapidpro")
    Connection.objects.bulk_create(
        [Connection(backend=row, identity=urn) for urn in recipients], ignore_conflicts=True)
    by_identity = dict(Connection.objects.filter(backend=row).values_list("identity", "pk"))
    RapidProContact.objects.bulk_create(
        [RapidProContact(connection_id=by_identity[urn],
                         contact_uuid=sandbox.workspace.contact_for_urn(urn).uuid)
         for urn in recipients],
        ignore_conflicts=True,
    )


def drain_hours(requests: int, per_hour: int = LIMIT_PER_HOUR) -> float:
    """Return the hours until the last request may go, at most ``per_hour`` in any hour.

    Requests 1..L go at once, L+1..2L an hour after the first, and so on.
    """
    return 0.0 if requests <= per_hour else math.floor((requests - 1) / per_hour)


def check_limiter() -> None:
    """Run the shared limiter for real, with an hour scaled down to two seconds."""
    from rapidsms.backends.rapidpro.models import ApiRequest
    from rapidsms.backends.rapidpro.throttle import SharedRateLimit

    limit, window, requests = 25, 2.0, 60
    budget = SharedRateLimit("limiter-check", limit, window)
    budget.prune_chance = 0  # keep every row, to count them below
    started = time.monotonic()
    for _ in range(requests):
        budget.acquire(max_wait=60)
    took = time.monotonic() - started
    # The slots as the limiter recorded them: at most `limit` in any window.
    made = [m.timestamp() for m in ApiRequest.objects.filter(backend="limiter-check")
            .order_by("made_at").values_list("made_at", flat=True)]
    worst = max(sum(1 for t in made if start <= t < start + window) for start in made)
    print(f"\nlimiter check: {requests} requests at {limit} per {window:g} s took "
          f"{took:.2f} s (rule predicts {drain_hours(requests, limit) * window:.2f} s); "
          f"most in any {window:g} s window: {worst} (limit {limit})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--recipients", type=int, default=10_000)
    parser.add_argument("--window", type=float, default=1.0, help="coalesce_window (s)")
    parser.add_argument("--shape", choices=["current", "v9"], default="current")
    parser.add_argument("--database-url", default=None,
                        help="postgres://... (default: a temporary SQLite file)")
    parser.add_argument("--check-limiter", action="store_true")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as directory:
        configure_django(args.database_url, directory)
        from rapidsms.backends.rapidpro.sandbox import Sandbox

        recipients = [f"tel:+25078{n:07d}" for n in range(args.recipients)]
        database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
        print(f"RapidPro backend, {args.recipients:,} recipients, sandbox replies "
              f"'{args.shape}', coalesce_window {args.window:g} s, database {database}")
        print(f"{'scenario':32} {'requests':>9} {'per 1,000':>10} {'sent in':>9} "
              f"{'drain at 2,500/h':>17}")
        with Sandbox(token=TOKEN, shape=args.shape) as sandbox:
            scenarios = [
                ("bulk, one call", bulk_one_call),
                ("bulk, one call per recipient", bulk_per_recipient),
                ("replies (unique texts)", replies),
            ]
            for label, run in scenarios:
                backend = make_backend(sandbox, args.window)
                reset(sandbox)
                if run is replies:
                    know_contacts(sandbox, recipients)
                before = len(sandbox.received_urns())
                started = time.perf_counter()
                run(backend, recipients)
                elapsed = time.perf_counter() - started
                count = sandbox.count("POST")
                got = sandbox.received_urns()[before:]
                assert sorted(got) == recipients, "a recipient got none or two messages"
                hours = drain_hours(count)
                drain = f"{elapsed:.0f} s" if hours == 0 else f"{hours:.0f} h + {elapsed:.0f} s"
                print(f"{label:32} {count:>9,} {count * 1000 / args.recipients:>10.1f} "
                      f"{elapsed:>8.1f}s {drain:>17}")
                backend.session.close()
                assert count == sandbox.count("POST", status=201), "a request was refused"
            print("\nIn every scenario each recipient got exactly one message. Drain times "
                  "are computed from the request counts (RapidPro allows 2,500 in any hour), "
                  "not waited for.")
        if args.check_limiter:
            check_limiter()


if __name__ == "__main__":
    main()

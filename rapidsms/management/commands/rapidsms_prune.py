"""``manage.py rapidsms_prune``: delete what the message store and the inbound views no longer need.

A busy service stores a row per message, one per recipient and one per
status change, and a row per gateway message id it received: at a hundred
messages a second that is tens of millions of rows a month. Run this daily
(the ``rapidsms.router.db.prune`` task under Celery beat, cron or a systemd
timer) to keep the tables, and the work of every query on them, small.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

#: Messages deleted per transaction, so that no lock is held for long.
CHUNK = 1000


class Command(BaseCommand):
    help = (
        "Delete finished messages older than --days from the message store, and the "
        "gateway message ids the inbound views remember once their de-duplication "
        "window has passed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=90,
            help="Keep the message store's finished messages this many days (default 90).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would go; delete nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days < 1:
            raise CommandError(f"--days must be at least 1, not {days}.")
        dry_run = options["dry_run"]
        verb = "would delete" if dry_run else "deleted"
        counts = prune(days, dry_run)
        if "messages" in counts:
            self.stdout.write(
                f"Message store: {verb} {counts['messages']} finished message(s) older than "
                f"{days} day(s)."
            )
        if "received_ids" in counts:
            self.stdout.write(
                f"Inbound de-duplication: {verb} {counts['received_ids']} gateway message id(s) "
                f"older than {longest_dedupe_window()} s, the longest dedupe_window."
            )


def prune(days: int = 90, dry_run: bool = False) -> dict[str, int]:
    """Delete what is no longer needed; return how many rows of each kind went.

    ``messages``: the message store's finished messages older than ``days``
    (when ``rapidsms.router.db`` is installed); ``received_ids``: the gateway
    message ids the inbound views remember, once the longest
    ``dedupe_window`` has passed (when ``rapidsms.backends.inbound`` is).
    ``dry_run`` counts without deleting.
    """
    now = timezone.now()
    counts: dict[str, int] = {}
    if apps.is_installed("rapidsms.router.db"):
        counts["messages"] = prune_message_store(now - timedelta(days=days), dry_run)
    if apps.is_installed("rapidsms.backends.inbound"):
        window = longest_dedupe_window()
        counts["received_ids"] = prune_received_ids(now - timedelta(seconds=window), dry_run)
    return counts


def prune_message_store(before: Any, dry_run: bool = False) -> int:
    """Delete messages created before ``before`` whose every transmission is finished.

    Their transmissions and status changes go with them. A message with any
    transmission still waiting, sending or due for a retry is kept,
    whatever its age. Return how many messages were (or would be) deleted.
    """
    from rapidsms.router.db.models import Message
    from rapidsms.router.db.status import PENDING

    finished = Message.objects.filter(date__lt=before).exclude(transmissions__status__in=PENDING)
    if dry_run:
        return finished.count()
    deleted = 0
    while True:
        ids = list(finished.order_by("pk").values_list("pk", flat=True)[:CHUNK])
        if not ids:
            return deleted
        with transaction.atomic():
            Message.objects.filter(pk__in=ids).delete()
        deleted += len(ids)


def longest_dedupe_window() -> int:
    """Return the longest ``dedupe_window`` of the configured backends, in seconds."""
    from rapidsms.backends.http_base import DEFAULT_DEDUPE_WINDOW
    from rapidsms.router import get_router

    windows = [
        int(backend.dedupe_window)
        for backend in get_router().backends.values()
        if getattr(backend, "dedupe_window", None) is not None
    ]
    return max(windows, default=DEFAULT_DEDUPE_WINDOW)


def prune_received_ids(before: Any, dry_run: bool = False) -> int:
    """Delete the gateway message ids first seen before ``before``; return how many."""
    from rapidsms.backends.inbound.models import ReceivedMessage

    if dry_run:
        return ReceivedMessage.objects.filter(received_at__lt=before).count()
    return ReceivedMessage.objects.prune(before)

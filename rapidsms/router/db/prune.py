"""The message store's step of ``manage.py rapidsms_prune``: old finished messages go."""

from __future__ import annotations

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

#: Messages deleted per transaction, so that no lock is held for long.
CHUNK = 1000


def prune_message_store(days: int, dry_run: bool = False) -> int:
    """Delete messages older than ``days`` days whose every transmission is finished.

    Their transmissions and status changes go with them. A message with any
    transmission still waiting, sending or due for a retry is kept,
    whatever its age. Return how many messages were (or would be) deleted.
    """
    from rapidsms.router.db.models import Message
    from rapidsms.router.db.status import PENDING

    before = timezone.now() - timedelta(days=days)
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


def describe(count: int, days: int, verb: str) -> str:
    """Return the line ``rapidsms_prune`` prints for this step."""
    return f"Message store: {verb} {count} finished message(s) older than {days} day(s)."

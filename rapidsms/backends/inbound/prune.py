"""The inbound app's step of ``manage.py rapidsms_prune``: expired gateway ids go.

The de-duplication table holds one row per gateway message id received; an
id older than the longest ``dedupe_window`` of the configured backends can
no longer make a retry a duplicate, so it is deleted.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone


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


def prune_received_ids(days: int, dry_run: bool = False) -> int:
    """Delete the gateway ids older than the longest ``dedupe_window``; return how many.

    ``days`` does not apply: an id is kept exactly as long as it is useful.
    """
    from rapidsms.backends.inbound.models import ReceivedMessage

    before = timezone.now() - timedelta(seconds=longest_dedupe_window())
    if dry_run:
        return ReceivedMessage.objects.filter(received_at__lt=before).count()
    return ReceivedMessage.objects.prune(before)


def describe(count: int, days: int, verb: str) -> str:
    """Return the line ``rapidsms_prune`` prints for this step."""
    return (f"Inbound de-duplication: {verb} {count} gateway message id(s) older than "
            f"{longest_dedupe_window()} s, the longest dedupe_window.")


def prune_sent_ids(days: int, dry_run: bool = False) -> int:
    """Delete the gateway ids of messages sent more than ``days`` days ago; return how many.

    A delivery report that comes later than that no longer finds its
    message; gateways send their last report within days.
    """
    from rapidsms.backends.inbound.models import SentMessage

    before = timezone.now() - timedelta(days=days)
    if dry_run:
        return SentMessage.objects.filter(sent_at__lt=before).count()
    return SentMessage.objects.prune(before)


def describe_sent(count: int, days: int, verb: str) -> str:
    """Return the line ``rapidsms_prune`` prints for the sent ids."""
    return (f"Gateway ids of sent messages: {verb} {count} older than {days} day(s), which "
            "delivery reports no longer need.")

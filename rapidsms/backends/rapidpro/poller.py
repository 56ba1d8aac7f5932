"""Fetch incoming messages and delivery statuses from RapidPro.

For workspaces where no flow can forward messages (or as a safety net
beside the webhook), :class:`IncomingPoller` reads ``GET messages.json``
since a cursor kept in the database:

* it reads again ``poll_overlap`` seconds before the cursor, because RapidPro
  lists a message only once a flow has handled it, which can be after newer
  messages were listed;
* it routes each message once, by claiming its UUID (RapidPro 9: its id) in
  the table the webhook uses too, so polling and the webhook can run side by
  side, and two pollers at once route each message once;
* each message is claimed, routed and the cursor moved in one transaction:
  stopped half-way, a poller has lost nothing and the next run carries on.

:class:`StatusPoller` follows what the outbox sent: it matches RapidPro's
outgoing messages to outbox entries and sends the ``delivery_report``
signal when a status changes (queued, sent, delivered, failed).
"""

from __future__ import annotations

import itertools
import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from rapidsms.backends.inbound.intake import GatewayMessage
from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.backends.inbound.reports import record_delivery_report
from rapidsms.backends.phone_numbers import InvalidIdentity
from rapidsms.backends.rapidpro.intake import RapidProIntake
from rapidsms.backends.rapidpro.models import OutboxEntry, PollCursor
from rapidsms.backends.rapidpro.types import Message
from rapidsms.backends.status import Status

if TYPE_CHECKING:
    from rapidsms.backends.rapidpro.outgoing import RapidProBackend

logger = logging.getLogger("rapidsms.backends.rapidpro")

#: RapidPro's message statuses, as outbox statuses and delivery-report statuses.
STATUS_MAP: dict[str, tuple[str, Status]] = {
    "initializing": (OutboxEntry.ACCEPTED, Status.QUEUED),
    "pending": (OutboxEntry.ACCEPTED, Status.QUEUED),
    "queued": (OutboxEntry.ACCEPTED, Status.QUEUED),
    "errored": (OutboxEntry.ACCEPTED, Status.QUEUED),  # RapidPro will try again
    "wired": (OutboxEntry.SENT, Status.SENT),
    "sent": (OutboxEntry.SENT, Status.SENT),
    "delivered": (OutboxEntry.DELIVERED, Status.DELIVERED),
    "read": (OutboxEntry.DELIVERED, Status.DELIVERED),
    "failed": (OutboxEntry.FAILED, Status.FAILED),
}
#: How far each outbox status has got; a report never moves an entry back.
PROGRESS = {
    OutboxEntry.UNKNOWN: 0,
    OutboxEntry.ACCEPTED: 1,
    OutboxEntry.SENT: 2,
    OutboxEntry.DELIVERED: 3,
    OutboxEntry.FAILED: 3,
}
#: A ``sending`` entry older than this belongs to a process that died mid-request.
STALE_SENDING = timedelta(minutes=10)
#: An ``unknown`` entry RapidPro still has no message for after this has failed.
UNKNOWN_GRACE = timedelta(minutes=30)
#: Slack for clocks: RapidPro's ``created_on`` against our ``sent_at``.
CLOCK_SLACK = timedelta(minutes=2)


@dataclass
class IncomingResult:
    """What one incoming poll did."""

    fetched: int = 0
    routed: int = 0
    duplicates: int = 0
    skipped: int = 0
    cursor: datetime | None = None


@dataclass
class StatusResult:
    """What one status poll did."""

    followed: int = 0
    changed: int = 0
    reports: list[tuple[str, str, str]] = field(default_factory=list)


class IncomingPoller:
    """Route the incoming messages RapidPro lists since the stored cursor."""

    kind = "incoming"
    #: The folders of incoming messages: not handled by a flow, handled by one,
    #: and archived (someone, or a flow, may archive a message before we poll).
    folders = ("inbox", "flows", "archived")

    def __init__(self, backend: RapidProBackend) -> None:
        self.backend = backend

    def cursor(self) -> PollCursor:
        cursor, _ = PollCursor.objects.get_or_create(backend=self.backend.name, kind=self.kind)
        return cursor

    def fetch(self) -> list[Message]:
        """Return the incoming messages to look at, oldest first."""
        position = self.cursor().position
        if position is None:
            since = timezone.now() - timedelta(seconds=self.backend.poll_lookback)
        else:
            since = position - timedelta(seconds=self.backend.poll_overlap)
        found: dict[str, Message] = {}
        # Three folders, not the whole listing: a bulk send would fill it with our
        # own outgoing messages. All three exist on both server lines.
        for folder in self.folders:
            query = self.backend.client.get_messages(folder=folder, after=since)
            for page in query.iterfetches():
                found.update((m.key, m) for m in page if m.direction == "in" and m.key)
        return sorted(found.values(), key=lambda m: (m.created_on or since, m.key))

    def poll(self) -> IncomingResult:
        """Fetch and route; stop at the first message that cannot be routed (it raises)."""
        result = IncomingResult()
        messages = self.fetch()
        result.fetched = len(messages)
        for message in messages:
            outcome = self.route(message)
            setattr(result, outcome, getattr(result, outcome) + 1)
        result.cursor = self.cursor().position
        return result

    def route(self, message: Message) -> str:
        """Route ``message`` unless it was already; return routed, duplicates or skipped.

        The message goes through the same intake as the webhook's: claimed
        by its UUID, its contact kept, handed to the router. The claim, the
        routing and the cursor share one transaction: a failure rolls back
        all three. A message that cannot be routed (no text, a URN we cannot
        reply to) is claimed too, so it is logged once, not at every poll.
        """
        backend = self.backend
        # Re-read messages must still be remembered, whatever dedupe_window says.
        window = max(backend.dedupe_window, backend.poll_overlap * 2, 60)
        skipped: list[bool] = []

        def hand_over(incoming: GatewayMessage) -> None:
            if self.can_route(message, incoming):
                intake.pass_to_router(incoming)
            else:
                skipped.append(True)

        intake = RapidProIntake(backend, window, hand_over=hand_over)
        incoming = GatewayMessage(identity=message.urn, text=message.text,
                                  external_id=message.key, fields=self.fields(message))
        with transaction.atomic():
            routed = intake.route_in_one_transaction(incoming)
            if message.created_on is not None:
                self._advance(message.created_on)
        if not routed:
            return "duplicates"
        return "skipped" if skipped else "routed"

    def can_route(self, message: Message, incoming: GatewayMessage) -> bool:
        """Return whether ``message`` can be routed (and normalise its identity); log why not."""
        backend = self.backend
        if not message.text.strip():
            logger.info("%s: message %s has no text (attachments: %d); not routed.",
                        backend.name, message.key, len(message.attachments))
            return False
        try:
            incoming.identity = backend.normalize_identity(message.urn)
        except InvalidIdentity as exc:
            logger.warning("%s: message %s comes from %r, which is not a URN we can "
                           "reply to (%s); not routed.", backend.name, message.key,
                           message.urn, exc)
            return False
        return True

    def fields(self, message: Message) -> dict[str, Any]:
        """Return the ``msg.fields`` of a polled message (as the webhook gives them)."""
        return {
            "external_id": message.key,
            "rapidpro_message_uuid": message.uuid or "",
            "rapidpro_contact_uuid": message.contact.uuid if message.contact else "",
            "rapidpro_created_on": message.created_on.isoformat() if message.created_on else "",
            "rapidpro_channel_uuid": message.channel.uuid if message.channel else "",
            "attachments": [a.get("url", "") for a in message.attachments
                            if isinstance(a, dict)],
        }

    def _advance(self, position: datetime) -> None:
        cursor = self.cursor()
        # Only forward: a slower poller running at the same time must not move it back.
        PollCursor.objects.filter(pk=cursor.pk).filter(
            position__isnull=True
        ).update(position=position)
        PollCursor.objects.filter(pk=cursor.pk, position__lt=position).update(position=position)


class StatusPoller:
    """Follow the delivery of what the outbox sent, and report changes.

    Each run reads RapidPro's messages since the oldest entry still followed,
    newest first, and at most :attr:`max_pages` pages (250 messages each), so
    a busy workspace cannot make it spend the whole request budget. An entry
    is followed for ``status_days`` until it is delivered or failed, except
    that one already ``sent`` is followed :attr:`sent_hours` hours at most:
    many channels never report delivery.
    """

    max_pages = 40
    sent_hours = 6.0

    def __init__(self, backend: RapidProBackend) -> None:
        self.backend = backend

    def open_entries(self) -> list[OutboxEntry]:
        """Return the entries whose delivery is still followed."""
        now = timezone.now()
        backend = self.backend.name
        OutboxEntry.objects.filter(
            backend=backend, status=OutboxEntry.SENDING, sent_at__lt=now - STALE_SENDING
        ).update(status=OutboxEntry.UNKNOWN, claim="",
                 error="The process sending it stopped before RapidPro answered.")
        since = now - timedelta(days=self.backend.status_days)
        sent_since = max(since, now - timedelta(hours=self.sent_hours))
        followed = OutboxEntry.objects.filter(backend=backend, sent_at__gte=since).filter(
            Q(status__in=(OutboxEntry.ACCEPTED, OutboxEntry.UNKNOWN))
            | Q(status=OutboxEntry.SENT, sent_at__gte=sent_since)
        )
        return list(followed.order_by("sent_at", "pk"))

    def poll(self) -> StatusResult:
        """Read RapidPro's outgoing messages since the oldest open entry; report changes."""
        result = StatusResult()
        entries = self.open_entries()
        result.followed = len(entries)
        if not entries:
            return result
        by_key = {e.message_key: e for e in entries if e.message_key}
        by_broadcast = {(e.broadcast_key, e.urn): e for e in entries if e.broadcast_key}
        unmatched: dict[str, list[OutboxEntry]] = {}
        for entry in entries:
            if entry.route == OutboxEntry.BROADCAST and not entry.message_key:
                unmatched.setdefault(entry.urn, []).append(entry)
        since = min(e.sent_at for e in entries if e.sent_at) - CLOCK_SLACK
        pages = self.backend.client.get_messages(after=since).iterfetches()
        for page in itertools.islice(pages, self.max_pages):
            for message in page:
                if message.direction != "out":
                    continue
                entry = self._match(message, by_key, by_broadcast, unmatched)
                if entry is not None and self._update(entry, message, result):
                    result.changed += 1
        if pages.get_cursor() is None:
            # Only a complete listing proves RapidPro has no message for an entry.
            self._give_up_unknown(entries, result)
        return result

    def _match(
        self,
        message: Message,
        by_key: dict[str, OutboxEntry],
        by_broadcast: dict[tuple[str, str], OutboxEntry],
        unmatched: dict[str, list[OutboxEntry]],
    ) -> OutboxEntry | None:
        entry = by_key.get(message.key)
        if entry is None and message.broadcast:
            entry = by_broadcast.get((message.broadcast, message.urn))
        if entry is None:
            # Current servers do not link a message to the broadcast's UUID:
            # take the oldest entry to that URN with that text sent before it.
            for candidate in unmatched.get(message.urn, []):
                created = message.created_on
                if candidate.text == message.text and (
                    created is None or candidate.sent_at <= created + CLOCK_SLACK
                ):
                    entry = candidate
                    break
        if entry is None:
            return None
        if not entry.message_key:
            entry.message_key = message.key
            OutboxEntry.objects.filter(pk=entry.pk).update(message_key=message.key)
            by_key[message.key] = entry
            if entry in unmatched.get(entry.urn, []):
                unmatched[entry.urn].remove(entry)
        return entry

    def _update(self, entry: OutboxEntry, message: Message, result: StatusResult) -> bool:
        mapped = STATUS_MAP.get(message.status)
        if mapped is None:
            return False
        status, report_status = mapped
        if status == entry.status or PROGRESS[status] < PROGRESS.get(entry.status, 0):
            return False
        entry.status, entry.raw_status = status, message.status[:32]
        OutboxEntry.objects.filter(pk=entry.pk).update(status=status, raw_status=entry.raw_status)
        self._report(entry, report_status, message.raw)
        result.reports.append((entry.identity, entry.message_id, str(report_status)))
        return True

    def _give_up_unknown(self, entries: list[OutboxEntry], result: StatusResult) -> None:
        """Fail the ``unknown`` entries RapidPro still has no message for after a grace time."""
        limit = timezone.now() - UNKNOWN_GRACE
        for entry in entries:
            if entry.status == OutboxEntry.UNKNOWN and not entry.message_key and (
                entry.sent_at and entry.sent_at < limit
            ):
                entry.status = OutboxEntry.FAILED
                entry.error = "RapidPro has no message for it: the request that got no answer " \
                              "was not carried out."
                OutboxEntry.objects.filter(pk=entry.pk).update(status=entry.status,
                                                               error=entry.error)
                self._report(entry, Status.FAILED, {})
                result.changed += 1

    def _report(self, entry: OutboxEntry, status: Status, raw: dict[str, Any]) -> None:
        record_delivery_report(
            self.backend,
            DeliveryReport(
                message_id=entry.message_id,
                external_id=entry.message_key or entry.broadcast_key,
                identity=entry.identity,
                status=status,
                raw_status=entry.raw_status,
                error=entry.error if status == Status.FAILED else "",
                raw=raw,
            ),
        )


def poll(backend: RapidProBackend, *, incoming: bool = True, statuses: bool = True,
         outbox: bool = True) -> dict[str, Any]:
    """Run one round: send what waits in the outbox, route new messages, follow statuses."""
    summary: dict[str, Any] = {}
    if outbox:
        backend.flush(force=False, max_wait=backend.rate_limit_wait)
        summary["outbox_waiting"] = OutboxEntry.objects.filter(
            backend=backend.name, status=OutboxEntry.PENDING
        ).count()
    if incoming:
        summary["incoming"] = IncomingPoller(backend).poll()
    if statuses:
        summary["statuses"] = StatusPoller(backend).poll()
    return summary

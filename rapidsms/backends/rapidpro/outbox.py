"""The outbox: where ``send()`` leaves each recipient, and how batches leave it.

``send()`` writes one :class:`~rapidsms.backends.rapidpro.models.OutboxEntry`
per recipient and returns after the work that is due now:

* a reply to a contact whose RapidPro UUID is known goes at once as
  ``POST messages.json``;
* anything else waits up to ``coalesce_window`` seconds for other recipients
  of the same text (from any process), then goes as ``POST broadcasts.json``
  with up to 100 URNs; a group that reaches 100 goes at once.

What is not due yet is sent by a background thread of the process
(:mod:`rapidsms.backends.rapidpro.flusher`), and by ``manage.py rapidpro_poll``
if the process stops first. A batch is claimed
by an atomic UPDATE, so two processes never send the same entry.

What an answer does to the entries of a batch:

=========================================  ===========================================
RapidPro answered                          entries become
=========================================  ===========================================
201                                        ``accepted`` (RapidPro has them)
400 naming some URNs                       those ``failed``; the others are sent again
400 otherwise, 403, 404, other 4xx         ``failed`` (a ``delivery_report`` each)
429, or our shared budget is spent         ``pending`` again, after the pause
refused connection, 503, other 5xx         ``pending`` again, with a growing delay
no answer after sending (timeout)          ``unknown``: never sent again automatically
=========================================  ===========================================
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from django.db import IntegrityError, transaction
from django.db.models import Count, F
from django.utils import timezone

from rapidsms.backends.rapidpro.errors import (
    RapidProBadRequestError,
    RapidProConnectionError,
    RapidProError,
    RapidProHttpError,
    RapidProOutcomeUnknownError,
    RapidProRateExceededError,
    RapidProResponseError,
)
from rapidsms.backends.rapidpro.models import OutboxEntry, RapidProContact
from rapidsms.backends.rapidpro.throttle import RateLimited

if TYPE_CHECKING:
    from rapidsms.backends.rapidpro.outgoing import RapidProBackend

logger = logging.getLogger("rapidsms.backends.rapidpro")

#: RapidPro takes at most this many URNs in one broadcast.
MAX_BATCH = 100
#: Longest delay between attempts while RapidPro cannot be reached.
MAX_BACKOFF = 300.0


@dataclass
class Recipient:
    """One identity of a ``send()`` call: as given, as a URN, and its contact if known."""

    identity: str
    urn: str
    contact_uuid: str = ""


def text_key(text: str) -> str:
    """Return the digest that groups entries of the same text."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


class Outbox:
    """The outbox of one backend."""

    def __init__(self, backend: RapidProBackend) -> None:
        self.backend = backend
        self.name = backend.name

    # Adding ----------------------------------------------------------------

    def add(
        self, id_: str, text: str, recipients: list[Recipient], reply: bool
    ) -> list[OutboxEntry]:
        """Write an entry per recipient and return the entries waiting to be sent.

        A recipient this message already has an entry for is not added again
        (the send-once guard), unless that entry failed: then it is retried.
        """
        now = timezone.now()
        digest = text_key(text)
        wanted = {r.identity: r for r in recipients}
        existing = {
            entry.identity: entry
            for entry in OutboxEntry.objects.filter(
                backend=self.name, message_id=id_, identity__in=list(wanted)
            )
        }
        retry = [e.pk for e in existing.values() if e.status == OutboxEntry.FAILED]
        if retry:
            OutboxEntry.objects.filter(pk__in=retry, status=OutboxEntry.FAILED).update(
                status=OutboxEntry.PENDING, due_at=now, error="", claim=""
            )
        skipped = [i for i, e in existing.items() if e.status != OutboxEntry.FAILED]
        if skipped:
            logger.info("%s: message %s was already sent to %s; not sending it again.",
                        self.name, id_, ", ".join(skipped))
        window = timedelta(seconds=self.backend.coalesce_window)
        new = [
            OutboxEntry(
                backend=self.name,
                message_id=id_,
                identity=r.identity,
                urn=r.urn,
                text=text,
                text_key=digest,
                route=OutboxEntry.MESSAGE if reply and r.contact_uuid else OutboxEntry.BROADCAST,
                contact_uuid=r.contact_uuid,
                created_at=now,
                due_at=now if reply and r.contact_uuid else now + window,
            )
            for identity, r in wanted.items()
            if identity not in existing
        ]
        try:
            with transaction.atomic():
                created = OutboxEntry.objects.bulk_create(new, batch_size=1000)
        except IntegrityError:
            # Another process added some of them at the same moment: keep its entries.
            OutboxEntry.objects.bulk_create(new, ignore_conflicts=True, batch_size=1000)
            created = list(OutboxEntry.objects.filter(
                backend=self.name, message_id=id_, identity__in=[e.identity for e in new],
                status=OutboxEntry.PENDING, claim="",
            ))
        return created + list(OutboxEntry.objects.filter(pk__in=retry))

    def send_now(self, entries: list[OutboxEntry], *, max_wait: float) -> bool:
        """Send what of ``entries`` need not wait: replies, and broadcasts of a full batch.

        The rest waits for the coalescing window (or is sent at once when the
        window is 0). Called by ``send()`` in the caller's thread. Return
        True when some of ``entries`` were handled outside the objects given
        (their statuses must be read again).
        """
        replies = [e for e in entries if e.route == OutboxEntry.MESSAGE]
        broadcasts = [e for e in entries if e.route == OutboxEntry.BROADCAST]
        size = self.backend.batch_size
        try:
            for entry in replies:
                self.send_batch(self._claim_entries([entry]), max_wait=max_wait)
            batch: list[OutboxEntry] = []
            urns: set[str] = set()
            for entry in broadcasts:
                if entry.urn in urns:
                    continue  # two identities with one URN: the second waits its turn
                batch.append(entry)
                urns.add(entry.urn)
                if len(batch) == size:
                    self.send_batch(self._claim_entries(batch), max_wait=max_wait)
                    batch, urns = [], set()
        except _StopFlushing:
            return False
        if batch or any(e.status == OutboxEntry.PENDING for e in entries):
            self.flush(max_wait=max_wait, message_id=entries[0].message_id)
            return True
        return False

    def _claim_entries(self, entries: list[OutboxEntry]) -> list[OutboxEntry]:
        """Claim ``entries`` (known rows) for this process; return those it got."""
        now = timezone.now()
        token = uuid.uuid4().hex
        claimed = OutboxEntry.objects.filter(
            pk__in=[e.pk for e in entries], status=OutboxEntry.PENDING
        ).update(status=OutboxEntry.SENDING, claim=token, sent_at=now)
        if claimed != len(entries):
            return list(OutboxEntry.objects.filter(claim=token).order_by("created_at", "pk"))
        for entry in entries:
            entry.status, entry.claim, entry.sent_at = OutboxEntry.SENDING, token, now
        return entries

    # Flushing --------------------------------------------------------------

    def flush(
        self, *, max_wait: float, message_id: str | None = None, force: bool = False
    ) -> float | None:
        """Send every batch that is due; return seconds until the next one, or ``None``.

        ``message_id`` limits the work to batches that carry that message's
        entries (what ``send()`` does in the caller's thread); ``force``
        sends partial batches without waiting for the window. ``max_wait``
        bounds the time spent waiting for the request budget.
        """
        while True:
            batch = self.claim_batch(message_id=message_id, force=force)
            if batch is None:
                return self.next_due()
            try:
                self.send_batch(batch, max_wait=max_wait)
            except _StopFlushing as stop:
                return stop.retry_in

    def claim_batch(
        self, *, message_id: str | None = None, force: bool = False
    ) -> list[OutboxEntry] | None:
        """Claim the next due batch for this process and return it, or ``None``."""
        now = timezone.now()
        pending = OutboxEntry.objects.filter(backend=self.name, status=OutboxEntry.PENDING)
        mine = pending.filter(message_id=message_id) if message_id else pending
        reply = mine.filter(route=OutboxEntry.MESSAGE, due_at__lte=now).order_by("due_at", "pk")
        first = reply.first()
        if first is not None:
            return self._claim([first.pk], now)
        broadcasts = pending.filter(route=OutboxEntry.BROADCAST)
        keys = mine.filter(route=OutboxEntry.BROADCAST)
        size = self.backend.batch_size
        if not force:
            groups = broadcasts if message_id is None else broadcasts.filter(
                text_key__in=keys.values("text_key")
            )
            full = (
                groups.values("text_key")
                .annotate(n=Count("pk"))
                .filter(n__gte=size)
                .values_list("text_key", flat=True)
            )
            due_key = next(iter(full), None)
            if due_key is None:
                due_key = (
                    keys.filter(due_at__lte=now)
                    .order_by("due_at", "pk")
                    .values_list("text_key", flat=True)
                    .first()
                )
        else:
            due_key = keys.order_by("due_at", "pk").values_list("text_key", flat=True).first()
        if due_key is None:
            return None
        candidates = broadcasts.filter(text_key=due_key).order_by("created_at", "pk")
        chosen: list[int] = []
        urns: set[str] = set()
        # A URN may appear once per broadcast; a second entry for it waits its turn.
        for pk, urn in candidates.values_list("pk", "urn")[: size * 3]:
            if urn not in urns:
                urns.add(urn)
                chosen.append(pk)
                if len(chosen) == size:
                    break
        return self._claim(chosen, now) if chosen else None

    def _claim(self, pks: list[int], now: datetime) -> list[OutboxEntry] | None:
        token = uuid.uuid4().hex
        with transaction.atomic():
            claimed = OutboxEntry.objects.filter(pk__in=pks, status=OutboxEntry.PENDING).update(
                status=OutboxEntry.SENDING, claim=token, sent_at=now
            )
        if not claimed:
            return []  # another process took them: look for the next batch
        return list(OutboxEntry.objects.filter(claim=token).order_by("created_at", "pk"))

    def next_due(self) -> float | None:
        """Return the seconds until the next pending entry is due, or ``None`` if none."""
        due = (
            OutboxEntry.objects.filter(backend=self.name, status=OutboxEntry.PENDING)
            .order_by("due_at")
            .values_list("due_at", flat=True)
            .first()
        )
        if due is None:
            return None
        return max(0.0, (due - timezone.now()).total_seconds())

    def send_batch(self, batch: list[OutboxEntry], *, max_wait: float) -> None:
        """Make the request for a claimed batch and record the outcome on its entries."""
        batch = self._without_vetoed(batch)
        if not batch:
            return
        client = self.backend.client
        first = batch[0]
        try:
            with client.waiting_at_most(max_wait):
                if first.route == OutboxEntry.MESSAGE:
                    result: Any = client.create_message(first.contact_uuid, first.text)
                else:
                    result = client.create_broadcast(first.text, urns=[e.urn for e in batch])
        except RateLimited as exc:
            self._release(batch, exc.wait, count_attempt=False)
            raise _StopFlushing(exc.wait) from None
        except RapidProRateExceededError as exc:
            # The client already paused the whole backend; try again after the pause.
            self._release(batch, exc.retry_after, count_attempt=False)
            raise _StopFlushing(exc.retry_after) from None
        except RapidProOutcomeUnknownError as exc:
            self._finish(batch, OutboxEntry.UNKNOWN, error=str(exc))
            logger.error("%s: %s; the %d recipient(s) of message %s are not sent it again.",
                         self.name, self.backend.redact(str(exc)), len(batch), first.message_id)
        except RapidProBadRequestError as exc:
            self._refused(batch, exc)
        except RapidProConnectionError as exc:
            delay = self._retry_later(batch, str(exc))
            raise _StopFlushing(delay) from None
        except RapidProHttpError as exc:
            if exc.status_code is not None and exc.status_code >= 500:
                delay = self._retry_later(batch, str(exc))
                raise _StopFlushing(delay) from None
            self._fail(batch, str(exc))
        except RapidProResponseError as exc:
            # A success status with an unreadable body: RapidPro took the request.
            logger.warning("%s: %s", self.name, self.backend.redact(str(exc)))
            self._finish(batch, OutboxEntry.ACCEPTED, error=str(exc))
        except RapidProError as exc:  # 403 (token), 404, ...: retrying cannot help
            self._fail(batch, str(exc))
        else:
            self._accepted(batch, result)

    def _without_vetoed(self, batch: list[OutboxEntry]) -> list[OutboxEntry]:
        """Fail the claimed entries a send-time veto stops (an opt-out); return the rest.

        An entry may wait here long after ``send()`` (the coalescing window,
        RapidPro down): the recipient may have sent STOP meanwhile. Entries
        going to a contact directly are replies and still go; for the others
        only opt-outs made since the entry was written count (see
        :data:`rapidsms.signals.send_veto`). A veto that cannot be asked
        leaves the batch waiting, never sent unchecked.
        """
        from rapidsms.signals import send_veto, vetoed_recipients

        if not batch or not send_veto.has_listeners():
            return batch
        answers = {e.identity for e in batch if e.route == OutboxEntry.MESSAGE}
        by_written: dict[datetime, list[OutboxEntry]] = {}
        for entry in batch:
            by_written.setdefault(entry.created_at, []).append(entry)
        vetoed: list[tuple[OutboxEntry, str]] = []
        try:
            for written, entries in by_written.items():
                reasons = vetoed_recipients(
                    type(self.backend),
                    backend=self.name,
                    identities=[e.identity for e in entries],
                    answers=answers,
                    written=written,
                )
                vetoed += [(e, reasons[e.identity]) for e in entries if e.identity in reasons]
        except Exception:
            logger.exception("%s: a send-time check (send_veto) failed; %d recipient(s) of "
                             "message %s wait.", self.name, len(batch), batch[0].message_id)
            self._release(batch, MAX_BACKOFF, count_attempt=False)
            raise _StopFlushing(MAX_BACKOFF) from None
        for entry, reason in vetoed:
            self._finish([entry], OutboxEntry.FAILED, error=f"cancelled: {reason}")
        if vetoed:
            logger.info("%s: message %s is not sent to %s: cancelled at send time.", self.name,
                        batch[0].message_id, ", ".join(e.identity for e, _ in vetoed))
            self.backend.report_failures([entry for entry, _ in vetoed])
        cancelled = {entry.pk for entry, _ in vetoed}
        return [entry for entry in batch if entry.pk not in cancelled]

    # Outcomes --------------------------------------------------------------

    def _accepted(self, batch: list[OutboxEntry], result: Any) -> None:
        fields: dict[str, Any] = {"raw_status": str(getattr(result, "status", ""))[:32]}
        if batch[0].route == OutboxEntry.MESSAGE:
            fields["message_key"] = result.key
        else:
            fields["broadcast_key"] = result.key
        self._finish(batch, OutboxEntry.ACCEPTED, **fields)

    def _finish(self, batch: list[OutboxEntry], status: str, **fields: Any) -> None:
        if "error" in fields:
            # RapidPro (or a proxy) may echo our request, token included, in its error.
            fields["error"] = self.backend.redact(fields["error"])
        OutboxEntry.objects.filter(pk__in=[e.pk for e in batch]).update(
            status=status, claim="", **fields
        )
        for entry in batch:
            entry.status = status
            for name, value in fields.items():
                setattr(entry, name, value)

    def _fail(self, batch: list[OutboxEntry], error: str) -> None:
        error = self.backend.redact(error)
        logger.error("%s: message %s could not be sent to %s: %s", self.name,
                     batch[0].message_id, ", ".join(e.identity for e in batch), error)
        self._finish(batch, OutboxEntry.FAILED, error=error)
        self.backend.report_failures(batch)

    def _release(self, batch: list[OutboxEntry], delay: float, *, count_attempt: bool) -> None:
        due = timezone.now() + timedelta(seconds=delay)
        updates: dict[str, Any] = {"status": OutboxEntry.PENDING, "claim": "", "due_at": due}
        if count_attempt:
            updates["attempts"] = F("attempts") + 1
        OutboxEntry.objects.filter(pk__in=[e.pk for e in batch]).update(**updates)
        for entry in batch:
            entry.status, entry.claim, entry.due_at = OutboxEntry.PENDING, "", due

    def _retry_later(self, batch: list[OutboxEntry], error: str) -> float:
        """Put a batch back after RapidPro could not take it; give up after ``max_pending_age``."""
        error = self.backend.redact(error)
        attempts = max(e.attempts for e in batch) + 1
        too_old = timezone.now() - timedelta(seconds=self.backend.max_pending_age)
        expired = [e for e in batch if e.created_at < too_old]
        if expired:
            self._fail(expired, f"Gave up after {attempts} attempts: {error}")
        rest = [e for e in batch if e not in expired]
        delay = min(MAX_BACKOFF, 2.0 ** attempts)
        logger.warning("%s: RapidPro could not take a request (%s); %d recipient(s) wait "
                       "%.0f s.", self.name, error, len(rest), delay)
        if rest:
            self._release(rest, delay, count_attempt=True)
        return delay

    def _refused(self, batch: list[OutboxEntry], exc: RapidProBadRequestError) -> None:
        """Fail only the recipients a 400 names; send the others again."""
        first = batch[0]
        if first.route == OutboxEntry.MESSAGE and _mentions(exc.errors, "contact"):
            # The contact is gone from RapidPro: forget it and reach the URN instead.
            RapidProContact.objects.filter(contact_uuid=first.contact_uuid).delete()
            OutboxEntry.objects.filter(pk=first.pk).update(
                status=OutboxEntry.PENDING, route=OutboxEntry.BROADCAST, contact_uuid="",
                claim="", due_at=timezone.now(),
            )
            first.status, first.route, first.contact_uuid = (
                OutboxEntry.PENDING, OutboxEntry.BROADCAST, ""
            )
            return
        bad = refused_urns(exc.errors, [e.urn for e in batch])
        if not bad or len(bad) == len(batch):
            self._fail(batch, str(exc))
            return
        refused = [e for e in batch if e.urn in bad]
        for entry in refused:
            self._fail([entry], f"RapidPro refused {entry.urn}: {bad[entry.urn]}")
        others = [e for e in batch if e.urn not in bad]
        OutboxEntry.objects.filter(pk__in=[e.pk for e in others]).update(
            status=OutboxEntry.PENDING, claim="", due_at=timezone.now()
        )
        for entry in others:
            entry.status, entry.claim = OutboxEntry.PENDING, ""


class _StopFlushing(Exception):
    """Stop this flush: RapidPro cannot take more for ``retry_in`` seconds."""

    def __init__(self, retry_in: float) -> None:
        super().__init__(retry_in)
        self.retry_in = retry_in


def refused_urns(errors: Any, urns: list[str]) -> dict[str, str]:
    """Return ``{urn: message}`` for the URNs a 400's ``errors`` names.

    RapidPro names a bad item of a list by its index
    (``{"urns": {"3": ["Invalid URN: ..."]}}``); older answers name it only
    in the text (``{"urns": ["Invalid URN: tel:123. ..."]}``).
    """
    if not isinstance(errors, dict) or "urns" not in errors:
        return {}
    found: dict[str, str] = {}
    field = errors["urns"]
    if isinstance(field, dict):
        for index, messages in field.items():
            try:
                urn = urns[int(index)]
            except (ValueError, IndexError):
                continue
            found[urn] = " ".join(map(str, messages)) if isinstance(messages, list) else str(
                messages
            )
    elif isinstance(field, list):
        for message in map(str, field):
            for urn in urns:
                if f"Invalid URN: {urn}." in message or f"Invalid URN: {urn} " in message:
                    found[urn] = message
    return found


def _mentions(errors: Any, field: str) -> bool:
    return isinstance(errors, dict) and field in errors

"""``DatabaseRouter``: store every message first, then route and send it in Celery workers."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.utils import timezone

from rapidsms.apps.base import AppBase
from rapidsms.backends.results import gateway_ids
from rapidsms.errors import MessageSendingError
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.messages.outgoing import OutgoingMessage
from rapidsms.router.blocking.router import BlockingRouter
from rapidsms.router.db import inbox, store, wakeup
from rapidsms.router.db.announce import announce
from rapidsms.router.db.coalescing import CoalescingSends
from rapidsms.router.db.conf import COUNTDOWN_LIMIT, RATE_MAX_SLEEP, celery_is_eager, get_setting
from rapidsms.router.db.dispatch import after_commit, atomic_then_dispatch, celery_app, publish
from rapidsms.router.db.grouping import (
    ReplyBatch,
    answered_identities,
    by_message,
    queued_by_backend,
)
from rapidsms.router.db.models import Transmission
from rapidsms.router.db.queues import BULK, REPLY, broker_priority, incoming_queue, send_queue
from rapidsms.router.db.ratelimit import RateLimit, rate_limit_for
from rapidsms.router.db.status import Status
from rapidsms.signals import (
    incoming_batch_processed,
    incoming_processed,
    send_veto,
    vetoed_recipients,
)

logger = logging.getLogger("rapidsms.router.db")

#: Names of the Celery tasks (see :mod:`rapidsms.router.db.tasks`).
DRAIN_TASK = "rapidsms.router.db.drain"
SEND_TASK = "rapidsms.router.db.send"

#: Waits between attempts to record a send's outcome while the database is unreachable.
RECORD_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)


class DatabaseRouter(CoalescingSends, BlockingRouter):
    """Commit every message to the message store, then hand it to Celery workers.

    Incoming: ``receive()`` stores the message (raising
    :class:`~rapidsms.router.db.MessageStoreUnavailable` when the database is
    down, which an inbound view answers with 503) and, once the transaction
    commits, queues a task. A worker runs the phases, then stores the replies
    and marks the message handled in one transaction, so a message processed
    twice (after a crash) is answered once.

    Outgoing: ``send()`` runs the ``outgoing`` phase, stores one transmission
    per connection and queues one task per backend and batch on that
    backend's queue, replies before bulk. A worker claims the transmissions
    (the send-once guard), calls ``backend.send()`` and records the outcome;
    failures are retried per transmission (see :mod:`rapidsms.router.db.retry`).

    With ``CELERY_TASK_ALWAYS_EAGER`` (or the backend option
    ``"router.celery.eager": True``), the same steps run in the calling
    process: nothing needs a broker. Retries then wait for the recovery task
    (``manage.py rapidsms_status --recover``).

    Needs ``"rapidsms.router.db"`` in ``INSTALLED_APPS``. Hooks for subclasses,
    besides the ``BlockingRouter`` ones: :meth:`process_stored_incoming` and
    :meth:`send_stored` (run by the workers), :meth:`dispatch_incoming` and
    :meth:`dispatch_send` (hand work to Celery), :meth:`runs_here`.
    """

    # receive() commits the message and returns: the inbound views claim the
    # gateway's id in the same transaction.
    stores_incoming_first = True
    # Each transmission is stored, claimed once and retried here.
    retries_sends = True

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not django_apps.is_installed("rapidsms.router.db"):
            raise ImproperlyConfigured(
                f"{type(self).__name__} stores messages in the database: add "
                "'rapidsms.router.db' to INSTALLED_APPS and run manage.py migrate."
            )
        super().__init__(*args, **kwargs)
        #: per worker thread: the batch of incoming messages being routed
        self._local = threading.local()
        self.rate_limits: dict[str, RateLimit] = {}
        for name, backend in self.backends.items():
            limit = rate_limit_for(backend)
            if limit is not None:
                self.rate_limits[name] = limit

    def is_eager(self, backend_name: str) -> bool:
        """Return the backend's ``router.celery.eager`` option, as RapidSMS 2.x did.

        False for a backend that is not configured. Whether work actually
        runs in this process is :meth:`runs_here`.
        """
        backend = self.backends.get(backend_name)
        config = getattr(backend, "_config", None) or {}
        return bool(config.get("router.celery.eager"))

    def runs_here(self, backend_name: str) -> bool:
        """Return True when work for ``backend_name`` runs in this process, not a worker.

        When the backend is eager (:meth:`is_eager`) or Celery runs every
        task eagerly (``CELERY_TASK_ALWAYS_EAGER``).
        """
        return self.is_eager(backend_name) or celery_is_eager()

    # Incoming: intake ------------------------------------------------------

    def new_incoming_message(
        self, text: str, connections: Any, class_: type = IncomingMessage, **kwargs: Any
    ) -> IncomingMessage:
        """Build the message and commit it to the store (``msg.id`` becomes its row's id)."""
        msg = super().new_incoming_message(text, connections, class_=class_, **kwargs)
        self.store_incoming(msg)
        return msg

    def store_incoming(self, msg: IncomingMessage) -> None:
        """Store ``msg``; raise ``MessageStoreUnavailable`` when the database is down."""
        dbm = store.save_incoming(msg)
        msg.id = dbm.pk
        msg.dbm = dbm

    def receive_incoming(self, msg: IncomingMessage) -> None:
        """Queue the stored message for a worker (or process it now in eager mode)."""
        if getattr(msg, "dbm", None) is None:
            self.store_incoming(msg)
        backend_name = msg.connections[0].backend.name if msg.connections else ""
        self.dispatch_incoming(msg.dbm.pk, backend_name, msg=msg)

    def dispatch_incoming(
        self, message_id: int, backend_name: str, msg: IncomingMessage | None = None
    ) -> None:
        """Have stored incoming message ``message_id`` processed once it is committed.

        In eager mode it is processed here and now; otherwise the workers
        are woken up (:meth:`wake_incoming_workers`) and take it from the
        store with the next batch.
        """
        if self.runs_here(backend_name):
            after_commit(
                lambda: self.process_stored_incoming(message_id, msg=msg),
                f"incoming message {message_id}",
                inline=True,
            )
            return
        after_commit(self.wake_incoming_workers, f"waking the workers for message {message_id}")

    def wake_incoming_workers(self, force: bool = False) -> bool:
        """Publish a drain task on the incoming queue unless one is on its way; True if sent.

        ``force`` publishes one in any case (the recovery task).
        """
        queue = incoming_queue()
        return wakeup.request(queue, lambda: publish(DRAIN_TASK, [], queue=queue), force=force)

    # Incoming: worker ------------------------------------------------------

    #: Longest a drain task keeps taking batches before it hands over to a new task.
    drain_seconds = 5.0
    #: After a batch smaller than the batch size, how long a drain task lets
    #: messages gather before it claims again: bigger batches cost less per
    #: message than many small ones, for at most this much more latency.
    drain_linger = 0.05

    def drain_incoming(self) -> int:
        """Process waiting incoming messages in batches until none waits (the drain task).

        Return how many were processed. The wake-up flag stays set while
        the task works, so the web processes do not publish a wake-up for
        every message; once a claim finds nothing, the flag is cleared and
        one more claim takes what was committed before that. A full batch
        means more are waiting: another worker is woken up, once per task,
        to work beside this one. After :attr:`drain_seconds` the task ends and, if
        messages still wait, wakes the workers for a new one, so that other
        tasks of the queue (recovery) get their turn.
        """
        queue = incoming_queue()
        size = max(1, int(get_setting("RAPIDSMS_INCOMING_BATCH_SIZE")))
        deadline = time.monotonic() + self.drain_seconds
        total = 0
        helped = False  # one helper per task: tasks must not pile up behind a backlog
        while True:
            done = self.process_incoming_batch(wake_when_full=not helped)
            helped = helped or done >= size
            total += done
            if done == 0:
                wakeup.clear(queue)
                done = self.process_incoming_batch(wake_when_full=not helped)
                helped = helped or done >= size
                total += done
                if done == 0:
                    return total
            if time.monotonic() > deadline:
                self.wake_incoming_workers(force=True)
                return total
            if done < size:
                time.sleep(self.drain_linger)

    def process_stored_incoming(self, message_id: int, msg: IncomingMessage | None = None) -> None:
        """Process one stored message now (eager mode, or a task naming the message).

        ``msg`` is the message object to give the apps, when the caller has
        it; otherwise it is rebuilt from the store. A message that another
        worker processed, or is processing, is left alone.
        """
        messages = {message_id: msg} if msg is not None else None
        if not self.process_incoming_batch(message_ids=[message_id], messages=messages):
            logger.info("Incoming message %s is not waiting in the store; nothing to do.",
                        message_id)

    def process_incoming_batch(
        self,
        message_ids: Sequence[int] | None = None,
        messages: dict[int, IncomingMessage] | None = None,
        wake_when_full: bool = False,
    ) -> int:
        """Claim waiting incoming messages, route each, then finish them together.

        Claims up to ``RAPIDSMS_INCOMING_BATCH_SIZE`` messages (only
        ``message_ids`` when given) and runs the phases on each in turn. Then
        one transaction stores every reply and every message's status, the
        batch's signals are sent, and the replies are handed to the send
        queues. Return how many messages were claimed.

        The signals come before the sends: the message log writes the
        replies' rows on ``incoming_processed``, and a send's status (sent at
        once in eager mode, or by another worker) finds only rows that exist.

        Safe to run twice for one message: only the worker holding the
        claim when the batch is finished stores anything. Apps may still see
        a message twice (a worker that died after the apps ran), so their
        own side effects should tolerate it.
        """
        size = max(1, int(get_setting("RAPIDSMS_INCOMING_BATCH_SIZE")))
        lease = float(get_setting("RAPIDSMS_PROCESSING_LEASE"))
        token, rows = inbox.claim(size, lease, message_ids)
        if not rows:
            return 0
        if wake_when_full and len(rows) >= size:
            # More wait: another worker joins in (forced: this drain keeps the flag set).
            self.wake_incoming_workers(force=True)
        stored: dict[int, list[Transmission]] = {}
        for row in rows:
            stored.setdefault(row.message_id, []).append(row)
        batch = ReplyBatch(stored)
        routed: list[IncomingMessage] = []
        self._local.batch = batch
        # A worker keeps its claim alive for as long as it works, from a
        # thread, so that the lease can be short (a dead worker's messages
        # are taken over soon) whatever an app takes over one message.
        # Eager mode (tests, the demo) has no worker to die.
        keep = nullcontext() if celery_is_eager() else inbox.KeepClaimed(token, lease / 3)
        renew_at = time.monotonic() + lease / 3
        try:
            with keep:
                for message_id, transmissions in stored.items():
                    msg = (messages or {}).get(message_id) or store.rebuild_incoming(
                        transmissions[0].message, transmissions
                    )
                    batch.outcomes[message_id] = self.route_stored(msg)
                    routed.append(msg)
                    if time.monotonic() > renew_at:  # and between messages, in this thread
                        inbox.renew(token)
                        renew_at = time.monotonic() + lease / 3
        finally:
            self._local.batch = None
        with atomic_then_dispatch():
            finished, replies = inbox.finish(token, batch.outcomes, batch.save)
        if len(finished) < len(stored):
            logger.info("%s incoming message(s) of a batch were taken over by another worker.",
                        len(stored) - len(finished))
        try:
            self.signal_batch_processed([msg for msg in routed if msg.id in finished])
        finally:
            self.dispatch_replies(replies)
        return len(stored)

    def signal_batch_processed(self, messages: Sequence[IncomingMessage]) -> None:
        """Send the signals of a finished batch, in one transaction.

        First ``incoming_batch_processed`` for the whole batch, then
        ``incoming_processed`` for each message. Receivers that write (the
        message log) then share one commit for the whole batch.
        """
        if not messages:
            return
        if not (incoming_processed.has_listeners() or incoming_batch_processed.has_listeners()):
            return
        try:
            with transaction.atomic():
                for receiver, result in incoming_batch_processed.send_robust(
                    sender=type(self), router=self, messages=list(messages)
                ):
                    if isinstance(result, Exception):
                        logger.error("A receiver of incoming_batch_processed (%r) failed.",
                                     receiver, exc_info=result)
                for msg in messages:
                    self.signal_processed(msg)
        except DatabaseError:
            logger.exception("Receivers of incoming_processed failed to write for a batch of "
                             "%s message(s).", len(messages))

    def route_stored(self, msg: IncomingMessage) -> tuple[str, str]:
        """Run the phases for ``msg`` and queue its replies; return its ``(status, error)``."""
        errors: list[str] = []
        msg._store_errors = errors  # filled by _phase_failed
        try:
            continue_sending = self.process_incoming_phases(msg)
        except Exception as exc:
            logger.exception("Routing incoming message %s failed.", msg.id)
            return Status.ERRORED, f"routing failed: {exc!r}"
        if continue_sending is not False:
            for response in msg.responses:
                self.send_response(msg, response)
        return (Status.ERRORED if errors else Status.HANDLED), "; ".join(errors)

    def _phase_failed(self, app: AppBase, phase: str, msg: Any, exc: Exception) -> None:
        super()._phase_failed(app, phase, msg, exc)
        errors = getattr(msg, "_store_errors", None)  # see route_stored
        if errors is not None:
            errors.append(f"{app.name} raised {exc!r} in {phase}")

    # Outgoing: intake ------------------------------------------------------

    def backend_preparation(self, msg: OutgoingMessage) -> None:
        """Store the message with one transmission per connection and queue the sends.

        A reply to a message of the batch being routed is kept with the
        batch and stored with it (see :meth:`process_incoming_batch`).
        Connections whose backend is not configured are stored as failed and
        reported with one ``MessageSendingError`` after the others are queued.
        """
        context = msg.extra_backend_context()
        rows = store.connection_rows(msg.connections)
        unknown = {backend for _, backend, _ in rows if backend not in self.backends}
        batch = getattr(self._local, "batch", None)
        if batch is not None and batch.answers(msg):
            store.check_json(msg, context)  # one bad reply must not spoil the batch
            batch.replies.append((msg, rows, context, unknown))
        else:
            dbm, transmissions = store.save_outgoing(msg, rows, context, unknown)
            msg.id = dbm.pk
            msg.database_message = dbm
            announce(transmissions, message=msg, fresh=True)
            kind = REPLY if msg.in_response_to is not None else BULK
            for backend_name, ids in queued_by_backend(transmissions).items():
                for chunk in self.batches(backend_name, ids):
                    self.dispatch_send(backend_name, dbm.pk, chunk, kind)
        if unknown:
            failed = [identity for _, backend, identity in rows if backend in unknown]
            logger.error(
                "Message %s was not sent to %s: backend(s) %s not in INSTALLED_BACKENDS.",
                msg.id,
                ", ".join(failed),
                ", ".join(sorted(unknown)),
            )
            raise MessageSendingError(
                f"Router is not configured with the backend(s) {', '.join(sorted(unknown))}; "
                "add them to INSTALLED_BACKENDS.",
                failed_identities=failed,
                backend=next(iter(unknown)) if len(unknown) == 1 else None,
                retryable=False,
            )

    def dispatch_replies(self, transmissions: Sequence[Transmission]) -> None:
        """Hand the stored replies of a batch to the send queues, a few messages per task.

        ``RAPIDSMS_REPLY_BATCH_SIZE`` replies per task: one task costs the
        worker about as much as one send, and smaller tasks spread a batch's
        replies over more worker threads when the gateway is slow to answer.
        """
        size = max(1, int(get_setting("RAPIDSMS_REPLY_BATCH_SIZE")))
        for backend_name, ids in queued_by_backend(transmissions).items():
            for chunk in self.batches(backend_name, ids, size):
                self.dispatch_send(backend_name, None, chunk, REPLY)

    def batches(
        self, backend_name: str, ids: Sequence[int], size: int | None = None
    ) -> list[list[int]]:
        """Split transmission ids into the batches one send task handles.

        ``size`` (default ``DB_ROUTER_DEFAULT_BATCH_SIZE``) at most, and no
        more than one second's worth of a rate-limited backend's rate.
        """
        if size is None:
            size = max(1, int(get_setting("DB_ROUTER_DEFAULT_BATCH_SIZE")))
        limit = self.rate_limits.get(backend_name)
        if limit is not None:
            size = max(1, min(size, int(limit.rate)))
        return [list(ids[i : i + size]) for i in range(0, len(ids), size)]

    def dispatch_send(
        self,
        backend_name: str,
        message_id: int | None,
        transmission_ids: Sequence[int],
        kind: str = BULK,
        eta: datetime | None = None,
    ) -> None:
        """Hand a batch of stored transmissions to a worker on the backend's queue.

        ``message_id`` names the message when the batch is one message's
        (None: replies to several). ``eta`` delays the task (a retry, or a
        wait for a rate-limit slot).
        """
        ids = list(transmission_ids)
        what = f"message {message_id}" if message_id else f"{len(ids)} replies"
        description = f"sending {what} through {backend_name}"
        window = self.coalesce_window(backend_name)
        if eta is None and window > 0 and not self.runs_here(backend_name):
            # Let other messages with the same text gather (see send_stored):
            # every send made within one window's slot of the clock is due at
            # the end of the next slot, so they go out together.
            now = timezone.now().timestamp()
            eta = datetime.fromtimestamp((now // window + 2) * window, UTC)
            # Not due before then either: a task of an earlier slot that
            # runs late must not take them away in a broadcast of a few.
            Transmission.objects.filter(pk__in=ids, next_attempt_at__lt=eta).update(
                next_attempt_at=eta)
        if self.runs_here(backend_name):
            if eta is None:
                after_commit(
                    lambda: self.send_stored(backend_name, message_id, ids, kind=kind),
                    description,
                    inline=True,
                )
            return
        queue = send_queue(backend_name, self.backends.get(backend_name))
        priority = broker_priority(kind, celery_app())
        after_commit(
            lambda: publish(
                SEND_TASK,
                [backend_name, message_id, ids],
                kwargs={"kind": kind},
                queue=queue,
                priority=priority,
                eta=eta,
            ),
            description,
        )

    def dispatch_transmissions(self, transmission_ids: Sequence[int]) -> None:
        """Hand stored outgoing transmissions to the workers, in batches per message and backend."""
        rows = Transmission.objects.filter(pk__in=list(transmission_ids)).values_list(
            "pk", "message_id", "backend", "message__in_response_to_id"
        )
        groups: dict[tuple[str, int, str], list[int]] = {}
        for pk, message_id, backend, in_response_to in rows:
            kind = REPLY if in_response_to else BULK
            groups.setdefault((backend, message_id, kind), []).append(pk)
        for (backend, message_id, kind), ids in groups.items():
            for batch in self.batches(backend, ids):
                self.dispatch_send(backend, message_id, batch, kind)

    # Outgoing: worker ------------------------------------------------------

    def send_stored(
        self,
        backend_name: str,
        message_id: int | None,
        transmission_ids: Sequence[int],
        kind: str = BULK,
    ) -> None:
        """Send the transmissions of a batch that are due, at most once each.

        Waits for the backend's rate-limit slot first, then claims the
        transmissions; only the claimed ones are sent, with one
        ``backend.send()`` call per message. The outcome of each call is
        recorded before the next: sent, retry at a later time, or failed.
        """
        ids = list(transmission_ids)
        limit = self.rate_limits.get(backend_name)
        if limit is not None and not self._wait_for_slot(
            limit, backend_name, message_id, ids, kind
        ):
            return
        if self.coalesce_window(backend_name) > 0 and limit is None:
            size = max(1, int(get_setting("DB_ROUTER_DEFAULT_BATCH_SIZE")))
            token, rows = store.claim_with_same_text(ids, backend_name, size)
        else:
            token, rows = store.claim(ids)
        if not rows:
            return
        park = not self.runs_here(backend_name)
        groups = self._without_vetoed(backend_name, by_message(rows), token)
        together = self._send_together(backend_name, groups)
        if together:
            self._record(self._record_together, backend_name, message_id, kind, groups,
                         together, token, park)
            groups = [group for group in groups if group[0].message.pk not in together]
        for index, group in enumerate(groups):
            message = group[0].message
            identities = [row.identity for row in group]
            try:
                results = self.send_to_backend(
                    backend_name, message.pk, message.text, identities, message.backend_context
                )
            except MessageSendingError as exc:
                retries = self._record(store.record_failure, group, token, exc, park) or []
                announce(group)
                for retry_at, retry_ids in retries:
                    self.dispatch_send(backend_name, message_id, retry_ids, kind, eta=retry_at)
                rest = [row.pk for later in groups[index + 1 :] for row in later]
                if exc.retryable and rest:
                    # The gateway is failing: the rest of the batch waits with
                    # this message rather than try (and time out) one by one.
                    until = retries[0][0] if retries else None
                    self._record(store.release, rest, token, until)
                    if until is not None:
                        self.dispatch_send(backend_name, message_id, rest, kind, eta=until)
                    return
            else:
                by_identity = gateway_ids(results)
                accepted = {row.pk: by_identity[row.identity] for row in group
                            if row.identity in by_identity}
                written = self._record(store.record_sent, group, token, accepted)
                if written is None:
                    announce(group)  # read back: the statuses are not known here
                else:
                    announce(written, fresh=True)

    def _without_vetoed(
        self, backend_name: str, groups: list[list[Transmission]], token: Any
    ) -> list[list[Transmission]]:
        """Cancel the claimed rows a send-time veto stops (an opt-out); return the rest.

        Asked on every attempt, not only when the message was written: a
        recipient who sent STOP after a bulk message failed must not get its
        retry. A reply still reaches the people it answers (see
        :data:`rapidsms.signals.send_veto`). When a veto cannot be asked (a
        receiver raised) the whole claim is given back for a later attempt
        rather than sent unchecked.
        """
        if not send_veto.has_listeners():
            return groups
        answered = answered_identities(backend_name, groups)
        kept: list[list[Transmission]] = []
        reasons: dict[int, str] = {}
        try:
            for group in groups:
                message = group[0].message
                vetoed = vetoed_recipients(
                    type(self),
                    backend=backend_name,
                    identities=[row.identity for row in group],
                    answers=answered.get(message.in_response_to_id, ()),
                )
                for row in group:
                    if row.identity in vetoed:
                        reasons[row.pk] = vetoed[row.identity]
                rest = [row for row in group if row.pk not in reasons]
                if rest:
                    kept.append(rest)
        except Exception:
            logger.exception(
                "A send-time check (send_veto) failed; %s transmission(s) through %s wait for "
                "the next attempt.", sum(map(len, groups)), backend_name
            )
            everything = [row.pk for group in groups for row in group]
            self._record(store.release, everything, token, None)
            return []
        if reasons:
            self._record(store.record_cancelled, token, reasons)
            announce(reasons)
            logger.info("%s transmission(s) through %s were cancelled at send time: %s.",
                        len(reasons), backend_name, ", ".join(sorted(set(reasons.values()))))
        return kept

    def _wait_for_slot(
        self,
        limit: RateLimit,
        backend_name: str,
        message_id: int | None,
        ids: list[int],
        kind: str,
    ) -> bool:
        """Book a rate-limit slot; return True to send now, False when the task was deferred."""
        if limit.unit == "segments":
            texts = Transmission.objects.filter(pk__in=ids).values_list("message__text", flat=True)
            cost = sum(limit.cost(text or "", 1) for text in texts)
        else:
            cost = limit.cost("", len(ids))
        booked, wait = limit.acquire(cost, RATE_MAX_SLEEP)
        if booked:
            if wait > 0:
                time.sleep(wait)
            return True
        # Spread the returns of tasks deferred together.
        until = timezone.now() + timedelta(seconds=wait * random.uniform(1.0, 1.2))
        parked = wait <= COUNTDOWN_LIMIT and not self.runs_here(backend_name)
        store.defer(ids, until, dispatched=parked)
        if parked:
            self.dispatch_send(backend_name, message_id, ids, kind, eta=until)
        return False

    # A worker whose settings lack a backend may be the only one: another
    # worker can still send it. Failures are retried, so they are warnings.
    unknown_backend_retryable = True
    send_failure_log_level = logging.WARNING

    def _record(self, func: Callable[..., Any], *args: Any) -> Any:
        """Record a send's outcome, waiting out a short database outage.

        The message has left already: losing its outcome would leave it
        "sending" until the lease runs out and it is marked failed.
        """
        for delay in (*RECORD_RETRY_DELAYS, None):
            try:
                return func(*args)
            except (OperationalError, InterfaceError):
                if delay is None:
                    logger.critical(
                        "Could not record the outcome of a send; the transmissions stay "
                        "'sending' and will be marked failed with an unknown outcome."
                    )
                    raise
                logger.warning("The database is unavailable; recording again in %ss.", delay)
                time.sleep(delay)
        return None


def store_router() -> DatabaseRouter:
    """Return the process's router, which must be a ``DatabaseRouter`` (workers, commands)."""
    from rapidsms.router import get_router

    router = get_router()
    if not isinstance(router, DatabaseRouter):
        raise ImproperlyConfigured(
            "The message store's tasks need RAPIDSMS_ROUTER = "
            "'rapidsms.router.db.DatabaseRouter' (or 'rapidsms.router.celery.CeleryRouter'); "
            f"this process routes with {type(router).__name__}."
        )
    return router

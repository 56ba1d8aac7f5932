"""``DatabaseRouter``: store every message first, then route and send it in Celery workers."""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from rapidsms.apps.base import AppBase
from rapidsms.errors import MessageSendingError
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.messages.outgoing import OutgoingMessage
from rapidsms.router.blocking.router import BlockingRouter
from rapidsms.router.db import store
from rapidsms.router.db.conf import COUNTDOWN_LIMIT, RATE_MAX_SLEEP, celery_is_eager, get_setting
from rapidsms.router.db.dispatch import after_commit, atomic_then_dispatch, celery_app, publish
from rapidsms.router.db.models import Message, Transmission
from rapidsms.router.db.queues import BULK, REPLY, broker_priority, incoming_queue, send_queue
from rapidsms.router.db.ratelimit import RateLimit, rate_limit_for
from rapidsms.router.db.status import Status

logger = logging.getLogger("rapidsms.router.db")

#: Names of the Celery tasks (see :mod:`rapidsms.router.db.tasks`).
RECEIVE_TASK = "rapidsms.router.db.receive"
SEND_TASK = "rapidsms.router.db.send"

#: Waits between attempts to record a send's outcome while the database is unreachable.
RECORD_RETRY_DELAYS = (0.5, 1.0, 2.0, 4.0)


class DatabaseRouter(BlockingRouter):
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
    :meth:`dispatch_send` (hand work to Celery), :meth:`is_eager`.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        if not django_apps.is_installed("rapidsms.router.db"):
            raise ImproperlyConfigured(
                f"{type(self).__name__} stores messages in the database: add "
                "'rapidsms.router.db' to INSTALLED_APPS and run manage.py migrate."
            )
        super().__init__(*args, **kwargs)
        self.rate_limits: dict[str, RateLimit] = {}
        for name, backend in self.backends.items():
            limit = rate_limit_for(backend)
            if limit is not None:
                self.rate_limits[name] = limit

    def is_eager(self, backend_name: str) -> bool:
        """Return True when work for ``backend_name`` runs in this process, not a worker."""
        backend = self.backends.get(backend_name)
        config = getattr(backend, "_config", None) or {}
        return bool(config.get("router.celery.eager")) or celery_is_eager()

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
        """Hand stored incoming message ``message_id`` to a worker once committed."""
        description = f"incoming message {message_id}"
        if self.is_eager(backend_name):
            after_commit(
                lambda: self.process_stored_incoming(message_id, msg=msg), description, inline=True
            )
            return
        after_commit(
            lambda: publish(RECEIVE_TASK, [message_id], queue=incoming_queue()), description
        )

    # Incoming: worker ------------------------------------------------------

    def process_stored_incoming(self, message_id: int, msg: IncomingMessage | None = None) -> None:
        """Run the phases for a stored message, then store its replies and its status.

        Safe to run twice for one message: the replies and the final status
        are written in one transaction that only the first run may commit.
        Apps still see the message twice in that case (after a worker
        crash), so their own side effects should tolerate it.
        """
        loaded = store.load_incoming(message_id)
        if loaded is None:
            logger.warning("Incoming message %s is not in the store; nothing to do.", message_id)
            return
        dbm, transmissions = loaded
        if all(t.status in (Status.HANDLED, Status.ERRORED) for t in transmissions):
            logger.info("Incoming message %s was already processed.", message_id)
            return
        store.start_processing(message_id)
        if msg is None:
            msg = store.rebuild_incoming(dbm, transmissions)
        errors: list[str] = []
        msg._store_errors = errors  # filled by _call_phase
        try:
            continue_sending = self.process_incoming_phases(msg)
        except Exception as exc:
            logger.exception("Routing incoming message %s failed.", message_id)
            store.finish_incoming(message_id, Status.ERRORED, f"routing failed: {exc!r}")
            return
        status = Status.ERRORED if errors else Status.HANDLED
        with atomic_then_dispatch():
            if not store.finish_incoming(message_id, status, "; ".join(errors)):
                logger.info("Incoming message %s was finished by another worker.", message_id)
                return
            if continue_sending is not False:
                for response in msg.responses:
                    self.send_response(msg, response)

    def _call_phase(self, app: AppBase, phase: str, msg: Any) -> Any:
        try:
            return getattr(app, phase)(msg)
        except Exception as exc:
            logger.exception(
                "App %s raised an exception in the %s phase for message %s (%r); "
                "the other apps still get the message.",
                app.name,
                phase,
                msg.id,
                msg.text[:40],
            )
            errors = getattr(msg, "_store_errors", None)
            if errors is not None:
                errors.append(f"{app.name} raised {exc!r} in {phase}")
            return None

    # Outgoing: intake ------------------------------------------------------

    def backend_preparation(self, msg: OutgoingMessage) -> None:
        """Store the message with one transmission per connection and queue the sends.

        Connections whose backend is not configured are stored as failed and
        reported with one ``MessageSendingError`` after the others are queued.
        """
        context = msg.extra_backend_context()
        rows = store.connection_rows(msg.connections)
        unknown = sorted({backend for _, backend, _ in rows if backend not in self.backends})
        dbm, transmissions = store.save_outgoing(msg, rows, context, unknown)
        msg.id = dbm.pk
        msg.database_message = dbm
        kind = REPLY if msg.in_response_to is not None else BULK
        groups: dict[str, list[int]] = {}
        for transmission in transmissions:
            if transmission.status == Status.QUEUED:
                groups.setdefault(transmission.backend, []).append(transmission.pk)
        for backend_name, ids in groups.items():
            for batch in self.batches(backend_name, ids):
                self.dispatch_send(backend_name, dbm.pk, batch, kind)
        if unknown:
            failed = [identity for _, backend, identity in rows if backend in unknown]
            logger.error(
                "Message %s was not sent to %s: backend(s) %s not in INSTALLED_BACKENDS.",
                dbm.pk,
                ", ".join(failed),
                ", ".join(unknown),
            )
            raise MessageSendingError(
                f"Router is not configured with the backend(s) {', '.join(unknown)}; add them "
                "to INSTALLED_BACKENDS.",
                failed_identities=failed,
                backend=unknown[0] if len(unknown) == 1 else None,
                retryable=False,
            )

    def batches(self, backend_name: str, ids: Sequence[int]) -> list[list[int]]:
        """Split transmission ids into the batches one send task handles.

        ``DB_ROUTER_DEFAULT_BATCH_SIZE`` at most, and no more than one
        second's worth of a rate-limited backend's rate.
        """
        size = max(1, int(get_setting("DB_ROUTER_DEFAULT_BATCH_SIZE")))
        limit = self.rate_limits.get(backend_name)
        if limit is not None:
            size = max(1, min(size, int(limit.rate)))
        return [list(ids[i : i + size]) for i in range(0, len(ids), size)]

    def dispatch_send(
        self,
        backend_name: str,
        message_id: int,
        transmission_ids: Sequence[int],
        kind: str = BULK,
        eta: datetime | None = None,
    ) -> None:
        """Hand a batch of stored transmissions to a worker on the backend's queue.

        ``eta`` delays the task (a retry, or a wait for a rate-limit slot).
        """
        ids = list(transmission_ids)
        description = f"sending message {message_id} through {backend_name}"
        if self.is_eager(backend_name):
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
        message_id: int,
        transmission_ids: Sequence[int],
        kind: str = BULK,
    ) -> None:
        """Send the transmissions of a batch that are due, at most once each.

        Waits for the backend's rate-limit slot first, then claims the
        transmissions; only the claimed ones are sent. The outcome of each is
        recorded: sent, retry at a later time, or failed.
        """
        ids = list(transmission_ids)
        limit = self.rate_limits.get(backend_name)
        if limit is not None and not self._wait_for_slot(
            limit, backend_name, message_id, ids, kind
        ):
            return
        token, rows = store.claim(ids)
        if not rows:
            return
        message = rows[0].message
        identities = [row.identity for row in rows]
        try:
            result = self.send_to_backend(
                backend_name, message.pk, message.text, identities, message.backend_context
            )
        except MessageSendingError as exc:
            park = not self.is_eager(backend_name)
            retries = self._record(store.record_failure, rows, token, exc, park)
            for retry_at, retry_ids in retries or []:
                self.dispatch_send(backend_name, message_id, retry_ids, kind, eta=retry_at)
        else:
            self._record(store.record_sent, rows, token, gateway_ids(result, identities))

    def _wait_for_slot(
        self, limit: RateLimit, backend_name: str, message_id: int, ids: list[int], kind: str
    ) -> bool:
        """Book a rate-limit slot; return True to send now, False when the task was deferred."""
        text = ""
        if limit.unit == "segments":
            text = Message.objects.filter(pk=message_id).values_list("text", flat=True).first()
        booked, wait = limit.acquire(limit.cost(text or "", len(ids)), RATE_MAX_SLEEP)
        if booked:
            if wait > 0:
                time.sleep(wait)
            return True
        # Spread the returns of tasks deferred together.
        until = timezone.now() + timedelta(seconds=wait * random.uniform(1.0, 1.2))
        parked = wait <= COUNTDOWN_LIMIT and not self.is_eager(backend_name)
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


def gateway_ids(result: Any, identities: Sequence[str]) -> dict[str, str]:
    """Return ``{identity: gateway message id}`` from what ``backend.send()`` returned."""
    if result is None or result is True or result is False:
        return {}
    if isinstance(result, str | int):
        return {identity: str(result) for identity in identities}
    if isinstance(result, dict):
        return {str(key): str(value) for key, value in result.items() if value}
    if isinstance(result, list | tuple) and len(result) == len(identities):
        pairs = zip(identities, result, strict=True)
        return {identity: str(value) for identity, value in pairs if value}
    return {}


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

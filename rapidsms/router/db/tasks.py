"""Celery tasks of the message store.

Every task is acknowledged late and requeued when its worker is lost
(``acks_late``, ``reject_on_worker_lost``): a worker killed in the middle of
a task leaves the task to another worker. That is safe because every task
is idempotent; the database, not the broker, says what is left to do.
Retries are not Celery retries: each transmission's next attempt is stored
and handed to the broker again (see :mod:`rapidsms.router.db.retry`).

Projects load these tasks with ``app.autodiscover_tasks()``, which also
connects :func:`start_sweeps` to the workers' start.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from typing import Any

from celery import shared_task
from celery.signals import worker_ready

from rapidsms.router.db.queues import BULK

logger = logging.getLogger("rapidsms.router.db")

__all__ = [
    "drain_async",
    "prune_async",
    "receive_2x",
    "receive_async",
    "recover_async",
    "send_async",
    "send_transmissions",
]

TASK_OPTIONS = {
    "acks_late": True,
    "reject_on_worker_lost": True,
    "ignore_result": True,
}


@shared_task(name="rapidsms.router.db.drain", **TASK_OPTIONS)
def drain_async() -> int:
    """Route a batch of the stored incoming messages that wait, and store their replies."""
    from rapidsms.router.db.router import store_router

    return store_router().drain_incoming()


@shared_task(name="rapidsms.router.db.receive", **TASK_OPTIONS)
def receive_async(message_id: int) -> None:
    """Route stored incoming message ``message_id`` (tasks queued by earlier versions)."""
    from rapidsms.router.db.router import store_router

    store_router().process_stored_incoming(message_id)


@shared_task(name="rapidsms.router.db.send", **TASK_OPTIONS)
def send_async(
    backend_name: str,
    message_id: int,
    transmission_ids: Sequence[int],
    kind: str = BULK,
) -> None:
    """Send the due transmissions among ``transmission_ids`` through ``backend_name``."""
    from rapidsms.router.db.router import store_router

    store_router().send_stored(backend_name, message_id, transmission_ids, kind)


@shared_task(name="rapidsms.router.db.recover", **TASK_OPTIONS)
def recover_async() -> dict[str, int]:
    """Resume work lost in a crash or a broker restart; run it every minute with beat."""
    from rapidsms.router.db.recovery import recover

    return recover()


@shared_task(name="rapidsms.router.db.tasks.receive_async", **TASK_OPTIONS)
def receive_2x(message_id: int, fields: dict | None = None) -> None:
    """RapidSMS 2.x's receive task, under its name: route stored message ``message_id``.

    Kept so that a worker still routes what a RapidSMS 2.x process queued
    before the upgrade. ``fields`` is not needed: the message's fields are
    stored with it.
    """
    from rapidsms.router.db.router import store_router

    store_router().process_stored_incoming(message_id)


@shared_task(name="rapidsms.router.db.tasks.send_transmissions", **TASK_OPTIONS)
def send_transmissions(
    backend_id: int, message_id: int, transmission_ids: Sequence[int]
) -> None:
    """RapidSMS 2.x's send task, under its name: queue :func:`send_async` instead.

    Kept so that a worker still runs the sends a RapidSMS 2.x process queued
    before the upgrade: the transmissions are sent through the backend row
    ``backend_id`` names, once each, as :func:`send_async` sends them.
    """
    from rapidsms.models import Backend
    from rapidsms.router.db.router import store_router

    backend_name = Backend.objects.filter(pk=backend_id).values_list("name", flat=True).first()
    if backend_name is not None:
        store_router().send_stored(backend_name, message_id, transmission_ids)


@worker_ready.connect(dispatch_uid="rapidsms.router.db.start_sweeps")
def start_sweeps(sender: Any = None, **kwargs: Any) -> None:
    """Have a worker of the store's queues look for work lost with a killed worker.

    Connected to Celery's ``worker_ready`` (``sender`` is the worker's
    consumer); the sweeps run every ``RAPIDSMS_SWEEP_INTERVAL`` seconds.

    * A worker of the incoming queue wakes the workers for messages that
      wait (:func:`rapidsms.router.db.wakeup.sweep`), and once at its start
      for any message that waits: it may replace a worker that died.
    * A worker of send queues, when it has nothing to do, hands its backends'
      due sends to the workers again if they were handed to the broker more
      than :data:`~rapidsms.router.db.wakeup.STALE_AFTER` seconds ago and no
      worker started them. An idle worker would have taken them from its
      queue, so a worker that died holds their task (Redis gives it back
      only after its visibility timeout), or a busy one, which finds them
      sent when it gets to them.

    A worker of other queues, a project without the durable router, or
    ``RAPIDSMS_SWEEP_INTERVAL = 0`` starts nothing. The sweeps run on the
    worker's own timer, not in a task: a task could wait behind the very
    backlog it should rescue.
    """
    from django.core.exceptions import ImproperlyConfigured

    from rapidsms.router.db.conf import get_setting
    from rapidsms.router.db.queues import incoming_queue, send_queue
    from rapidsms.router.db.router import store_router

    interval = float(get_setting("RAPIDSMS_SWEEP_INTERVAL"))
    if sender is None or interval <= 0:
        return
    try:
        router = store_router()
    except ImproperlyConfigured:
        return
    consumed = sender.app.amqp.queues.consume_from
    incoming = incoming_queue() in consumed
    backends = [
        name for name, backend in router.backends.items()
        if send_queue(name, backend) in consumed and not router.runs_here(name)
    ]
    if not incoming and not backends:
        return
    if incoming:
        _sweep(incoming=True, backends=[], waited=0.0)
    sender.timer.call_repeatedly(interval, functools.partial(_sweep, incoming, backends))


def _sweep(incoming: bool, backends: list[str], waited: float | None = None) -> None:
    from celery.worker import state
    from django.db import close_old_connections
    from django.utils import timezone

    from rapidsms.router.db import recovery, wakeup
    from rapidsms.router.db.router import store_router

    # The timer's thread has no request around it to retire a broken connection.
    close_old_connections()
    try:
        router = store_router()
        if incoming:
            wakeup.sweep(
                lambda: router.wake_incoming_workers(force=True),
                wakeup.STALE_AFTER if waited is None else waited,
            )
        if backends and not state.reserved_requests and not state.active_requests:
            recovery.redispatch_outgoing(
                router, timezone.now(), after=wakeup.STALE_AFTER, backends=backends
            )
    except Exception:
        logger.warning("Could not look for work lost with a worker; trying again later.",
                       exc_info=True)


@shared_task(name="rapidsms.router.db.prune", **TASK_OPTIONS)
def prune_async(days: int = 90) -> dict[str, int]:
    """Delete old finished messages and expired gateway ids (``manage.py rapidsms_prune``).

    Run it daily with beat; see the deployment guide. Return how many rows
    of each kind went.
    """
    from rapidsms.management.commands.rapidsms_prune import prune

    return prune(days)

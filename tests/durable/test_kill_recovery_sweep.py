"""The workers' sweeps: a task lost with a killed worker strands no message.

In one process, without a broker; ``test_kill_recovery`` kills real workers.
"""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.utils import timezone

from rapidsms.router import lookup_connections, receive, send
from rapidsms.router.db import inbox, wakeup
from rapidsms.router.db.models import Transmission
from rapidsms.router.db.queues import incoming_queue, send_queue
from rapidsms.router.db.router import DRAIN_TASK, SEND_TASK
from rapidsms.router.db.tasks import start_sweeps

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch) -> list[str]:
    """Record the names of the tasks the router hands to the broker."""
    names: list[str] = []
    monkeypatch.setattr(
        "rapidsms.router.db.router.publish", lambda name, *args, **kwargs: names.append(name)
    )
    return names


@pytest.fixture
def queued_router(store_router, settings):
    """The test router with workers (not eager): messages wait in the store."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.RAPIDSMS_ROUTER = store_router
    return store_router


def wake(router):
    return lambda: router.wake_incoming_workers(force=True)


def age_incoming(seconds: float) -> None:
    """Make every incoming message look as if it arrived ``seconds`` ago."""
    Transmission.objects.filter(direction="I").update(
        date=timezone.now() - timedelta(seconds=seconds)
    )


class FakeConsumer:
    """What ``worker_ready`` hands its receivers: the app's queues and the worker's timer."""

    def __init__(self, *queues: str) -> None:
        consume_from = {name: None for name in queues}
        self.app = SimpleNamespace(amqp=SimpleNamespace(queues=SimpleNamespace(
            consume_from=consume_from)))
        self.repeated: list[tuple[float, object]] = []
        self.timer = SimpleNamespace(
            call_repeatedly=lambda secs, fun: self.repeated.append((secs, fun))
        )


def test_a_message_whose_wakeup_was_lost_is_found_by_the_sweep(queued_router, connect, published):
    receive("echo hi", connect("+15550001")[0])
    assert published == [DRAIN_TASK]  # held by a worker that is then killed
    published.clear()
    receive("echo again", connect("+15550002")[0])
    assert published == []  # the flag says a wake-up is on its way

    assert wakeup.sweep(wake(queued_router)) is False  # not waiting long yet
    age_incoming(wakeup.STALE_AFTER + 1)
    assert wakeup.sweep(wake(queued_router)) is True
    assert published == [DRAIN_TASK]

    assert queued_router.drain_incoming() == 2
    assert wakeup.sweep(wake(queued_router), waited=0) is False  # nothing waits


def test_messages_claimed_by_a_dead_worker_are_found_once_their_lease_runs_out(
    queued_router, connect, published, settings
):
    receive("echo hi", connect("+15550001")[0])
    inbox.claim(10, lease=60)  # the worker that took it dies
    age_incoming(600)
    published.clear()

    assert wakeup.sweep(wake(queued_router)) is False  # its lease still runs
    Transmission.objects.update(claimed_at=timezone.now() - timedelta(seconds=61))
    assert wakeup.sweep(wake(queued_router)) is True
    assert published == [DRAIN_TASK]
    assert queued_router.drain_incoming() == 1


@pytest.mark.django_db(transaction=True)
def test_a_worker_of_the_incoming_queue_sweeps_when_it_starts_and_then_repeatedly(
    queued_router, connect, published, settings
):
    settings.RAPIDSMS_SWEEP_INTERVAL = 3.0
    receive("echo hi", connect("+15550001")[0])
    published.clear()  # lost with the worker that had it
    consumer = FakeConsumer(incoming_queue(), "rapidsms.send.mock")

    start_sweeps(sender=consumer)

    assert published == [DRAIN_TASK]  # a new worker takes what waits, however recent
    [(interval, sweep)] = consumer.repeated
    assert interval == 3.0
    published.clear()
    sweep()
    assert published == []  # the message has not waited long yet
    age_incoming(wakeup.STALE_AFTER + 1)
    sweep()
    assert published == [DRAIN_TASK]


def test_other_workers_and_a_zero_interval_start_no_sweep(queued_router, settings, published):
    other = FakeConsumer("celery")
    start_sweeps(sender=other)
    assert other.repeated == []

    settings.RAPIDSMS_SWEEP_INTERVAL = 0
    incoming = FakeConsumer(incoming_queue())
    start_sweeps(sender=incoming)
    assert incoming.repeated == []


def age_outgoing(seconds: float) -> None:
    """Make every outgoing transmission look as if it was handed to the broker ``seconds`` ago."""
    then = timezone.now() - timedelta(seconds=seconds)
    Transmission.objects.filter(direction="O").update(dispatched_at=then, next_attempt_at=then)


@pytest.mark.django_db(transaction=True)
def test_an_idle_send_worker_hands_over_the_sends_a_dead_worker_held(
    queued_router, settings, published, monkeypatch
):
    send("news", lookup_connections("mock", ["+15550001"]))
    send("news", lookup_connections("other", ["+15550002"]))
    assert published == [SEND_TASK, SEND_TASK]  # then held by a worker that is killed
    published.clear()
    consumer = FakeConsumer(send_queue("mock"))
    start_sweeps(sender=consumer)
    [(_, sweep)] = consumer.repeated

    sweep()
    assert published == []  # just handed to the broker: it may be in the queue
    age_outgoing(wakeup.STALE_AFTER + 1)
    monkeypatch.setattr("celery.worker.state.active_requests", {"a request"})
    sweep()
    assert published == []  # busy: its queue may have a backlog
    monkeypatch.setattr("celery.worker.state.active_requests", set())
    sweep()
    assert published == [SEND_TASK]  # for "mock", whose queue the worker serves; not "other"
    published.clear()
    sweep()
    assert published == []  # handed over again just now


def test_a_project_without_the_durable_router_starts_no_sweep(settings):
    settings.RAPIDSMS_ROUTER = "rapidsms.router.blocking.BlockingRouter"
    consumer = FakeConsumer(incoming_queue())
    start_sweeps(sender=consumer)
    assert consumer.repeated == []


@pytest.mark.django_db(transaction=True)
def test_a_failing_sweep_is_logged_and_tried_again_later(queued_router, settings, monkeypatch,
                                                         caplog):
    settings.RAPIDSMS_SWEEP_INTERVAL = 3.0

    def broken(waited: float) -> bool:
        raise RuntimeError("database unavailable")

    monkeypatch.setattr(wakeup, "overdue", broken)
    consumer = FakeConsumer(incoming_queue())
    start_sweeps(sender=consumer)  # does not raise: the worker starts

    assert "Could not look for work lost with a worker" in caplog.text
    assert len(consumer.repeated) == 1

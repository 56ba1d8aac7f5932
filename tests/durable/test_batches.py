"""Batches: one wake-up for many messages, whole batches stored at once, crashes mid-claim."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from rapidsms.apps.base import AppBase
from rapidsms.errors import MessageSendingError
from rapidsms.router import receive, send
from rapidsms.router.db import store, wakeup
from rapidsms.router.db.models import Message, Transmission, Wakeup
from rapidsms.router.db.recovery import NOT_TRIED, UNKNOWN_OUTCOME, recover
from rapidsms.router.db.router import DRAIN_TASK, DatabaseRouter
from rapidsms.router.db.status import Status
from tests.durable.backend import ScriptedBackend

pytestmark = pytest.mark.django_db


@pytest.fixture
def published(monkeypatch) -> list[tuple]:
    """Record what the router hands to the broker instead of publishing it."""
    calls: list[tuple] = []
    monkeypatch.setattr(
        "rapidsms.router.db.router.publish", lambda *args, **kwargs: calls.append(args)
    )
    return calls


@pytest.fixture
def queued_router(store_router, settings):
    """The test router, with workers (not eager): messages wait in the store."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.RAPIDSMS_ROUTER = store_router
    return store_router


def queued_router_with(settings, *apps) -> DatabaseRouter:
    """Install a durable router of ``apps`` whose stored messages wait for a batch call.

    Nothing is handed to a broker: no wake-ups, and the sends are only stored.
    """
    router = DatabaseRouter(apps=list(apps), backends={"mock": {"ENGINE": ScriptedBackend}})
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.RAPIDSMS_ROUTER = router
    router.wake_incoming_workers = lambda force=False: False
    router.dispatch_send = lambda *args, **kwargs: None
    return router


def test_a_wakeup_is_published_once_until_a_worker_starts_on_it():
    sent: list[str] = []

    def publish():
        sent.append("task")

    assert wakeup.request("q", publish) is True
    assert wakeup.request("q", publish) is False  # one is on its way already
    wakeup.clear("q")  # a worker started on it
    assert wakeup.request("q", publish) is True
    assert wakeup.request("q", publish, force=True) is True  # the recovery task
    Wakeup.objects.update(requested_at=timezone.now() - timedelta(seconds=60))
    assert wakeup.request("q", publish) is True  # its task was lost: ask again
    assert sent == ["task"] * 4


def test_many_messages_cost_one_wakeup_and_one_drain(queued_router, connect, published):
    phones = connect(*[f"+1555000{i}" for i in range(5)])
    for phone in phones:
        receive("echo hi", phone)
    assert [task for task, *_ in published] == [DRAIN_TASK]

    published.clear()
    assert queued_router.drain_incoming() == 5
    assert Transmission.objects.filter(direction="I", status=Status.HANDLED).count() == 5
    # Five replies: one send task (RAPIDSMS_REPLY_BATCH_SIZE is 20).
    assert [task for task, *_ in published] == ["rapidsms.router.db.send"]

    published.clear()
    receive("echo again", phones[0])  # the flag was cleared by the drain
    assert [task for task, *_ in published] == [DRAIN_TASK]


def test_a_message_that_arrives_as_a_drain_ends_is_taken_without_a_wakeup(
    queued_router, connect, published, monkeypatch
):
    phones = connect("+15550001", "+15550002")
    receive("echo one", phones[0])
    published.clear()
    real_clear = wakeup.clear

    late: list[bool] = []

    def clear_after_a_late_message(queue: str) -> None:
        if not late:
            late.append(True)
            receive("echo late", phones[1])  # the flag is still set: nothing is published
        real_clear(queue)

    monkeypatch.setattr(wakeup, "clear", clear_after_a_late_message)
    assert queued_router.drain_incoming() == 2
    assert DRAIN_TASK not in [task for task, *_ in published]
    assert Transmission.objects.filter(direction="I", status=Status.HANDLED).count() == 2


def test_a_full_batch_wakes_another_worker_for_the_rest(
    queued_router, connect, published, settings
):
    settings.RAPIDSMS_INCOMING_BATCH_SIZE = 2
    for phone in connect(*[f"+1555000{i}" for i in range(5)]):
        receive("echo hi", phone)
    published.clear()

    # This drain goes on until nothing waits, and woke one other worker to help
    # (one, not one per full batch: tasks must not pile up behind a backlog).
    assert queued_router.drain_incoming() == 5
    assert [task for task, *_ in published].count(DRAIN_TASK) == 1


class BadReplyApp(AppBase):
    """Answers "bad" with a reply whose fields cannot be stored."""

    def handle(self, msg):
        if msg.text == "bad":
            msg.respond("unstorable", fields={"blob": object()})
            return True
        return False


def test_a_reply_that_cannot_be_stored_does_not_spoil_its_batch(settings, connect):
    router = queued_router_with(settings, BadReplyApp, "rapidsms.contrib.handlers")
    first, second, third = connect("+15550001", "+15550002", "+15550003")
    receive("echo one", first)
    receive("bad", second)
    receive("echo three", third)

    assert router.process_incoming_batch() == 3

    assert Transmission.objects.filter(direction="I", status=Status.HANDLED).count() == 3
    assert sorted(Message.objects.filter(direction="O").values_list("text", flat=True)) == [
        "one",
        "three",
    ]


def test_the_message_log_writes_a_whole_batch_with_one_insert(settings, connect):
    from rapidsms.contrib.messagelog.models import Message as LogRow

    router = queued_router_with(
        settings, "rapidsms.contrib.messagelog", "rapidsms.contrib.handlers"
    )
    phones = connect(*[f"+1555000{i}" for i in range(5)])
    receive("echo warm up", phones[0])
    router.process_incoming_batch()  # the log learns that this router batches
    for phone in phones:
        receive("echo hello", phone)

    with CaptureQueriesContext(connection) as queries:
        assert router.process_incoming_batch() == 5

    table = LogRow._meta.db_table
    inserts = [q["sql"] for q in queries if q["sql"].startswith(f'INSERT INTO "{table}"')]
    assert len(inserts) == 1
    assert LogRow.objects.count() == 2 + 10  # the warm-up, then 5 messages and 5 replies


def test_a_dead_workers_claim_loses_only_the_message_it_was_sending(
    store_router, mock_backend, connect, settings
):
    settings.RAPIDSMS_SEND_LEASE = 60
    settings.RAPIDSMS_ROUTER = store_router
    first, second, third = connect("+15550001", "+15550002", "+15550003")
    mock_backend.failures += [RuntimeError("down")] * 3  # nothing goes out at first
    for conn in (first, second, third):
        send(f"hello {conn.identity}", conn)
    outgoing = Transmission.objects.filter(direction="O").order_by("pk")
    ids = list(outgoing.values_list("pk", flat=True))
    Transmission.objects.update(status=Status.QUEUED, next_attempt_at=timezone.now())
    store.claim(ids)  # one worker claims all three, sends the first, and dies
    Transmission.objects.update(claimed_at=timezone.now() - timedelta(seconds=61))

    recover(store_router)

    rows = {t.pk: t for t in Transmission.objects.filter(direction="O")}
    assert rows[ids[0]].status == Status.UNKNOWN
    assert rows[ids[0]].last_error == UNKNOWN_OUTCOME
    assert [rows[pk].status for pk in ids[1:]] == [Status.SENT, Status.SENT]
    assert all(rows[pk].events.filter(detail=NOT_TRIED).exists() for pk in ids[1:])
    assert sorted(text for _, text, _, _ in mock_backend.sent) == [
        "hello +15550002",
        "hello +15550003",
    ]


def test_a_failing_gateway_stops_a_batch_and_the_rest_waits_untried(
    store_router, mock_backend, connect, monkeypatch
):
    phones = connect("+15550001", "+15550002", "+15550003")
    monkeypatch.setattr(store_router, "dispatch_send", lambda *args, **kwargs: None)
    for phone in phones:
        send(f"hello {phone.identity}", phone)
    ids = list(Transmission.objects.order_by("pk").values_list("pk", flat=True))
    monkeypatch.undo()
    mock_backend.failures.append(MessageSendingError("gateway down", retryable=True))

    store_router.send_stored("mock", None, ids, "reply")

    rows = [Transmission.objects.get(pk=pk) for pk in ids]
    assert [row.status for row in rows] == [Status.RETRY, Status.QUEUED, Status.QUEUED]
    assert [row.attempts for row in rows] == [1, 0, 0]
    assert mock_backend.sent == []  # the two others were not tried against a failing gateway

    Transmission.objects.update(next_attempt_at=timezone.now())
    recover(store_router)
    assert sorted(text for _, text, _, _ in mock_backend.sent) == [
        "hello +15550001",
        "hello +15550002",
        "hello +15550003",
    ]


class SlowApp(AppBase):
    """Takes its time over every message, and records what another worker could claim."""

    others_claimed: list[int] = []

    def handle(self, msg):
        import time

        from rapidsms.router.db import inbox

        time.sleep(0.35)
        _, rows = inbox.claim(10, 1.0)  # another worker looking for expired claims
        SlowApp.others_claimed.append(len(rows))
        return False


def test_a_slow_batch_renews_its_claim_so_no_other_worker_takes_it(settings, connect):
    settings.RAPIDSMS_PROCESSING_LEASE = 1.0
    router = queued_router_with(settings, SlowApp, "rapidsms.contrib.handlers")
    for phone in connect(*[f"+1555000{i}" for i in range(4)]):
        receive("echo slowly", phone)
    SlowApp.others_claimed = []

    assert router.process_incoming_batch() == 4  # 1.4 s: longer than the lease

    assert SlowApp.others_claimed == [0, 0, 0, 0]
    assert Transmission.objects.filter(direction="I", status=Status.HANDLED).count() == 4
    assert Message.objects.filter(direction="O").count() == 4

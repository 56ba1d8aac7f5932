"""The durable router in eager mode: everything in one process, on any database."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from django.utils import timezone

from rapidsms.errors import MessageSendingError
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.router import receive, send
from rapidsms.router.db import store
from rapidsms.router.db.models import BackendThrottle, Message, Transmission, TransmissionEvent
from rapidsms.router.db.recovery import recover
from rapidsms.router.db.status import Direction, Status
from tests.durable.backend import ScriptedBackend

pytestmark = pytest.mark.django_db


def outgoing() -> list[Transmission]:
    return list(Transmission.objects.filter(direction=Direction.OUTGOING).order_by("pk"))


def test_incoming_is_stored_handled_and_answered_once(store_router, mock_backend, connect):
    (conn,) = connect("+15550001")
    msg = receive("echo hello", conn, fields={"external_id": "gw-in-1"})

    incoming = Transmission.objects.get(direction=Direction.INCOMING)
    assert incoming.status == Status.HANDLED
    assert msg.id == incoming.message_id
    assert incoming.message.external_id == "gw-in-1"
    (reply,) = outgoing()
    assert reply.status == Status.SENT
    assert reply.attempts == 1
    assert reply.message.in_response_to_id == msg.id
    assert reply.gateway_message_id == f"gw-{reply.message_id}-+15550001"
    assert mock_backend.sent == [
        (
            reply.message_id,
            "hello",
            ["+15550001"],
            {"in_response_to": msg.id, "external_id": "gw-in-1"},
        )
    ]


def test_a_failing_app_marks_the_message_errored_and_the_replies_still_go(
    store_router, mock_backend, connect
):
    (conn,) = connect("+15550001")
    receive("echo boom", conn)

    incoming = Transmission.objects.get(direction=Direction.INCOMING)
    assert incoming.status == Status.ERRORED
    assert "BoomApp" in incoming.last_error or "kaboom" in incoming.last_error
    assert [text for _, text, _, _ in mock_backend.sent] == ["boom"]


def test_a_message_another_worker_finished_meanwhile_is_not_answered_again(
    store_router, mock_backend, connect, monkeypatch
):
    (conn,) = connect("+15550001")
    msg = receive("echo once", conn)
    assert len(outgoing()) == 1
    # A crash left it unfinished; two workers now run it at the same time,
    # and the other one takes it over and finishes while this one is still
    # in the apps (its claim had expired).
    Transmission.objects.filter(message_id=msg.id).update(status=Status.PROCESSING)
    phases = store_router.process_incoming_phases

    def racing(message):
        result = phases(message)
        Transmission.objects.filter(message_id=message.id).update(
            status=Status.HANDLED, claim_token=None
        )
        return result

    monkeypatch.setattr(store_router, "process_incoming_phases", racing)
    store_router.process_stored_incoming(msg.id)
    monkeypatch.undo()
    store_router.process_stored_incoming(msg.id)  # already handled: skipped

    assert len(outgoing()) == 1
    assert len(mock_backend.sent) == 1


def test_a_batch_routes_every_waiting_message_and_stores_the_replies_together(
    store_router, mock_backend, connect, settings, django_assert_max_num_queries
):
    settings.CELERY_TASK_ALWAYS_EAGER = False  # store only: no broker, nothing processed
    settings.RAPIDSMS_INCOMING_BATCH_SIZE = 30
    settings.RAPIDSMS_REPLY_BATCH_SIZE = 10
    settings.RAPIDSMS_ROUTER = store_router
    store_router.wake_incoming_workers = lambda force=False: False
    connections = connect(*[f"+1555{i:07d}" for i in range(40)])
    for index, conn in enumerate(connections):
        receive(f"echo number {index}", conn)
    sends = []
    store_router.dispatch_send = lambda *args, **kwargs: sends.append(args)

    # The claim (2), the transaction storing 30 replies and the statuses (6) and the
    # one around the signals (2): a dozen statements for the batch, not a dozen per message.
    with django_assert_max_num_queries(12):
        assert store_router.process_incoming_batch() == 30
    assert store_router.process_incoming_batch() == 10
    assert store_router.process_incoming_batch() == 0

    assert Transmission.objects.filter(direction="I", status=Status.HANDLED).count() == 40
    replies = Message.objects.filter(direction="O")
    assert sorted(replies.values_list("text", flat=True)) == sorted(
        f"number {index}" for index in range(40)
    )
    assert all(reply.in_response_to.text == f"echo {reply.text}" for reply in replies)
    # Replies go out in tasks of at most 10, each on the reply priority.
    assert [len(ids) for _, _, ids, _ in sends] == [10, 10, 10, 10]
    assert {kind for *_, kind in sends} == {"reply"}


def test_a_message_claimed_by_a_worker_that_died_is_taken_over_after_the_lease(
    store_router, mock_backend, connect, settings
):
    from rapidsms.router.db import inbox

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.RAPIDSMS_PROCESSING_LEASE = 60
    settings.RAPIDSMS_ROUTER = store_router
    store_router.wake_incoming_workers = lambda force=False: False
    (conn,) = connect("+15550001")
    receive("echo hello", conn)
    _, claimed = inbox.claim(10, 60)  # a worker claims it, then dies
    assert len(claimed) == 1

    assert store_router.process_incoming_batch() == 0  # still within the lease
    Transmission.objects.update(claimed_at=timezone.now() - timedelta(seconds=61))
    settings.CELERY_TASK_ALWAYS_EAGER = True
    assert store_router.process_incoming_batch() == 1

    assert [text for _, text, _, _ in mock_backend.sent] == ["hello"]
    assert Transmission.objects.get(direction="I").status == Status.HANDLED


def test_a_custom_message_class_survives_the_store(store_router, connect):
    class LoudMessage(IncomingMessage):
        pass

    (conn,) = connect("+15550001")
    msg = receive("echo hi", conn, class_=LoudMessage)
    dbm = Message.objects.get(pk=msg.id)
    assert dbm.message_class.endswith("LoudMessage")

    transmissions = list(Transmission.objects.filter(message_id=msg.id))
    rebuilt = store.rebuild_incoming(transmissions[0].message, transmissions)
    # A class defined in a function cannot be imported back: the default is used, not an error.
    assert type(rebuilt) is IncomingMessage
    assert rebuilt.id == msg.id and rebuilt.text == "echo hi"


def test_fields_that_are_not_json_are_refused_clearly(store_router, connect):
    (conn,) = connect("+15550001")
    with pytest.raises(ValueError, match="fields cannot be stored as JSON"):
        receive("echo hi", conn, fields={"blob": object()})
    assert not Message.objects.exists()


def test_bulk_send_is_one_backend_call_and_one_transmission_per_connection(
    store_router, mock_backend, connect
):
    conns = connect("+15550001", "+15550002", "+15550003")
    msg = send("meeting at 5", conns)

    assert msg.database_message.direction == Direction.OUTGOING
    assert [t.status for t in outgoing()] == [Status.SENT] * 3
    assert len(mock_backend.sent) == 1
    assert mock_backend.sent[0][2] == ["+15550001", "+15550002", "+15550003"]


def test_an_unknown_backend_fails_its_transmissions_and_the_others_still_go(
    store_router, mock_backend, connect
):
    (known,) = connect("+15550001")
    (unknown,) = connect("+15550009", backend="nowhere")
    with pytest.raises(MessageSendingError) as error:
        send("hello", [known, unknown])

    assert error.value.failed_identities == ["+15550009"]
    assert error.value.retryable is False
    statuses = {t.identity: (t.status, t.last_error) for t in outgoing()}
    assert statuses["+15550001"][0] == Status.SENT
    assert statuses["+15550009"][0] == Status.FAILED
    assert "nowhere" in statuses["+15550009"][1]


def test_a_permanent_failure_fails_at_once_with_the_gateways_reason(
    store_router, mock_backend, connect
):
    mock_backend.failures.append(
        MessageSendingError("gateway answered 400: invalid destination", retryable=False)
    )
    (conn,) = connect("+15550001")
    send("hello", conn)

    (transmission,) = outgoing()
    assert transmission.status == Status.FAILED
    assert transmission.attempts == 1
    assert "invalid destination" in transmission.last_error
    assert transmission.next_attempt_at is None
    assert recover(store_router) == {"stale_sends": 0, "incoming": 0, "outgoing": 0}
    assert mock_backend.sent == []


def test_a_retryable_failure_waits_for_retry_after_then_sends_once(
    store_router, mock_backend, connect
):
    error = MessageSendingError("gateway answered 429: slow down", retryable=True)
    error.retry_after = "120"
    mock_backend.failures.append(error)
    (conn,) = connect("+15550001")
    before = timezone.now()
    send("hello", conn)

    (transmission,) = outgoing()
    assert transmission.status == Status.RETRY
    assert transmission.attempts == 1
    assert transmission.next_attempt_at >= before + timedelta(seconds=119)
    assert "slow down" in transmission.last_error

    recover(store_router)  # not due yet: nothing happens
    assert mock_backend.sent == []

    Transmission.objects.filter(pk=transmission.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert recover(store_router)["outgoing"] == 1
    transmission.refresh_from_db()
    assert transmission.status == Status.SENT
    assert transmission.attempts == 2
    assert len(mock_backend.sent) == 1
    assert list(transmission.events.values_list("status", flat=True)) == [
        Status.RETRY,
        Status.SENT,
    ]


def test_a_partial_failure_retries_only_the_failed_identities(
    store_router, mock_backend, connect
):
    mock_backend.failures.append(
        MessageSendingError("timeout", failed_identities=["+15550002"], retryable=True)
    )
    conns = connect("+15550001", "+15550002")
    send("hello", conns)

    statuses = {t.identity: t.status for t in outgoing()}
    assert statuses == {"+15550001": Status.SENT, "+15550002": Status.RETRY}


def test_retries_stop_after_the_maximum_attempts(store_router, mock_backend, connect, settings):
    settings.RAPIDSMS_RETRY_MAX_ATTEMPTS = 2
    settings.RAPIDSMS_ROUTER = store_router
    mock_backend.failures += [MessageSendingError("down", retryable=True) for _ in range(2)]
    (conn,) = connect("+15550001")
    send("hello", conn)
    Transmission.objects.update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    recover(store_router)

    (transmission,) = outgoing()
    assert transmission.status == Status.FAILED
    assert transmission.attempts == 2
    assert transmission.last_error.startswith("gave up after 2 attempts")


def test_retries_stop_at_the_maximum_age(store_router, mock_backend, connect, settings):
    settings.RAPIDSMS_RETRY_MAX_AGE = 60
    settings.RAPIDSMS_ROUTER = store_router
    error = MessageSendingError("down", retryable=True)
    error.retry_after = 3600
    mock_backend.failures.append(error)
    (conn,) = connect("+15550001")
    send("hello", conn)

    (transmission,) = outgoing()
    assert transmission.status == Status.FAILED
    assert "maximum age" in transmission.last_error


def test_the_send_once_guard_claims_a_transmission_once(store_router, mock_backend, connect):
    (conn,) = connect("+15550001")
    error = MessageSendingError("down", retryable=True)
    mock_backend.failures.append(error)
    msg = send("hello", conn)
    (transmission,) = outgoing()
    Transmission.objects.update(next_attempt_at=timezone.now())

    token, first = store.claim([transmission.pk])
    _, second = store.claim([transmission.pk])
    assert [row.pk for row in first] == [transmission.pk]
    assert second == []
    # A duplicate task for a transmission another worker holds sends nothing.
    store_router.send_stored("mock", msg.id, [transmission.pk])
    assert mock_backend.sent == []
    store.record_sent(first, token, {})
    store_router.send_stored("mock", msg.id, [transmission.pk])
    assert mock_backend.sent == []


def test_a_send_left_unfinished_by_a_dead_worker_is_never_sent_again(
    store_router, mock_backend, connect, settings
):
    settings.RAPIDSMS_SEND_LEASE = 60
    settings.RAPIDSMS_ROUTER = store_router
    mock_backend.failures.append(MessageSendingError("down", retryable=True))
    (conn,) = connect("+15550001")
    send("hello", conn)
    (transmission,) = outgoing()
    Transmission.objects.update(next_attempt_at=timezone.now())
    store.claim([transmission.pk])  # the worker dies right after claiming

    assert recover(store_router)["stale_sends"] == 0  # the lease has not run out
    Transmission.objects.update(claimed_at=timezone.now() - timedelta(seconds=61))
    assert recover(store_router)["stale_sends"] == 1

    transmission.refresh_from_db()
    assert transmission.status == Status.UNKNOWN
    assert transmission.last_error.startswith("outcome unknown")
    assert mock_backend.sent == []


def test_a_gateway_that_drops_duplicates_may_resend_unconfirmed_sends(
    store_router, mock_backend, connect, settings
):
    mock_backend._config["router.resend_unconfirmed"] = True
    mock_backend.failures.append(MessageSendingError("down", retryable=True))
    (conn,) = connect("+15550001")
    send("hello", conn)
    Transmission.objects.update(next_attempt_at=timezone.now())
    (transmission,) = outgoing()
    store.claim([transmission.pk])
    Transmission.objects.update(claimed_at=timezone.now() - timedelta(hours=1))

    recover(store_router)  # expires the claim, then sends it again
    transmission.refresh_from_db()
    assert transmission.status == Status.SENT
    assert len(mock_backend.sent) == 1


def test_the_store_is_what_the_router_keeps_no_message_in_memory(store_router, connect):
    (conn,) = connect("+15550001")
    msg = receive("echo hi", conn)
    assert msg.dbm.pk == msg.id
    assert TransmissionEvent.objects.filter(status=Status.SENT).count() == 1
    assert Message.objects.get(pk=msg.id).status == Status.HANDLED


def test_a_rate_limit_books_slots_shared_through_the_database(store_router):
    from rapidsms.router.db.ratelimit import RateLimit

    limit = RateLimit("mock", rate=10)
    started = time.monotonic()
    assert limit.acquire(1, max_wait=1) == (True, 0)

    def about(expected: float, wait: float) -> bool:
        """``wait`` is ``expected`` from the first booking, less the time since (a busy machine)."""
        elapsed = time.monotonic() - started
        return expected - elapsed - 0.02 <= wait <= expected + 0.02

    booked, wait = limit.acquire(5, max_wait=1)
    assert booked and about(0.1, wait), wait
    booked, wait = limit.acquire(1, max_wait=0.3)  # the slot is 0.6 s away: not booked
    assert not booked and about(0.6, wait), wait
    booked, wait = limit.acquire(1, max_wait=1)  # nothing was lost by the refusal
    assert booked and about(0.6, wait), wait
    by_segments = RateLimit("other", rate=10, unit="segments")
    assert by_segments.cost("x" * 200, recipients=3) == 6  # two SMS each
    assert by_segments.cost("ж" * 71, recipients=1) == 2  # UCS-2: 70 per SMS


def test_a_send_beyond_the_rate_waits_for_its_slot(settings, connect):
    from rapidsms.router.db.router import DatabaseRouter

    router = DatabaseRouter(
        apps=[], backends={"slow": {"ENGINE": ScriptedBackend, "router.rate": 0.5}}
    )
    settings.RAPIDSMS_ROUTER = router
    backend = router.backends["slow"]
    assert router.batches("slow", [1, 2, 3]) == [[1], [2], [3]]
    conns = connect("+15550001", "+15550002", backend="slow")
    send("one", conns[0])  # the first slot is free
    send("two", conns[1])  # the next one is two seconds away: deferred, not slept on

    assert [text for _, text, _, _ in backend.sent] == ["one"]
    waiting = Transmission.objects.get(identity="+15550002")
    assert waiting.status == Status.QUEUED
    assert waiting.next_attempt_at > timezone.now() + timedelta(seconds=1)
    # Two seconds later:
    Transmission.objects.filter(pk=waiting.pk).update(next_attempt_at=timezone.now())
    BackendThrottle.objects.update(next_free_at=timezone.now())
    recover(router)
    waiting.refresh_from_db()
    assert waiting.status == Status.SENT


def test_a_bad_rate_is_a_configuration_error_naming_the_backend(settings):
    from django.core.exceptions import ImproperlyConfigured

    from rapidsms.router.db.router import DatabaseRouter

    message = r"INSTALLED_BACKENDS\['slow'\]\['router.rate'\]"
    with pytest.raises(ImproperlyConfigured, match=message):
        DatabaseRouter(apps=[], backends={"slow": {"ENGINE": ScriptedBackend, "router.rate": -1}})


def test_replies_and_bulk_get_the_broker_priorities_that_serve_replies_first():
    from types import SimpleNamespace

    from rapidsms.router.db.queues import BULK, REPLY, broker_priority, send_queue

    redis = SimpleNamespace(conf=SimpleNamespace(broker_write_url="redis://h/0", broker_url=""))
    rabbit = SimpleNamespace(conf=SimpleNamespace(broker_write_url="amqp://h//", broker_url=""))
    # Redis serves the lowest number first, RabbitMQ the highest.
    assert broker_priority(REPLY, redis) < broker_priority(BULK, redis)
    assert broker_priority(REPLY, rabbit) > broker_priority(BULK, rabbit)
    assert send_queue("my gateway/1") == "rapidsms.send.my_gateway_1"

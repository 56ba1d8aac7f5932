"""RapidPro under the durable router: its transmissions are the queue, its retries RapidPro's.

The sandbox answers over real HTTP; the router is the eager ``DatabaseRouter``,
whose retries wait for the recovery task (run here by hand once they are due).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.db.models import F
from django.utils import timezone

from rapidsms.backends.rapidpro import RapidProBackend
from rapidsms.backends.rapidpro.models import OutboxEntry, RapidProContact, RateLimitState
from rapidsms.backends.rapidpro.poller import StatusPoller
from rapidsms.backends.rapidpro.sandbox import Sandbox
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.router import lookup_connections, send
from rapidsms.router.db.models import Transmission
from rapidsms.router.db.recovery import recover
from rapidsms.router.db.status import Direction, Status
from tests.rapidpro.conftest import SECRET, TOKEN, RecordingApp, urns

pytestmark = pytest.mark.django_db


@pytest.fixture
def durable(sandbox: Sandbox, settings: Any) -> Iterator[Callable[..., RapidProBackend]]:
    """Return ``install(**options)``: an eager durable router with RapidPro on the sandbox."""
    from rapidsms.router.db.router import DatabaseRouter

    built: list[RapidProBackend] = []

    def install(**options: Any) -> RapidProBackend:
        settings.CELERY_TASK_ALWAYS_EAGER = True
        settings.RAPIDSMS_RETRY_BASE_DELAY = 1.0
        router = DatabaseRouter(apps=[RecordingApp], backends={"rapidpro": {
            "ENGINE": RapidProBackend, "url": sandbox.url, "api_token": TOKEN,
            "inbound_secrets": [SECRET], "rate_limit": "100000/h", **options,
        }})
        settings.RAPIDSMS_ROUTER = router
        backend = router.backends["rapidpro"]
        backend.client.sleep = lambda seconds: None
        built.append(backend)
        return backend

    yield install
    for backend in built:
        assert "flusher" not in backend.__dict__, "the outbox's thread must not start"
        backend.session.close()


def outgoing() -> list[Transmission]:
    return list(Transmission.objects.filter(direction=Direction.OUTGOING).order_by("pk"))


def statuses() -> Counter[str]:
    return Counter(t.status for t in outgoing())


def run_due_retries() -> None:
    """Make every waiting retry due now and let the recovery task send it."""
    Transmission.objects.filter(status=Status.RETRY).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1), dispatched_at=None
    )
    recover()


def test_a_bulk_send_is_transmissions_coalesced_into_broadcasts(durable, sandbox) -> None:
    durable()
    send("Vaccination day on Monday", lookup_connections("rapidpro", urns(250)))
    assert statuses() == Counter({Status.SENT: 250})
    sizes = [len(r.body["urns"]) for r in sandbox.requests if r.endpoint == "broadcasts"]
    assert sorted(sizes) == [50, 100, 100]
    assert Counter(sandbox.received_urns()) == Counter(urns(250))
    # The outbox only lists what the status poller follows: nothing waits in it.
    assert set(OutboxEntry.objects.values_list("status", flat=True)) == {OutboxEntry.ACCEPTED}


def test_an_outage_is_retried_by_the_router_and_sends_nothing_twice(durable, sandbox) -> None:
    durable(max_retries=0)
    sandbox.fail_next(503, method="POST", endpoint="broadcasts")
    send("Clinic closed today", lookup_connections("rapidpro", urns(3)))
    rows = outgoing()
    assert {(t.status, t.attempts) for t in rows} == {(Status.RETRY, 1)}
    assert "503" in rows[0].last_error
    assert not OutboxEntry.objects.exists()
    run_due_retries()
    assert statuses() == Counter({Status.SENT: 3})
    assert Counter(sandbox.received_urns()) == Counter(urns(3))


def test_a_429_defers_without_using_an_attempt(durable, sandbox) -> None:
    durable()
    sandbox.fail_next(429, retry_after=120, method="POST", endpoint="broadcasts")
    before = timezone.now()
    send("Clinic closed today", lookup_connections("rapidpro", urns(2)))
    rows = outgoing()
    assert {(t.status, t.attempts) for t in rows} == {(Status.RETRY, 0)}
    assert all(t.next_attempt_at >= before + timedelta(seconds=120) for t in rows)
    run_due_retries()  # the pause every process keeps is not over yet
    assert {(t.status, t.attempts) for t in outgoing()} == {(Status.RETRY, 0)}
    RateLimitState.objects.update(paused_until=None)  # two minutes later
    run_due_retries()
    assert statuses() == Counter({Status.SENT: 2})


def test_a_spent_request_budget_defers_the_rest(durable, sandbox) -> None:
    durable(rate_limit="1/h", rate_limit_wait=0)
    connection = lookup_connections("rapidpro", urns(1))
    send("first", connection)
    send("second", connection)
    first, second = outgoing()
    assert (first.status, second.status, second.attempts) == (Status.SENT, Status.RETRY, 0)
    assert "budget" in second.last_error
    assert sandbox.count("POST", "broadcasts") == 1


def test_a_400_for_one_urn_refuses_only_that_recipient(durable, sandbox) -> None:
    durable()
    recipients = urns(10)
    sandbox.workspace.reject_urns.add(recipients[4])
    send("Hello", lookup_connections("rapidpro", recipients))
    by_identity = {t.identity: t for t in outgoing()}
    assert by_identity[recipients[4]].status == Status.FAILED
    assert "Invalid URN" in by_identity[recipients[4]].last_error
    assert {by_identity[u].status for u in recipients if u != recipients[4]} == {Status.SENT}
    assert sorted(sandbox.received_urns()) == sorted(recipients[:4] + recipients[5:])


def test_no_answer_is_never_sent_again_and_the_poller_settles_it(durable, sandbox) -> None:
    backend = durable(read_timeout=0.3)
    sandbox.delay_next(1.0, method="POST", endpoint="broadcasts")
    send("Results are ready", lookup_connections("rapidpro", urns(2)))
    assert {t.status for t in outgoing()} == {Status.FAILED}
    assert "may have it" in outgoing()[0].last_error
    run_due_retries()
    assert sandbox.count("POST", "broadcasts") == 1
    # RapidPro did take it: the status poller finds it and reports it delivered.
    assert set(OutboxEntry.objects.values_list("status", flat=True)) == {OutboxEntry.UNKNOWN}
    sandbox.workspace.set_status("delivered", urns=set(urns(2)))
    StatusPoller(backend).poll()
    assert {t.status for t in outgoing()} == {Status.DELIVERED}


def test_a_reply_to_a_known_contact_is_a_message_followed_to_delivery(durable, sandbox) -> None:
    backend = durable()
    connection = lookup_connections("rapidpro", ["tel:+250788123123"])[0]
    contact = sandbox.workspace.contact_for_urn("tel:+250788123123")
    RapidProContact.objects.create(connection=connection, contact_uuid=contact.uuid)
    send("Thanks, registered", connection, in_response_to=IncomingMessage(
        connections=[connection], text="hi"))
    (row,) = outgoing()
    assert (sandbox.count("POST", "messages"), sandbox.count("POST", "broadcasts")) == (1, 0)
    assert row.status == Status.SENT and row.gateway_message_id
    sandbox.workspace.set_status("delivered", urns={"tel:+250788123123"})
    StatusPoller(backend).poll()
    row.refresh_from_db()
    assert row.status == Status.DELIVERED


def test_a_reply_to_a_deleted_contact_reaches_its_urn(durable, sandbox) -> None:
    durable()
    connection = lookup_connections("rapidpro", ["tel:+250788123123"])[0]
    RapidProContact.objects.create(connection=connection,
                                   contact_uuid="9a0c6e5e-0000-4000-8000-00000000dead")
    send("Thanks", connection, in_response_to=IncomingMessage(connections=[connection],
                                                              text="hi"))
    assert outgoing()[0].status == Status.SENT
    assert sandbox.received_urns() == ["tel:+250788123123"]
    assert not RapidProContact.objects.exists()


def test_a_bad_token_fails_for_good(durable, sandbox) -> None:
    durable(api_token="wrong-token-value")
    send("Hello", lookup_connections("rapidpro", urns(2)))
    rows = outgoing()
    assert {(t.status, t.attempts) for t in rows} == {(Status.FAILED, 1)}
    assert "API token" in rows[0].last_error and "wrong-token-value" not in rows[0].last_error


@pytest.fixture
def queued_tasks(settings: Any, monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """Record the send tasks the router hands to the broker instead of sending them."""
    import rapidsms.router.db.router as router_module

    tasks: list[dict[str, Any]] = []
    monkeypatch.setattr(router_module, "publish", lambda name, args, **options: tasks.append(
        {"args": args, **options}))
    return tasks


def window_passes(seconds: float) -> None:
    """Move the clock of the stored transmissions on: what was due in ``seconds`` is due now."""
    Transmission.objects.exclude(next_attempt_at=None).update(
        next_attempt_at=F("next_attempt_at") - timedelta(seconds=seconds))


def test_one_text_sent_in_a_loop_is_coalesced_into_one_broadcast(
    durable, sandbox, queued_tasks, settings
) -> None:
    """The 2.x habit: send() once per person. The window lets them go as one request."""
    backend = durable(coalesce_window=2.0)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    before = timezone.now()
    for connection in lookup_connections("rapidpro", urns(30)):
        send("Clinic closed today", [connection])
    send("Another text", lookup_connections("rapidpro", urns(1, start=99)))
    assert len(queued_tasks) == 31 and sandbox.count() == 0
    assert all(task["eta"] >= before + timedelta(seconds=2) for task in queued_tasks)
    # None is due before its task: a task of an earlier slot cannot take them.
    assert not Transmission.objects.filter(next_attempt_at__lt=before + timedelta(seconds=2))
    window_passes(4)
    router = backend.router
    for task in queued_tasks:  # the workers run the tasks when they are due
        router.send_stored(*task["args"], **task.get("kwargs", {}))
    assert sandbox.count("POST", "broadcasts") == 2
    assert sorted(len(r.body["urns"]) for r in sandbox.requests) == [1, 30]
    assert statuses() == Counter({Status.SENT: 31})
    assert Counter(sandbox.received_urns()) == Counter(urns(30) + urns(1, start=99))
    # Each message's recipient is followed under its own message for delivery reports.
    followed = dict(OutboxEntry.objects.values_list("identity", "message_id"))
    assert followed == {t.identity: str(t.message_id) for t in outgoing()}


def test_coalesced_messages_that_fail_for_now_are_retried_once_each(
    durable, sandbox, queued_tasks, settings
) -> None:
    backend = durable(coalesce_window=1.0, max_retries=0)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    for connection in lookup_connections("rapidpro", urns(5)):
        send("Clinic closed today", [connection])
    sandbox.fail_next(503, method="POST", endpoint="broadcasts")
    window_passes(2)
    first = queued_tasks.pop(0)
    backend.router.send_stored(*first["args"], **first.get("kwargs", {}))
    assert sandbox.count("POST", "broadcasts") == 1
    assert {(t.status, t.attempts) for t in outgoing()} == {(Status.RETRY, 1)}
    settings.CELERY_TASK_ALWAYS_EAGER = True
    run_due_retries()
    assert statuses() == Counter({Status.SENT: 5})
    assert sandbox.count("POST", "broadcasts", status=201) == 1
    assert Counter(sandbox.received_urns()) == Counter(urns(5))

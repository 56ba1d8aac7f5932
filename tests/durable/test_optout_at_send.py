"""A STOP counts on every attempt: retries, crash recovery and "retry failed" skip opted-out people.

The opt-out app removes opted-out connections when a message is written (the
``outgoing`` phase). A message that failed before the recipient's STOP and is
sent again afterwards is checked again at that moment, through the
``send_veto`` hook; a reply to the person's own message still goes.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from rapidsms.errors import MessageSendingError
from rapidsms.router import receive, send
from rapidsms.router.blocking import BlockingRouter
from rapidsms.router.db import store
from rapidsms.router.db.models import Transmission, TransmissionEvent
from rapidsms.router.db.recovery import recover
from rapidsms.router.db.status import Direction, Status
from rapidsms.signals import send_veto
from tests.durable.backend import ScriptedBackend

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.durable.inbound")]

APPS = ["rapidsms.contrib.optout", "rapidsms.contrib.handlers", "rapidsms.contrib.default"]


@pytest.fixture
def router(settings: Any) -> Any:
    """An eager durable router with the opt-out app and a scripted backend."""
    from rapidsms.router.db.router import DatabaseRouter

    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.INSTALLED_BACKENDS = {"mock": {"ENGINE": "tests.durable.backend.ScriptedBackend"}}
    router = DatabaseRouter(apps=APPS, backends={"mock": {"ENGINE": ScriptedBackend}})
    settings.RAPIDSMS_ROUTER = router
    return router


@pytest.fixture
def backend(router: Any) -> ScriptedBackend:
    return router.backends["mock"]


def news_to(identity: str) -> Transmission:
    return Transmission.objects.get(
        direction=Direction.OUTGOING, identity=identity, message__text="news"
    )


def sent_to(backend: ScriptedBackend, identity: str) -> list[str]:
    return [text for _, text, identities, _ in backend.sent if identity in identities]


def assert_cancelled(transmission: Transmission) -> None:
    transmission.refresh_from_db()
    assert transmission.status == Status.CANCELLED
    assert transmission.last_error == "cancelled: opted out"
    event = transmission.events.last()
    assert (event.status, event.detail) == (Status.CANCELLED, "cancelled: opted out")


def test_an_automatic_retry_skips_who_sent_stop_meanwhile(router, backend, connect):
    stopper, other = connect("+15550001", "+15550002")
    backend.failures.append(MessageSendingError("gateway answered 500", retryable=True))
    send("news", [stopper, other])
    assert news_to("+15550001").status == Status.RETRY

    receive("STOP", stopper)
    Transmission.objects.filter(status=Status.RETRY).update(next_attempt_at=timezone.now())
    recover(router)  # eager mode: the recovery task sends the due retries

    assert_cancelled(news_to("+15550001"))
    assert news_to("+15550002").status == Status.SENT
    assert sent_to(backend, "+15550002") == ["news"]
    assert sent_to(backend, "+15550001") == [
        "You have been unsubscribed from RapidSMS and will get no more messages. "
        "Send START to subscribe again."
    ]  # the STOP confirmation, a reply, still went; the news did not


def test_staff_retry_of_a_failed_message_skips_who_sent_stop(router, backend, connect,
                                                             admin_client):
    stopper, other = connect("+15550001", "+15550002")
    backend.failures.append(MessageSendingError("gateway answered 400", retryable=False))
    send("news", [stopper, other])
    receive("STOP", stopper)

    answer = admin_client.post("/rapidsms/messages/?status=failed", {"action": "retry_failed"})

    assert answer.status_code == 302
    assert_cancelled(news_to("+15550001"))
    assert news_to("+15550002").status == Status.SENT
    assert "news" not in sent_to(backend, "+15550001")


def test_the_admin_retry_action_skips_who_sent_stop(router, backend, connect, admin_client):
    (stopper,) = connect("+15550001")
    backend.failures.append(MessageSendingError("gateway answered 400", retryable=False))
    send("news", stopper)
    receive("STOP", stopper)
    failed = news_to("+15550001")

    admin_client.post(
        "/admin/db/transmission/", {"action": "retry_failed", "_selected_action": [failed.pk]}
    )

    assert_cancelled(failed)
    assert "news" not in sent_to(backend, "+15550001")


def test_crash_recovery_skips_who_sent_stop(router, backend, connect, settings):
    """A worker dies holding two messages; the untried one is queued again, then checked."""
    (stopper,) = connect("+15550001")
    backend.failures += [MessageSendingError("down", retryable=True)] * 2
    send("in flight", stopper)
    send("news", stopper)
    Transmission.objects.update(next_attempt_at=timezone.now())
    store.claim(list(Transmission.objects.filter(direction=Direction.OUTGOING)
                     .values_list("pk", flat=True)))  # then the worker dies
    receive("STOP", stopper)
    Transmission.objects.filter(status=Status.SENDING).update(
        claimed_at=timezone.now() - timedelta(hours=1)
    )

    recover(router)  # expires the claim and queues "news" again
    recover(router)  # sends what is due

    assert_cancelled(news_to("+15550001"))
    in_flight = Transmission.objects.get(message__text="in flight")
    assert in_flight.status == Status.UNKNOWN  # it may have gone: held, not resent
    assert sent_to(backend, "+15550001") == [backend.sent[0][1]]  # only the confirmation


def test_a_resent_message_in_doubt_skips_who_sent_stop(router, backend, connect):
    backend._config["router.in_doubt"] = "resend"
    (stopper,) = connect("+15550001")
    backend.failures.append(MessageSendingError("down", retryable=True))
    send("news", stopper)
    Transmission.objects.update(next_attempt_at=timezone.now())
    store.claim([news_to("+15550001").pk])
    receive("STOP", stopper)
    Transmission.objects.filter(status=Status.SENDING).update(
        claimed_at=timezone.now() - timedelta(hours=1)
    )

    recover(router)

    assert_cancelled(news_to("+15550001"))


def test_a_reply_to_the_persons_own_message_still_goes_on_retry(router, backend, connect):
    (person,) = connect("+15550001")
    backend.failures.append(MessageSendingError("gateway answered 500", retryable=True))
    receive("STOP", person)  # its confirmation fails once
    (confirmation,) = Transmission.objects.filter(direction=Direction.OUTGOING)
    assert confirmation.status == Status.RETRY

    Transmission.objects.update(next_attempt_at=timezone.now())
    recover(router)

    confirmation.refresh_from_db()
    assert confirmation.status == Status.SENT
    assert len(sent_to(backend, "+15550001")) == 1


def test_start_before_the_retry_lets_it_through(router, backend, connect):
    (person,) = connect("+15550001")
    backend.failures.append(MessageSendingError("gateway answered 500", retryable=True))
    send("news", person)
    receive("STOP", person)
    receive("START", person)

    Transmission.objects.filter(status=Status.RETRY).update(next_attempt_at=timezone.now())
    recover(router)

    assert news_to("+15550001").status == Status.SENT


def test_a_veto_that_cannot_be_asked_holds_the_message_back(router, backend, connect):
    (person,) = connect("+15550001")

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("the opt-out table is unreachable")

    send_veto.connect(broken, dispatch_uid="test-broken-veto")
    try:
        send("news", person)
    finally:
        send_veto.disconnect(dispatch_uid="test-broken-veto")

    transmission = news_to("+15550001")
    assert transmission.status == Status.QUEUED  # waits for the recovery task, unsent
    assert backend.sent == []
    recover(router)
    assert news_to("+15550001").status == Status.SENT


def test_the_blocking_router_checks_when_it_sends(settings, connect):
    settings.INSTALLED_BACKENDS = {"mock": {"ENGINE": "tests.durable.backend.ScriptedBackend"}}
    router = BlockingRouter(apps=APPS, backends={"mock": {"ENGINE": ScriptedBackend}})
    settings.RAPIDSMS_ROUTER = router
    backend = router.backends["mock"]
    stopper, other = connect("+15550001", "+15550002")

    receive("STOP", stopper)
    send("news", [stopper, other])

    assert sent_to(backend, "+15550002") == ["news"]
    assert "news" not in sent_to(backend, "+15550001")
    assert len(sent_to(backend, "+15550001")) == 1  # the confirmation
    assert not TransmissionEvent.objects.exists()  # nothing stored: the phase decides at once

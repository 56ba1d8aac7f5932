"""RapidSMS 2.x's names on the durable router keep their 2.x meaning."""

from __future__ import annotations

import pytest

from rapidsms.messages.incoming import IncomingMessage
from rapidsms.router import lookup_connections
from rapidsms.router.db import store
from rapidsms.router.db.models import Message, Transmission
from rapidsms.router.db.status import Status

pytestmark = pytest.mark.django_db


def test_is_eager_is_the_backends_own_option_as_in_2x(settings):
    from rapidsms.router.db.router import DatabaseRouter

    settings.CELERY_TASK_ALWAYS_EAGER = True
    router = DatabaseRouter(apps=[], backends={
        "eager": {"ENGINE": "rapidsms.backends.base.BackendBase", "router.celery.eager": True},
        "queued": {"ENGINE": "rapidsms.backends.base.BackendBase"},
    })
    assert router.is_eager("eager") is True
    assert router.is_eager("queued") is False  # Celery's eager mode is not the backend's
    assert router.is_eager("no-such-backend") is False
    # What runs in this process is a separate question.
    assert router.runs_here("queued") is True
    settings.CELERY_TASK_ALWAYS_EAGER = False
    assert router.runs_here("queued") is False and router.runs_here("eager") is True


def test_a_receive_task_queued_by_2x_routes_the_stored_message(store_router, mock_backend):
    from rapidsms.router.db.tasks import receive_2x

    (conn,) = lookup_connections("mock", ["+15550001"])
    # Stored and not routed: what a 2.x process left behind with its task.
    stored = store.save_incoming(IncomingMessage(connections=[conn], text="echo left behind"))
    assert receive_2x.name == "rapidsms.router.db.tasks.receive_async"
    receive_2x(stored.pk, {"external_id": "2x"})  # 2.x passed the fields too
    assert Transmission.objects.get(message=stored).status == Status.HANDLED
    assert [text for _, text, _, _ in mock_backend.sent] == ["left behind"]
    receive_2x(stored.pk)  # a second delivery of the task routes nothing again
    assert len(mock_backend.sent) == 1


def test_a_message_whose_status_is_a_2x_letter_shows_it(store_router):
    (conn,) = lookup_connections("mock", ["+15550001"])
    stored = store.save_incoming(IncomingMessage(connections=[conn], text="old"))
    Transmission.objects.filter(message=stored).update(status="Q")  # 2.x's "queued"
    assert Message.objects.get(pk=stored.pk).status == "Q"

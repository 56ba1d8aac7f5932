"""``manage.py rapidsms_prune``: old finished messages and old gateway ids go, the rest stays."""

from __future__ import annotations

from datetime import timedelta
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from rapidsms.backends.inbound.models import ReceivedMessage
from rapidsms.router import receive, send
from rapidsms.router.db.models import Message, Transmission, TransmissionEvent
from rapidsms.router.db.status import Status

pytestmark = pytest.mark.django_db


def age(message_id: int, days: int) -> None:
    Message.objects.filter(pk=message_id).update(date=timezone.now() - timedelta(days=days))


def test_old_finished_messages_go_with_their_transmissions_and_events(
    store_router, mock_backend, connect
):
    (conn,) = connect("+15550001")
    old = receive("echo old", conn)  # handled, and its reply sent
    (old_reply,) = Message.objects.filter(in_response_to_id=old.id)
    recent = receive("echo recent", conn)
    waiting = send("still to go", conn)
    Transmission.objects.filter(message_id=waiting.id).update(status=Status.RETRY)
    for message_id in (old.id, old_reply.pk, waiting.id):
        age(message_id, 120)

    out = StringIO()
    call_command("rapidsms_prune", "--days", "90", stdout=out)

    assert "deleted 2 finished message(s) older than 90 day(s)" in out.getvalue()
    remaining = set(Message.objects.values_list("pk", flat=True))
    assert old.id not in remaining and old_reply.pk not in remaining
    assert {recent.id, waiting.id} <= remaining  # too recent, and not finished
    assert not Transmission.objects.filter(message_id__in=[old.id, old_reply.pk]).exists()
    assert not TransmissionEvent.objects.filter(transmission__message_id=old_reply.pk).exists()


def test_a_dry_run_counts_and_deletes_nothing(store_router, connect):
    (conn,) = connect("+15550001")
    msg = receive("echo old", conn)
    age(msg.id, 120)
    before = Message.objects.count()

    out = StringIO()
    call_command("rapidsms_prune", "--days", "90", "--dry-run", stdout=out)

    assert "would delete 1 finished message(s)" in out.getvalue()
    assert Message.objects.count() == before


def test_gateway_ids_are_kept_for_the_longest_dedupe_window(settings):
    settings.INSTALLED_BACKENDS = {
        "kannel": {
            "ENGINE": "rapidsms.backends.kannel.KannelBackend",
            "sendsms_url": "http://127.0.0.1:13013/cgi-bin/sendsms",
            "sendsms_params": {"username": "u", "password": "p"},
            "dedupe_window": 3600,
        },
        "http": {
            "ENGINE": "rapidsms.backends.http.GenericHttpBackend",
            "url": "http://127.0.0.1:9000/send",
            "dedupe_window": 7200,
        },
    }
    now = timezone.now()
    for hours in (1, 3, 48):
        ReceivedMessage.objects.create(
            backend="kannel", external_id=f"id-{hours}", received_at=now - timedelta(hours=hours)
        )

    out = StringIO()
    call_command("rapidsms_prune", stdout=out)

    assert "deleted 2 gateway message id(s) older than 7200 s" in out.getvalue()
    assert list(ReceivedMessage.objects.values_list("external_id", flat=True)) == ["id-1"]


def test_a_period_below_a_day_is_refused():
    with pytest.raises(CommandError, match="--days must be at least 1"):
        call_command("rapidsms_prune", "--days", "0")

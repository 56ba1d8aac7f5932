"""``manage.py rapidsms_prune``: old finished messages and old gateway ids go, the rest stays."""

from __future__ import annotations

import textwrap
from datetime import timedelta
from io import StringIO
from pathlib import Path

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


def deploy_guide_beat_schedule() -> dict:
    """Return the ``CELERY_BEAT_SCHEDULE`` the deployment guide's settings show."""
    guide = (Path(__file__).resolve().parents[2] / "docs" / "howto" / "deploy.rst").read_text()
    lines = guide.splitlines()
    start = next(i for i, line in enumerate(lines) if "CELERY_BEAT_SCHEDULE = {" in line)
    indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
    end = next(i for i in range(start + 1, len(lines)) if lines[i] == indent + "}")
    namespace: dict = {}
    exec(textwrap.dedent("\n".join(lines[start : end + 1])), namespace)  # noqa: S102 (our docs)
    return namespace["CELERY_BEAT_SCHEDULE"]


def worker_tasks() -> dict:
    """Return the tasks a worker of the tests' Celery app knows (it autodiscovers them)."""
    from tests.durable.celery_app import app

    app.loader.import_default_modules()
    return app.tasks


def test_the_deploy_guides_beat_schedule_names_tasks_that_exist():
    tasks = worker_tasks()

    schedule = deploy_guide_beat_schedule()
    assert {entry["task"] for entry in schedule.values()} >= {
        "rapidsms.router.db.recover",
        "rapidsms.router.db.prune",
    }
    for entry in schedule.values():
        assert entry["task"] in tasks, f"{entry['task']} is not a task"
        assert entry["options"]["queue"] == "rapidsms.incoming"  # a queue the workers serve


def test_the_scheduled_prune_task_bounds_the_duplicate_id_table(store_router, connect):
    (entry,) = [e for e in deploy_guide_beat_schedule().values()
                if e["task"] == "rapidsms.router.db.prune"]
    now = timezone.now()
    for hours in (1, 48):
        ReceivedMessage.objects.create(
            backend="mock", external_id=f"id-{hours}", received_at=now - timedelta(hours=hours)
        )
    (conn,) = connect("+15550001")
    old = receive("echo old", conn)
    age(old.id, 120)

    result = worker_tasks()[entry["task"]].apply(kwargs=entry.get("kwargs", {})).get()

    assert result == {"messages": 1, "received_ids": 1, "sent_ids": 0}
    assert list(ReceivedMessage.objects.values_list("external_id", flat=True)) == ["id-1"]
    assert not Message.objects.filter(pk=old.id).exists()

"""Intake against a real PostgreSQL: the database down at intake, and racing claims."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from rapidsms.router import lookup_connections, receive, send
from rapidsms.router.db import MessageStoreUnavailable
from rapidsms.router.db.models import Message, Transmission
from rapidsms.router.db.status import Status
from rapidsms.router.db.store import claim
from tests.durable.pipeline import require_postgresql
from tests.durable.processes import free_port

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def postgresql() -> None:
    require_postgresql("a database outage and racing connections need a server database")


def test_a_database_outage_at_intake_is_a_503_and_stores_nothing(
    postgresql, store_router, client, settings
):
    settings.ROOT_URLCONF = "tests.durable.inbound"
    (conn,) = lookup_connections("mock", ["+15550001"])
    original = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict["PORT"] = str(free_port())  # nothing listens there
    try:
        with pytest.raises(MessageStoreUnavailable, match="database is unavailable"):
            receive("echo hi", conn)
        answer = client.post("/inbound/", {"from": "+15550001", "text": "echo hi"})
    finally:
        connection.close()
        connection.settings_dict.update(original)
    assert answer.status_code == 503
    assert answer["Retry-After"] == "30"
    assert "send it again later" in answer.json()["error"]
    assert not Message.objects.exists()


def test_racing_workers_claim_each_transmission_once(postgresql, store_router, mock_backend):
    from rapidsms.errors import MessageSendingError

    mock_backend.failures.append(MessageSendingError("down", retryable=True))
    conns = lookup_connections("mock", [f"+1555000{i}" for i in range(5)])
    send("hello", conns)
    ids = list(Transmission.objects.filter(direction="O").values_list("pk", flat=True))
    Transmission.objects.update(status=Status.QUEUED, next_attempt_at=None)
    claimed: list[int] = []
    start = threading.Barrier(8)

    def worker() -> None:
        try:
            start.wait()
            _, rows = claim(ids)
            claimed.extend(row.pk for row in rows)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(claimed) == sorted(ids)


@pytest.mark.parametrize("listening", [False, True], ids=["one-statement", "signals"])
def test_an_incoming_message_is_stored_with_its_transmission_in_one_statement(
    postgresql, store_router, listening
):
    """The hand-written INSERT stores what the ORM would, and gives way to save() signals."""
    from django.db.models.signals import post_save
    from django.test.utils import CaptureQueriesContext

    from rapidsms.router.db.store import save_incoming

    (conn,) = lookup_connections("mock", ["+15550042"])
    saved: list[str] = []

    def note(sender, instance, created, **kwargs):
        saved.append(sender.__name__)

    msg = store_router.new_incoming_message(
        text="héllo ☃", connections=[conn], fields={"external_id": "gw-7", "n": [1, 2]})
    if listening:
        post_save.connect(note, sender=Message)
        post_save.connect(note, sender=Transmission)
    try:
        with CaptureQueriesContext(connection) as queries:
            row = save_incoming(msg)
    finally:
        post_save.disconnect(note, sender=Message)
        post_save.disconnect(note, sender=Transmission)
    assert saved == (["Message", "Transmission"] if listening else [])
    statements = [q["sql"] for q in queries if q["sql"] not in ("BEGIN", "COMMIT")]
    assert len(statements) == (2 if listening else 1), statements
    assert row.pk and not row._state.adding
    stored = Message.objects.get(pk=row.pk)
    assert (stored.direction, stored.text, stored.fields, stored.external_id) == (
        "I", "héllo ☃", {"external_id": "gw-7", "n": [1, 2]}, "gw-7")
    (transmission,) = stored.transmissions.all()
    assert (transmission.connection_id, transmission.backend, transmission.identity,
            transmission.status, transmission.direction) == (
        conn.pk, "mock", "+15550042", Status.RECEIVED, "I")
    assert transmission.date == stored.date == transmission.queued_at


def test_a_working_batch_keeps_its_claim_from_a_thread_of_its_own(postgresql, store_router):
    """However long one message takes, a live worker's claim does not run out."""
    import time

    from rapidsms.messages.incoming import IncomingMessage
    from rapidsms.router.db import inbox
    from rapidsms.router.db.store import save_incoming

    (conn,) = lookup_connections("mock", ["+15550077"])
    save_incoming(IncomingMessage(connections=[conn], text="slow"))
    token, rows = inbox.claim(10, lease=0.6)
    assert len(rows) == 1
    with inbox.KeepClaimed(token, every=0.2):
        time.sleep(1.2)  # one app busy for twice the lease, renewing nothing itself
        assert inbox.claim(10, lease=0.6)[1] == []  # no other worker takes it over
    time.sleep(0.8)
    _, taken = inbox.claim(10, lease=0.6)  # once the worker is gone, another one does
    assert [row.pk for row in taken] == [rows[0].pk]

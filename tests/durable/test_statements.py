"""The send path's hand-written PostgreSQL statements answer what the ORM would."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from django.db.models import Model
from django.utils import timezone

from rapidsms.messages.outgoing import OutgoingMessage
from rapidsms.router.db import statements, store
from rapidsms.router.db.models import Transmission
from rapidsms.router.db.status import Status
from tests.durable.pipeline import require_postgresql

pytestmark = [pytest.mark.services, pytest.mark.django_db]


def as_dict(row: Model) -> dict:
    return {field.attname: getattr(row, field.attname) for field in row._meta.concrete_fields}


def stored_message(connect, text: str, identities: list[str], **fields) -> list[int]:
    conns = connect(*identities)
    msg = OutgoingMessage(connections=conns, text=text, fields=fields)
    rows = [(conn.pk, conn.backend.name, conn.identity) for conn in conns]
    _, transmissions = store.save_outgoing(msg, rows, {"reply_context": {"linkId": "L-1"}})
    return [t.pk for t in transmissions]


def test_a_claim_gives_the_rows_and_messages_the_orm_would(store_router, connect):
    require_postgresql("the statements are PostgreSQL's")
    ids = stored_message(connect, "Héllo ☃", ["+15550001", "+15550002"], n=[1, {"k": "v"}])
    later = stored_message(connect, "not yet", ["+15550003"])
    Transmission.objects.filter(pk__in=later).update(
        next_attempt_at=timezone.now() + timedelta(minutes=5))
    done = stored_message(connect, "sent already", ["+15550004"])
    Transmission.objects.filter(pk__in=done).update(status=Status.SENT)

    token, rows = store.claim([*ids, *later, *done])

    assert [row.pk for row in rows] == sorted(ids)  # only the due, claimable ones
    expected = Transmission.objects.filter(pk__in=ids).select_related("message").order_by("pk")
    for row, orm in zip(rows, expected, strict=True):
        assert as_dict(row) == as_dict(orm)
        assert row.status == Status.SENDING and row.claim_token == token
        assert as_dict(row.message) == as_dict(orm.message)
        assert row.message.fields == {"n": [1, {"k": "v"}]}
        assert row.message.backend_context == {"reply_context": {"linkId": "L-1"}}
        assert not row._state.adding and not row.message._state.adding
    assert store.claim(ids)[1] == []  # claimed already: a second claim gets nothing


def test_recording_a_send_returns_what_it_wrote_and_leaves_reported_rows(store_router, connect):
    require_postgresql("the statements are PostgreSQL's")
    ids = stored_message(connect, "hello", ["+15550001", "+15550002", "+15550003"])
    token, rows = store.claim(ids)
    # A delivery report overtook the answer for the second; a third was taken over.
    Transmission.objects.filter(pk=rows[1].pk).update(status=Status.DELIVERED)
    Transmission.objects.filter(pk=rows[2].pk).update(claim_token=uuid.uuid4())

    written = statements.record_sent(rows, token, {rows[0].pk: "gw-1"}, timezone.now())

    assert written == {rows[0].pk: (Status.SENT, ""), rows[1].pk: (Status.DELIVERED, "")}
    first = Transmission.objects.get(pk=rows[0].pk)
    assert (first.status, first.gateway_message_id, first.attempts) == (Status.SENT, "gw-1", 1)
    assert first.events.get().raw == {"gateway_message_id": "gw-1"}

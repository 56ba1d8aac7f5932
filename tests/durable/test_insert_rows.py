"""Stored incoming messages: written with one prepared INSERT each, unless save() signals listen."""

from __future__ import annotations

import pytest
from django.db.models.signals import post_save

from rapidsms.router import receive
from rapidsms.router.db.models import Message, Transmission

pytestmark = pytest.mark.django_db


def test_a_stored_message_and_its_transmission_read_back_as_written(store_router, connect):
    (conn,) = connect("+15550001")
    msg = receive("echo hi", conn, fields={"external_id": "gw-9", "n": [1, 2]})
    row = Message.objects.get(pk=msg.id)
    assert (row.direction, row.text, row.external_id) == ("I", "echo hi", "gw-9")
    assert row.fields == {"external_id": "gw-9", "n": [1, 2]}
    assert row.backend_context == {} and row.updated is not None
    transmission = Transmission.objects.get(message=row, direction="I")
    assert (transmission.identity, transmission.backend) == ("+15550001", "mock")
    assert transmission.connection_id == conn.pk


def test_a_post_save_listener_still_hears_each_stored_message(store_router, connect):
    heard: list[int] = []

    def listener(sender, instance, created, **kwargs):
        if created and instance.direction == "I":
            heard.append(instance.pk)

    post_save.connect(listener, sender=Message)
    try:
        (conn,) = connect("+15550002")
        msg = receive("echo hi", conn)
    finally:
        post_save.disconnect(listener, sender=Message)
    assert heard == [msg.id]

"""The durable router's models read as RapidSMS 2.x's did."""

from __future__ import annotations

from rapidsms.router.db.models import Message, Transmission


def test_messages_and_transmissions_have_no_default_ordering_as_in_2x():
    # 2.x code reads Message.objects.all()[0] as the first message written.
    for model in (Message, Transmission):
        assert model._meta.ordering == []
        assert "ORDER BY" not in str(model.objects.all().query)

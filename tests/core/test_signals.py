"""The signal the router sends when it has finished with an incoming message."""

from __future__ import annotations

import logging

from rapidsms.apps.base import AppBase
from rapidsms.models import Backend, Connection
from rapidsms.router.blocking import BlockingRouter
from rapidsms.signals import incoming_processed
from rapidsms.tests.harness import MockBackend


class Replier(AppBase):
    def handle(self, msg):
        msg.respond("reply")
        return True


class Filterer(AppBase):
    def filter(self, msg):
        if msg.text == "drop":
            msg.respond("dropped")
            return True
        return None


def test_sent_after_the_replies_also_when_filtered_and_survives_a_failing_receiver(caplog):
    router = BlockingRouter(apps=[Filterer, Replier], backends={"mock": {"ENGINE": MockBackend}})
    connection = Connection(backend=Backend(name="mock"), identity="+15550001")
    seen = []

    def record(sender, router, message, **kwargs):
        seen.append((message.text, [sent["text"] for sent in router.backends["mock"].messages]))

    def explode(sender, **kwargs):
        raise RuntimeError("receiver bug")

    incoming_processed.connect(explode)
    incoming_processed.connect(record)
    try:
        with caplog.at_level(logging.ERROR, logger="rapidsms"):
            router.receive_incoming(router.new_incoming_message("hi", [connection]))
            router.receive_incoming(router.new_incoming_message("drop", [connection]))
    finally:
        incoming_processed.disconnect(explode)
        incoming_processed.disconnect(record)
    assert seen == [("hi", ["reply"]), ("drop", ["reply", "dropped"])]
    failures = [r for r in caplog.records if "incoming_processed" in r.getMessage()]
    assert len(failures) == 2

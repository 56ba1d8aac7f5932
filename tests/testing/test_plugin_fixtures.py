"""The pytest plugin's fixtures, used in this suite's own process."""

from __future__ import annotations

import pytest

from rapidsms.apps.base import AppBase
from rapidsms.router import send


class CensorApp(AppBase):
    """Cancel every outgoing message that mentions a secret."""

    def outgoing(self, msg):
        return False if "secret" in msg.text else None


def test_a_cancelled_send_is_not_a_reply(rapidsms_router, rapidsms_transcript, rapidsms_outbox):
    rapidsms_router.add_app(CensorApp)
    rapidsms_transcript("""
        +250788123123 > echo the secret
        +250788123123 > echo no news
        +250788123123 < no news
    """)
    assert [m.text for m in rapidsms_router.outbound] == ["the secret", "no news"]
    assert [sent.text for sent in rapidsms_outbox] == ["no news"]


def test_a_bulk_send_is_one_outbox_entry_and_one_reply_per_recipient(
    rapidsms_router, rapidsms_transcript, rapidsms_connection, rapidsms_outbox
):
    class AlertApp(AppBase):
        def handle(self, msg):
            if msg.text == "alert":
                send("Storm tonight", [rapidsms_connection("111"), rapidsms_connection("222")])
                return True
            return None

    rapidsms_router.add_app(AlertApp)
    rapidsms_transcript("""
        999 > alert
        222 < Storm tonight
        111 < Storm tonight
    """)
    assert [(s.identities, s.text) for s in rapidsms_outbox] == [(["111", "222"], "Storm tonight")]


def test_transcript_on_another_backend(rapidsms_transcript, rapidsms_outbox):
    rapidsms_transcript(
        """
        1112223333 > echo hi
        1112223333 < hi
        """,
        backend="message_tester",
    )
    assert [sent.backend for sent in rapidsms_outbox] == ["message_tester"]


def test_only_replies_sent_while_the_script_plays_count(
    rapidsms_transcript, rapidsms_connection, rapidsms_outbox
):
    send("sent before", rapidsms_connection("1112223333"))
    rapidsms_transcript("""
        1112223333 > ping
        1112223333 < pong
    """)
    with pytest.raises(AssertionError, match="Line 2: expected 1112223333 < 'sent before'"):
        rapidsms_transcript("""
            1112223333 < sent before
        """)
    assert len(rapidsms_outbox) == 2


"""The Kannel backend against real Kannel: bearerbox, smsbox and Kannel's fakesmsc.

A message typed by a "phone" (``fakesmsc``) goes through the bearerbox and
the smsbox's ``get-url`` to our inbound view under gunicorn; the durable
router stores it, a Celery worker runs the echo app and sends the reply to
the smsbox's sendsms interface; the bearerbox hands it to ``fakesmsc`` and
reports its delivery through the ``dlr-url`` to our status view.

Needs Kannel (``apt-get install kannel kannel-extras``), PostgreSQL
(``DATABASE_URL``) and a broker (``CELERY_BROKER_URL``); skipped without
them, failed under ``RAPIDSMS_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import re
import time
from urllib.parse import quote_from_bytes

import pytest

from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.router.db.models import Message, Transmission
from rapidsms.router.db.status import Direction, Status
from tests.durable.processes import wait_until
from tests.kannel.conftest import Rig
from tests.kannel.project import WRONG_PASSWORD_BACKEND
from tests.kannel.rig import FakeSMSC, Received, reassemble

pytestmark = [pytest.mark.services]

#: The number our replies come from (``from`` in sendsms_params) and phones write to.
SHORT_CODE = "1234"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def phone_sends(rig: Rig, sender: str, kind: str, data: str, count: int = 1) -> FakeSMSC:
    """Start a fakesmsc that sends ``count`` messages from ``sender``; stop it when done."""
    return rig.kannel.fake_smsc().start(f"{sender} {SHORT_CODE} {kind} {data}", count=count)


def exchange(rig: Rig, sender: str, kind: str, data: str, parts: int = 1) -> list[Received]:
    """Send one message from ``sender``; return the ``parts`` SMS Kannel sends back."""
    smsc = phone_sends(rig, sender, kind, data)
    try:
        return smsc.wait_for(sender, parts)
    finally:
        smsc.stop()


def ucs2(text: str) -> str:
    """Return ``text`` as fakesmsc's ``ucs2`` message type takes it: URL-encoded UTF-16BE."""
    return quote_from_bytes(text.encode("utf-16-be"))


def replies_to(identity: str) -> list[Transmission]:
    return list(Transmission.objects.filter(direction=Direction.OUTGOING, identity=identity))


def wait_for_statuses(identity: str, status: str, count: int = 1) -> list[Transmission]:
    """Wait until ``count`` replies to ``identity`` all have ``status``; return them."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if [t.status for t in replies_to(identity)] == [status] * count:
            return replies_to(identity)
        time.sleep(0.2)
    pytest.fail(f"replies to {identity} are not all {status}: "
                f"{[(t.status, t.last_error) for t in replies_to(identity)]}", pytrace=False)


def test_an_sms_is_answered_through_kannel_and_its_delivery_reported(
    kannel_project: Rig,
) -> None:
    (reply,) = exchange(kannel_project, "+15550101", "text", "echo hello kannel")
    assert (reply.sender, reply.kind, reply.data) == (SHORT_CODE, "text", b"hello kannel")

    incoming = Message.objects.get(direction=Direction.INCOMING)
    assert incoming.text == "echo hello kannel"
    assert UUID.fullmatch(incoming.external_id)  # Kannel's %I
    assert (incoming.fields["smsc"], incoming.fields["to"]) == ("FAKE", SHORT_CODE)

    # The fake SMS centre reports the message delivered (1) as soon as the
    # phone has it, and the bearerbox that the SMS centre took it (8).
    (transmission,) = wait_for_statuses("+15550101", Status.DELIVERED)
    wait_until(lambda: DeliveryReport.objects.count() == 2, 30, message="two reports expected")
    reports = {report.raw_status: report for report in DeliveryReport.objects.all()}
    assert set(reports) == {"1", "8"}
    for report in reports.values():
        assert report.backend == "kannel"
        assert report.message_id == str(transmission.message_id)
        assert report.identity == "+15550101"
        assert report.raw["smsc"] == "FAKE"
        assert UUID.fullmatch(report.raw["sms_id"])
        assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", report.raw["date_sent"])
        assert report.raw["timestamp"].isdigit()
        assert "token" not in report.raw
    assert reports["1"].status == "delivered"
    assert UUID.fullmatch(reports["1"].external_id)  # %F: the fake SMS centre's id
    assert (reports["8"].status, reports["8"].raw["status_text"]) == ("sent", "ACK/")


def test_gsm7_text_goes_as_7_bit_and_comes_back_unchanged(kannel_project: Rig) -> None:
    text = "Café 10€ [ok] {x} ~ ^ | \\ ÄÖÑÜ§¿"
    (reply,) = exchange(kannel_project, "+15550102", "text", f"echo {text}")
    assert reply.kind == "text"
    assert reply.data.decode("utf-8") == text
    assert Message.objects.get(direction=Direction.INCOMING).text == f"echo {text}"
    wait_for_statuses("+15550102", Status.DELIVERED)


@pytest.mark.parametrize("text", ["مرحبا بالعالم", "on my way 👋🏽 🚀", "日本語のテキスト"],
                         ids=["arabic", "emoji", "japanese"])
def test_ucs2_text_in_both_directions(kannel_project: Rig, text: str) -> None:
    (reply,) = exchange(kannel_project, "+15550103", "ucs2", ucs2(f"echo {text}"))
    assert reply.kind == "ucs-2"
    assert reply.data.decode("utf-16-be") == text
    incoming = Message.objects.get(direction=Direction.INCOMING)
    assert incoming.text == f"echo {text}"
    wait_for_statuses("+15550103", Status.DELIVERED)


def test_a_400_character_reply_goes_as_one_concatenated_message(kannel_project: Rig) -> None:
    text = " ".join(f"word{number:03d}" for number in range(51))[:400]
    assert len(text) == 400
    parts = exchange(kannel_project, "+15550104", "text", f"echo {text}", parts=3)
    assert [part.kind for part in parts] == ["data"] * 3
    references = {part.part[0] for part in parts if part.part}
    assert [part.part[1:] for part in sorted(parts, key=lambda p: p.part or ())] == [
        (3, 1), (3, 2), (3, 3)]
    assert len(references) == 1
    assert reassemble(parts).decode("utf-8") == text
    # One message to us, one transmission, one delivery report per part.
    (transmission,) = wait_for_statuses("+15550104", Status.DELIVERED)
    assert transmission.attempts == 1


def test_a_long_ucs2_reply_is_concatenated_too(kannel_project: Rig) -> None:
    text = "مرحبا " * 20  # 120 characters: two UCS-2 SMS of at most 67
    parts = exchange(kannel_project, "+15550105", "ucs2", ucs2(f"echo {text.strip()}"),
                     parts=2)
    assert all(part.part and part.part[1] == 2 for part in parts)
    assert reassemble(parts).decode("utf-16-be") == text.strip()


def test_a_wrong_sendsms_password_fails_for_good_with_kannels_answer(
    kannel_project: Rig,
) -> None:
    from rapidsms.router import lookup_connections, send

    connection = lookup_connections(WRONG_PASSWORD_BACKEND, ["+15550106"])[0]
    send("this will not go", [connection])
    (transmission,) = wait_for_statuses("+15550106", Status.FAILED)
    assert transmission.attempts == 1  # permanent: not retried
    assert "403" in transmission.last_error
    assert "Authorization failed for sendsms" in transmission.last_error
    assert "sendsms-user" in transmission.last_error  # says what to check
    assert kannel_project.project.sendsms_password not in transmission.last_error


def test_replies_wait_for_a_stopped_smsbox_and_go_once_it_is_back(kannel_project: Rig) -> None:
    """The smsbox is down when the worker sends: every reply is retried and goes exactly once."""
    rig = kannel_project
    phones = 10
    rig.project.worker.stop()  # hold the replies until the smsbox is down
    smsc = phone_sends(rig, "+15550107", "text", "echo back soon", count=phones)
    try:
        wait_until(lambda: Message.objects.filter(direction=Direction.INCOMING).count() == phones,
                   60, message="the messages never reached us")
        rig.kannel.smsbox.stop()
        rig.project.worker.start(60)
        wait_until(lambda: sum(t.status == Status.RETRY and t.attempts >= 2
                               for t in replies_to("+15550107")) == phones,
                   60, message="the replies were not retried")
        assert smsc.messages_to("+15550107") == []

        rig.kannel.smsbox.start()
        wait_for_statuses("+15550107", Status.DELIVERED, count=phones)
        # Nothing is pending any more, so nothing more can be sent.
        received = smsc.wait_for("+15550107", phones)
        assert len(received) == phones
        assert {message.data for message in received} == {b"back soon"}
    finally:
        smsc.stop()
        if not rig.kannel.smsbox.running:
            rig.kannel.smsbox.start()

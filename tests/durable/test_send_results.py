"""The durable router keeps the gateway's ids and retries only what may succeed, per recipient."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from rapidsms.backends.inbound.models import DeliveryReport, SentMessage
from rapidsms.backends.inbound.reports import record_delivery_report
from rapidsms.backends.results import Accepted, Deferred, Refused
from rapidsms.backends.status import Status as ReportStatus
from rapidsms.errors import MessageSendingError
from rapidsms.router import send
from rapidsms.router.db.models import Transmission
from rapidsms.router.db.status import Direction, Status

pytestmark = pytest.mark.django_db


def by_identity() -> dict[str, Transmission]:
    return {t.identity: t for t in Transmission.objects.filter(direction=Direction.OUTGOING)}


def answer_with(backend: Any, results: Any) -> None:
    def send_(id_: Any, text: str, identities: list[str], context: Any = None) -> Any:
        backend.sent.append((id_, text, list(identities), dict(context or {})))
        if isinstance(results, Exception):
            raise results
        return results

    backend.send = send_


def test_each_recipient_gets_its_own_outcome(store_router, mock_backend, connect):
    answer_with(mock_backend, {
        "+15550001": Accepted("gw-1"),
        "+15550002": Refused("busy", retryable=True, retry_after=120),
        "+15550003": Refused("not a mobile number"),
    })
    before = timezone.now()
    send("hello", connect("+15550001", "+15550002", "+15550003"))

    rows = by_identity()
    assert (rows["+15550001"].status, rows["+15550001"].gateway_message_id) == (
        Status.SENT, "gw-1")
    assert rows["+15550002"].status == Status.RETRY
    assert rows["+15550002"].next_attempt_at >= before + timedelta(seconds=119)
    assert "busy" in rows["+15550002"].last_error
    assert rows["+15550003"].status == Status.FAILED
    assert "not a mobile number" in rows["+15550003"].last_error
    assert list(SentMessage.objects.values_list("gateway_id", "identity")) == [
        ("gw-1", "+15550001")]


def test_a_deferred_send_uses_no_attempt_and_waits_as_asked(
    store_router, mock_backend, connect, settings
):
    settings.RAPIDSMS_RETRY_MAX_ATTEMPTS = 1
    answer_with(mock_backend, {"+15550001": Deferred("budget spent", retry_after=600)})
    before = timezone.now()
    for _ in range(3):  # however often it is put off, no attempt is used up
        Transmission.objects.filter(status=Status.RETRY).update(next_attempt_at=before)
        if Transmission.objects.exists():
            store_router.send_stored("mock", None, [t.pk for t in by_identity().values()])
        else:
            send("hello", connect("+15550001"))
        row = by_identity()["+15550001"]
        assert (row.status, row.attempts) == (Status.RETRY, 0)
        assert row.next_attempt_at >= timezone.now() + timedelta(seconds=599)
        assert "budget spent" in row.last_error
    settings.RAPIDSMS_RETRY_MAX_AGE = 60  # ...but it still ends at the maximum age
    Transmission.objects.update(next_attempt_at=before)
    store_router.send_stored("mock", None, [row.pk])
    row.refresh_from_db()
    assert row.status == Status.FAILED and "maximum age" in row.last_error


def test_a_partial_failure_keeps_the_ids_of_the_recipients_the_gateway_took(
    store_router, mock_backend, connect
):
    answer_with(mock_backend, MessageSendingError(
        "one refused", ["+15550002"], retryable=False,
        results={"+15550001": Accepted("gw-7"), "+15550002": Refused("barred")}))
    send("hello", connect("+15550001", "+15550002"))

    rows = by_identity()
    assert (rows["+15550001"].status, rows["+15550001"].gateway_message_id) == (
        Status.SENT, "gw-7")
    assert (rows["+15550002"].status, rows["+15550002"].last_error) == (
        Status.FAILED, "permanent failure: barred")


def test_a_report_before_the_answer_reaches_the_transmission_once_the_id_is_stored(
    store_router, mock_backend, connect
):
    # The gateway's "delivered" arrives while our request is still waiting for its answer.
    record_delivery_report(mock_backend, DeliveryReport(external_id="gw-early",
                                                        status=ReportStatus.DELIVERED))
    answer_with(mock_backend, {"+15550001": Accepted("gw-early")})
    send("hello", connect("+15550001"))

    (transmission,) = by_identity().values()
    assert transmission.status == Status.DELIVERED
    assert DeliveryReport.objects.get().identity == "+15550001"

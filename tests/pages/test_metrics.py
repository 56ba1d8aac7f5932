"""The Prometheus endpoint: who may read it, and counters that move with the traffic."""

from __future__ import annotations

import pytest
from prometheus_client.parser import text_string_to_metric_families

from rapidsms.errors import MessageSendingError
from rapidsms.router import lookup_connections, receive, send
from tests.pages.test_operations import durable, staff  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db
URL = "/store/metrics/"
TOKEN = "tests-only-metrics-token"


def scrape(client, **headers) -> dict[tuple[str, tuple], float]:
    answer = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}", **headers)
    assert answer.status_code == 200
    assert answer["Content-Type"].startswith("text/plain; version=")
    samples = {}
    for family in text_string_to_metric_families(answer.content.decode()):
        for sample in family.samples:
            samples[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return samples


def value(samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def test_the_metrics_need_a_token_or_staff(client, settings, durable, django_user_model):  # noqa: F811
    settings.RAPIDSMS_METRICS_TOKENS = [TOKEN]
    settings.RAPIDSMS_HEALTH_TOKENS = ["tests-only-health-token"]
    anonymous = client.get(URL)
    assert anonymous.status_code == 401 and "Bearer" in anonymous["WWW-Authenticate"]
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert client.get(URL, HTTP_AUTHORIZATION="Bearer tests-only-health-token").status_code == 200
    client.force_login(django_user_model.objects.create_user("amina", password="x-123456"))
    assert client.get(URL).status_code == 401
    django_user_model.objects.filter(username="amina").update(is_staff=True)
    assert client.get(URL).status_code == 200


def test_the_counters_move_with_the_traffic(client, settings, durable):  # noqa: F811
    settings.RAPIDSMS_METRICS_TOKENS = [TOKEN]
    before = scrape(client)
    durable.backends["mock"].failures.append(
        MessageSendingError("invalid destination", retryable=False))
    send("one", lookup_connections("mock", ["+15550001"]))
    send("two", lookup_connections("mock", ["+15550002", "+15550003"]))
    receive("echo hi", lookup_connections("mock", ["+15550004"])[0])
    after = scrape(client)

    def moved(name: str) -> float:
        return value(after, name, backend="mock") - value(before, name, backend="mock")

    assert moved("rapidsms_messages_received_total") == 1
    assert moved("rapidsms_messages_sent_total") == 3  # two, two, and the reply
    assert moved("rapidsms_messages_failed_total") == 1
    assert moved("rapidsms_messages_delivered_total") == 0
    assert moved("rapidsms_reply_seconds_count") == 1
    assert value(after, "rapidsms_reply_seconds_bucket", backend="mock", le="+Inf") == 1
    assert value(after, "rapidsms_messages_in_doubt", backend="mock") == 0


def test_delivered_retried_cancelled_and_in_doubt_move_too(client, settings, durable):  # noqa: F811
    from django.utils import timezone

    from rapidsms.router.db.models import Transmission
    from rapidsms.router.db.reports import update_transmission_status
    from rapidsms.signals import send_veto
    from tests.durable.test_in_doubt import left_in_doubt

    settings.RAPIDSMS_METRICS_TOKENS = [TOKEN]
    mock = durable.backends["mock"]
    before = scrape(client)

    # Delivered: a gateway's report moves a sent message on.
    message = send("one", lookup_connections("mock", ["+15550001"]))
    update_transmission_status("mock", message.id, "+15550001", "delivered")

    # Retried: a send that failed for now goes on its second attempt.
    mock.failures.append(MessageSendingError("busy", retryable=True))
    message = send("two", lookup_connections("mock", ["+15550002"]))
    transmission = Transmission.objects.get(identity="+15550002", direction="O")
    Transmission.objects.filter(pk=transmission.pk).update(next_attempt_at=timezone.now())
    durable.send_stored("mock", message.id, [transmission.pk])

    # Cancelled: the recipient opted out before the send.
    send_veto.connect(lambda sender, identities, **kwargs: dict.fromkeys(identities, "opted out"),
                      dispatch_uid="metrics-veto", weak=False)
    try:
        send("three", lookup_connections("mock", ["+15550003"]))
    finally:
        send_veto.disconnect(dispatch_uid="metrics-veto")

    # In doubt: the worker stopped while the gateway had the message.
    left_in_doubt(durable, mock, "+15550004")
    after = scrape(client)

    def moved(name: str) -> float:
        return value(after, name, backend="mock") - value(before, name, backend="mock")

    assert moved("rapidsms_messages_delivered_total") == 1
    assert moved("rapidsms_messages_sent_total") == 2  # the delivered one, the retried one
    assert moved("rapidsms_messages_cancelled_total") == 1
    # "two"; an attempt whose worker stopped is in doubt, not counted as made.
    assert moved("rapidsms_messages_retried_total") == 1
    assert moved("rapidsms_messages_in_doubt") == 1
    assert moved("rapidsms_messages_failed_total") == 0


def test_a_scrape_that_cannot_be_answered_now_is_503_with_retry_after(
    client, settings, durable, monkeypatch, caplog  # noqa: F811
):
    from django.db import OperationalError

    from rapidsms.router.db import metrics

    settings.RAPIDSMS_METRICS_TOKENS = [TOKEN]

    def database_down(*args, **kwargs):
        raise OperationalError("could not connect to server")

    with monkeypatch.context() as patch:
        patch.setattr(metrics.MessageStoreCollector, "collect", database_down)
        answer = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert answer.status_code == 503 and int(answer["Retry-After"]) > 0
    assert "database" in answer.json()["error"]
    assert any(record.exc_info for record in caplog.records), "no traceback was logged"

    with monkeypatch.context() as patch:
        patch.setitem(__import__("sys").modules, "prometheus_client", None)  # not installed
        answer = client.get(URL, HTTP_AUTHORIZATION=f"Bearer {TOKEN}")
    assert answer.status_code == 503 and int(answer["Retry-After"]) > 0
    assert "prometheus-client" in answer.json()["error"]

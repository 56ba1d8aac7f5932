"""Operations: the messages page, the admin, ``rapidsms_status``, the health URL, the checks."""

from __future__ import annotations

import json
from io import StringIO

import pytest
import requests
from django.core.management import call_command

from rapidsms.errors import MessageSendingError
from rapidsms.router import receive, send
from rapidsms.router.db.checks import check_store
from rapidsms.router.db.models import Transmission, TransmissionEvent
from rapidsms.router.db.reports import update_transmission_status
from rapidsms.router.db.status import Direction, Status

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.durable.inbound")]


@pytest.fixture
def failed_and_sent(store_router, mock_backend, connect):
    """One outgoing message that failed for good and one that was sent."""
    mock_backend.failures.append(MessageSendingError("invalid destination", retryable=False))
    send("first", connect("+15550001"))
    send("second", connect("+15550002"))
    return {t.identity: t for t in Transmission.objects.filter(direction=Direction.OUTGOING)}


def test_the_messages_page_lists_and_filters_by_status(admin_client, failed_and_sent):
    page = admin_client.get("/rapidsms/messages/", {"status": "failed"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "+15550001" in html and "invalid destination" in html
    assert "+15550002" not in html
    assert "Retry 1 failed message" in html


def test_a_bad_filter_is_an_error_on_the_page_not_a_crash(admin_client, failed_and_sent):
    page = admin_client.get("/rapidsms/messages/", {"status": "nonsense", "direction": "X"})
    assert page.status_code == 200
    assert "Select a valid choice" in page.content.decode()
    answer = admin_client.post("/rapidsms/messages/?status=nonsense")
    assert answer.status_code == 302
    assert Transmission.objects.filter(status=Status.FAILED).count() == 1


def test_retry_failed_sends_the_failed_messages_again(admin_client, failed_and_sent, mock_backend):
    answer = admin_client.post("/rapidsms/messages/?status=failed", {"action": "retry_failed"})
    assert answer.status_code == 302
    transmission = Transmission.objects.get(identity="+15550001")
    assert transmission.status == Status.SENT
    assert transmission.attempts == 1  # counted afresh
    assert [text for _, text, _, _ in mock_backend.sent] == ["second", "first"]
    assert TransmissionEvent.objects.filter(
        transmission=transmission, status=Status.QUEUED, detail__contains="queued again by"
    ).exists()


def test_the_messages_page_is_for_staff_only(client, failed_and_sent):
    answer = client.get("/rapidsms/messages/")
    assert answer.status_code == 302 and "login" in answer["Location"]


def test_the_admin_pages_and_their_retry_action(admin_client, failed_and_sent, mock_backend):
    for url in ["/admin/db/message/", "/admin/db/transmission/"]:
        assert admin_client.get(url).status_code == 200
    failed = failed_and_sent["+15550001"]
    page = admin_client.get(f"/admin/db/transmission/{failed.pk}/change/")
    assert page.status_code == 200
    assert "invalid destination" in page.content.decode()
    admin_client.post(
        "/admin/db/transmission/",
        {"action": "retry_failed", "_selected_action": [failed.pk]},
    )
    failed.refresh_from_db()
    assert failed.status == Status.SENT


def test_rapidsms_status_prints_counts_by_status_and_backend(failed_and_sent):
    out = StringIO()
    call_command("rapidsms_status", stdout=out)
    text = out.getvalue()
    assert "outgoing   mock                 failed              1" in text
    assert "outgoing   mock                 sent                1" in text
    assert "Worker queues: rapidsms.incoming,rapidsms.send.mock,rapidsms.send.other" in text

    out = StringIO()
    call_command("rapidsms_status", "--json", "--recover", stdout=out)
    data = json.loads(out.getvalue())
    assert {"direction": "outgoing", "backend": "mock", "status": "sent", "count": 1} in [
        {key: row[key] for key in ("direction", "backend", "status", "count")}
        for row in data["counts"]
    ]
    assert data["recovered"] == {"stale_sends": 0, "incoming": 0, "outgoing": 0}


HEALTH_TOKEN = "tests-only-health-token-1"


@pytest.fixture
def health_tokens(settings):
    settings.RAPIDSMS_HEALTH_TOKENS = ["tests-only-old-token", HEALTH_TOKEN]
    return settings.RAPIDSMS_HEALTH_TOKENS


def bearer(token: str) -> dict[str, str]:
    return {"HTTP_AUTHORIZATION": f"Bearer {token}"}


def test_the_health_url_tells_anyone_only_whether_all_is_well(client, store_router, connect):
    receive("echo hi", connect("+15550001")[0])
    answer = client.get("/rapidsms/health/")
    assert answer.status_code == 200
    assert answer.json() == {"ok": True}
    assert "mock" not in answer.content.decode()
    assert "Authorization" in answer["Vary"] and "no-cache" in answer["Cache-Control"]


def test_the_health_url_gives_a_logged_in_user_who_is_not_staff_only_ok(
    client, store_router, django_user_model
):
    client.force_login(django_user_model.objects.create_user("amina", password="x-123456"))
    assert client.get("/rapidsms/health/").json() == {"ok": True}


def test_the_health_url_reports_the_database_and_the_backlog_to_staff(
    admin_client, store_router, connect
):
    receive("echo hi", connect("+15550001")[0])
    answer = admin_client.get("/rapidsms/health/")
    assert answer.status_code == 200
    report = answer.json()
    assert report["ok"] is True
    assert report["database"] == {"ok": True}
    assert report["broker"]["eager"] is True
    assert report["backlog"]["pending"] == {}


@pytest.mark.parametrize("token", ["tests-only-old-token", HEALTH_TOKEN])
def test_the_health_url_reports_details_to_each_configured_token(
    client, store_router, health_tokens, token
):
    answer = client.get("/rapidsms/health/", **bearer(token))
    assert answer.status_code == 200
    assert set(answer.json()) == {"ok", "database", "broker", "backlog"}


@pytest.mark.parametrize(
    "token", ["wrong", HEALTH_TOKEN[:-1], HEALTH_TOKEN + "x", "t", "é" * 8, "tests-only"]
)
def test_the_health_url_refuses_a_wrong_token(client, store_router, health_tokens, token):
    answer = client.get("/rapidsms/health/", **bearer(token))
    assert answer.status_code == 403
    assert set(answer.json()) == {"ok", "error"}


def test_the_health_url_has_no_token_until_one_is_configured(client, store_router, settings):
    settings.RAPIDSMS_HEALTH_TOKENS = ["", None]
    assert client.get("/rapidsms/health/", **bearer("anything")).status_code == 403
    assert client.get("/rapidsms/health/", HTTP_AUTHORIZATION="Bearer ").json() == {"ok": True}
    # A string instead of a list is one token, not one token per character.
    settings.RAPIDSMS_HEALTH_TOKENS = HEALTH_TOKEN
    assert client.get("/rapidsms/health/", **bearer("t")).status_code == 403
    assert "backlog" in client.get("/rapidsms/health/", **bearer(HEALTH_TOKEN)).json()


@pytest.fixture
def http_server(db):
    """Serve the project over HTTP on 127.0.0.1 (a free port) in a thread; yield its URL."""
    from django.db import connections
    from django.test.testcases import LiveServerThread

    shared = {conn.alias: conn for conn in connections.all()
              if conn.vendor == "sqlite" and conn.is_in_memory_db()}
    thread = LiveServerThread("127.0.0.1", static_handler=lambda app: app,
                              connections_override=shared, port=0)
    thread.daemon = True
    for conn in shared.values():
        conn.inc_thread_sharing()
    thread.start()
    thread.is_ready.wait(timeout=30)
    if thread.error:
        raise thread.error
    yield f"http://127.0.0.1:{thread.port}"
    thread.terminate()
    for conn in shared.values():
        conn.dec_thread_sharing()


def test_the_health_url_over_http_with_a_token(http_server, store_router, health_tokens):
    url = http_server + "/rapidsms/health/"
    anonymous = requests.get(url, timeout=10)
    assert (anonymous.status_code, anonymous.json()) == (200, {"ok": True})
    detailed = requests.get(url, headers={"Authorization": f"Bearer {HEALTH_TOKEN}"}, timeout=10)
    assert detailed.status_code == 200 and detailed.json()["database"] == {"ok": True}
    refused = requests.get(url, headers={"Authorization": "Bearer nope"}, timeout=10)
    assert refused.status_code == 403


def test_the_health_url_answers_503_when_the_broker_is_down(
    client, store_router, settings, health_tokens
):
    from celery import current_app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.RAPIDSMS_ROUTER = store_router
    previous = current_app.conf.broker_read_url
    current_app.conf.broker_read_url = "redis://127.0.0.1:9/0"  # nothing listens on port 9
    try:
        anonymous = client.get("/rapidsms/health/")
        detailed = client.get("/rapidsms/health/", **bearer(HEALTH_TOKEN))
    finally:
        current_app.conf.broker_read_url = previous
    assert (anonymous.status_code, anonymous.json()) == (503, {"ok": False})
    assert detailed.status_code == 503
    assert anonymous["Retry-After"] == detailed["Retry-After"] == "30"
    assert detailed.json()["broker"]["ok"] is False
    assert detailed.json()["database"]["ok"] is True


def test_delivery_reports_only_move_forward_and_keep_every_raw_report(
    store_router, connect
):
    send("hello", connect("+15550001"))
    transmission = Transmission.objects.get(direction=Direction.OUTGOING)
    gateway_id = transmission.gateway_message_id

    assert update_transmission_status("mock", gateway_id, "+15550001", "delivered", {"s": 1}) == 1
    assert update_transmission_status("mock", gateway_id, None, "sent", {"s": 2}) == 1
    transmission.refresh_from_db()
    assert transmission.status == Status.DELIVERED
    assert transmission.delivered is not None
    events = list(transmission.events.values_list("status", "applied", "raw"))
    assert events[-2:] == [
        (Status.DELIVERED, True, {"s": 1}),
        (Status.SENT, False, {"s": 2}),
    ]


def test_a_report_by_our_message_id_and_a_failure_after_sent(store_router, connect):
    msg = send("hello", connect("+15550001", "+15550002"))
    update_transmission_status("mock", msg.id, "+15550002", "failed", {"code": 34}, error="off")
    statuses = dict(
        Transmission.objects.filter(direction=Direction.OUTGOING).values_list("identity", "status")
    )
    assert statuses == {"+15550001": Status.SENT, "+15550002": Status.FAILED}
    assert update_transmission_status("mock", "no-such-id", "+15550001", "delivered") == 0


def test_the_gateway_backends_delivery_report_signal_updates_the_transmission(
    store_router, connect
):
    signals = pytest.importorskip("rapidsms.backends.signals")
    send("hello", connect("+15550001"))
    transmission = Transmission.objects.get(direction=Direction.OUTGOING)
    signals.delivery_report.send(
        sender=type(store_router.backends["mock"]),
        backend="mock",
        message_id=str(transmission.message_id),
        identity="+15550001",
        status="delivered",
        raw_status="DELIVRD",
        error="",
        external_id=transmission.gateway_message_id,
        raw={"stat": "DELIVRD"},
        report=None,
    )
    transmission.refresh_from_db()
    assert transmission.status == Status.DELIVERED


def test_checks_catch_a_bad_rate_and_rabbitmq_without_priorities(settings):
    settings.RAPIDSMS_ROUTER = "rapidsms.router.db.DatabaseRouter"
    settings.INSTALLED_BACKENDS = {
        "slow": {"ENGINE": "tests.durable.backend.ScriptedBackend", "router.rate": "fast"},
    }
    settings.CELERY_TASK_ALWAYS_EAGER = False
    settings.CELERY_BROKER_URL = "amqp://guest:guest@127.0.0.1:5672//"
    del settings.CELERY_TASK_QUEUE_MAX_PRIORITY
    ids = [message.id for message in check_store()]
    assert ids == ["rapidsms.db.E002", "rapidsms.db.W001"]

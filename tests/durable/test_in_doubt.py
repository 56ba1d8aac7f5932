"""Messages in doubt: their worker died while the gateway had them.

They end "unknown", not "failed": a delivery report settles them, staff may
resend them (the page, the admin), and a backend may choose to resend them
automatically (``router.in_doubt``).
"""

from __future__ import annotations

import json
from datetime import timedelta
from io import StringIO
from typing import Any
from urllib.parse import urlencode

import pytest
from django.core.management import call_command
from django.urls import include, path
from django.utils import timezone

from rapidsms.backends.kannel import KannelBackend
from rapidsms.backends.urls import backend_urlpatterns
from rapidsms.errors import MessageSendingError
from rapidsms.router import send
from rapidsms.router.db import store
from rapidsms.router.db.checks import check_store
from rapidsms.router.db.models import Transmission
from rapidsms.router.db.recovery import UNKNOWN_OUTCOME, in_doubt_policy, recover
from rapidsms.router.db.reports import update_transmission_status
from rapidsms.router.db.status import Direction, Status
from tests.backends.test_kannel import kannel_fetches

pytestmark = [pytest.mark.django_db]

SECRET = "s3cret-token-for-reports"
KANNEL = "rapidsms.backends.kannel.KannelBackend"
HTTP = "rapidsms.backends.http.GenericHttpBackend"

# This module is the URLconf of the report tests: the backends' status URLs,
# as rapidsms.backends.urls mounts them.
urlpatterns = [
    path("backends/", include(backend_urlpatterns({"kannel": {"ENGINE": KANNEL},
                                                   "gw": {"ENGINE": HTTP}}))),
]


def left_in_doubt(router: Any, backend: Any, identity: str = "+15550001") -> Transmission:
    """Send a message whose worker dies while the gateway has it; return its transmission."""
    backend_name = backend.name
    from rapidsms.router import lookup_connections

    (conn,) = lookup_connections(backend_name, [identity])
    if hasattr(backend, "failures"):
        backend.failures.append(MessageSendingError("down", retryable=True))
    send("hello", conn)
    (transmission,) = Transmission.objects.filter(direction=Direction.OUTGOING, identity=identity)
    assert transmission.status == Status.RETRY
    Transmission.objects.filter(pk=transmission.pk).update(next_attempt_at=timezone.now())
    store.claim([transmission.pk])  # the worker sends ... and is killed
    Transmission.objects.filter(pk=transmission.pk).update(
        claimed_at=timezone.now() - timedelta(hours=1)
    )
    recover(router)
    transmission.refresh_from_db()
    return transmission


@pytest.fixture
def kannel_router(settings: Any) -> Any:
    """An eager durable router with a Kannel backend whose gateway does not answer."""
    from rapidsms.router.db.router import DatabaseRouter

    settings.CELERY_TASK_ALWAYS_EAGER = True
    conf = {
        "ENGINE": KannelBackend,
        "sendsms_url": "http://127.0.0.1:9/cgi-bin/sendsms",
        "inbound_secrets": [SECRET],
        "delivery_report_url": "http://testserver/backends/kannel/status/",
    }
    settings.INSTALLED_BACKENDS = {"kannel": {**conf, "ENGINE": KANNEL}}
    router = DatabaseRouter(apps=["rapidsms.contrib.default"], backends={"kannel": conf})
    settings.RAPIDSMS_ROUTER = router
    return router


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(("code", "settled"), [("1", Status.DELIVERED), ("16", Status.FAILED),
                                               ("8", Status.SENT)])
def test_a_kannel_delivery_report_settles_a_message_in_doubt(kannel_router, client, code,
                                                             settled):
    backend = kannel_router.backends["kannel"]
    transmission = left_in_doubt(kannel_router, backend)
    assert (transmission.status, transmission.last_error) == (Status.UNKNOWN, UNKNOWN_OUTCOME)

    # The dlr-url carries our message id: Kannel fetches it once the SMSC reports.
    dlr_url = backend.delivery_report_callback(str(transmission.message_id), ["+15550001"])
    answer = client.get(kannel_fetches(dlr_url, d=code, p="+15550001", A="stat:x"))

    assert answer.status_code == 200
    transmission.refresh_from_db()
    assert transmission.status == settled


@pytest.mark.urls(__name__)
@pytest.mark.parametrize(("word", "settled"), [("delivered", Status.DELIVERED),
                                               ("failed", Status.FAILED)])
@pytest.mark.parametrize("method", ["get", "post"])
def test_a_generic_http_delivery_report_settles_a_message_in_doubt(settings, client, word,
                                                                   settled, method):
    """The status URL handed to the gateway with each request carries our message id."""
    from rapidsms.router.db.router import DatabaseRouter

    settings.CELERY_TASK_ALWAYS_EAGER = True
    conf = {"ENGINE": HTTP, "url": "http://127.0.0.1:9/send", "inbound_secrets": [SECRET],
            "status_url": "http://testserver/backends/gw/status/"}
    settings.INSTALLED_BACKENDS = {"gw": conf}
    router = DatabaseRouter(apps=["rapidsms.contrib.default"], backends={"gw": conf})
    settings.RAPIDSMS_ROUTER = router
    backend = router.backends["gw"]
    transmission = left_in_doubt(router, backend)
    assert transmission.status == Status.UNKNOWN

    request = backend.prepare_request(str(transmission.message_id), "hello", ["+15550001"], {})
    status_url = request["data"]["status_url"]  # what the gateway calls back
    report = {"identity": "+15550001", "status": word}
    if method == "get":  # the gateway fetches it with its report's fields added to the query
        answer = client.get(f"{status_url}&{urlencode(report)}")
    else:  # or posts its report's fields to it
        answer = client.post(status_url, report)

    assert answer.status_code == 200, answer.content
    transmission.refresh_from_db()
    assert transmission.status == settled


def test_a_report_saying_queued_does_not_move_it_and_nothing_resends_it(store_router,
                                                                        mock_backend):
    transmission = left_in_doubt(store_router, mock_backend)
    update_transmission_status("mock", transmission.message_id, "+15550001", "queued")
    recover(store_router)
    recover(store_router)

    transmission.refresh_from_db()
    assert transmission.status == Status.UNKNOWN
    assert mock_backend.sent == []


class ResendingBackend(KannelBackend):
    in_doubt = "resend"  # a gateway module that knows duplicates are harmless


@pytest.mark.parametrize(
    ("config", "cls", "policy"),
    [
        ({}, KannelBackend, "hold"),
        ({"router.in_doubt": "resend"}, KannelBackend, "resend"),
        ({"router.in_doubt": "hold"}, ResendingBackend, "hold"),
        ({}, ResendingBackend, "resend"),
        ({"router.resend_unconfirmed": True}, KannelBackend, "resend"),
        ({"router.in_doubt": "sometimes"}, KannelBackend, "hold"),
    ],
)
def test_each_backend_declares_what_to_do_with_a_message_in_doubt(config, cls, policy):
    backend = cls.__new__(cls)
    backend._config = config
    assert in_doubt_policy(backend) == policy


def test_a_backend_that_resends_sends_it_again(store_router, mock_backend):
    mock_backend._config["router.in_doubt"] = "resend"
    transmission = left_in_doubt(store_router, mock_backend)
    assert transmission.status == Status.SENT
    assert transmission.events.filter(status=Status.RETRY,
                                      detail__startswith="outcome unknown").exists()


def test_a_wrong_in_doubt_option_is_a_check_error(settings, store_router):
    settings.RAPIDSMS_ROUTER = "rapidsms.router.db.DatabaseRouter"
    settings.INSTALLED_BACKENDS = {
        "mock": {"ENGINE": "tests.durable.backend.ScriptedBackend", "router.in_doubt": "maybe"}
    }
    errors = [m for m in check_store() if m.id == "rapidsms.db.E003"]
    assert len(errors) == 1 and "'hold' or 'resend'" in errors[0].msg


@pytest.mark.urls("tests.durable.inbound")
def test_staff_resend_it_from_the_messages_page(store_router, mock_backend, admin_client):
    transmission = left_in_doubt(store_router, mock_backend)
    page = admin_client.get("/rapidsms/messages/", {"status": "unknown"})
    html = page.content.decode()
    assert "unknown: may have been sent" in html
    assert "Resend 1 message of unknown outcome" in html

    answer = admin_client.post("/rapidsms/messages/?status=unknown",
                               {"action": "resend_unknown"})

    assert answer.status_code == 302
    transmission.refresh_from_db()
    assert transmission.status == Status.SENT
    assert transmission.events.filter(status=Status.QUEUED,
                                      detail__contains="may arrive twice").exists()
    assert len(mock_backend.sent) == 1


@pytest.mark.urls("tests.durable.inbound")
def test_staff_resend_it_from_the_admin(store_router, mock_backend, admin_client):
    transmission = left_in_doubt(store_router, mock_backend)
    admin_client.post("/admin/db/transmission/",
                      {"action": "resend_unknown", "_selected_action": [transmission.pk]})
    transmission.refresh_from_db()
    assert transmission.status == Status.SENT


def test_retry_failed_leaves_messages_in_doubt_alone(store_router, mock_backend):
    transmission = left_in_doubt(store_router, mock_backend)
    assert store.requeue_failed(Transmission.objects.all(), note="retry") == []
    transmission.refresh_from_db()
    assert transmission.status == Status.UNKNOWN


def test_rapidsms_status_shows_them(store_router, mock_backend):
    left_in_doubt(store_router, mock_backend)
    out = StringIO()
    call_command("rapidsms_status", stdout=out)
    text = out.getvalue()
    assert "outgoing   mock                 unknown             1" in text
    assert "1 outgoing message(s) have an unknown outcome" in text

    out = StringIO()
    call_command("rapidsms_status", "--json", stdout=out)
    assert json.loads(out.getvalue())["unknown_outcome"] == 1

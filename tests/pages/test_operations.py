"""The pages for running a service: each message's fate, the traffic, live updates, metrics.

Django test-client tests, with the durable router (eager: its workers run
in the test's process) and the message log among its apps.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from rapidsms.backends.signals import delivery_report
from rapidsms.backends.status import Status as ReportStatus
from rapidsms.contrib.messagelog.models import Message
from rapidsms.errors import MessageSendingError
from rapidsms.router import lookup_connections, receive, send
from rapidsms.router.db.models import Transmission
from rapidsms.router.db.reports import update_transmission_status
from rapidsms.views import LIVE_HEADER
from tests.durable import celery_app  # noqa: F401  (the tests' Celery app)
from tests.durable.backend import ScriptedBackend

pytestmark = pytest.mark.django_db

LIVE = {f"HTTP_{LIVE_HEADER.upper().replace('-', '_')}": "1"}


@pytest.fixture
def durable(settings: Any) -> Any:
    """An eager durable router with the message log, the handlers and two scripted backends."""
    from rapidsms.router.db.router import DatabaseRouter

    settings.CELERY_TASK_ALWAYS_EAGER = True
    backends = {
        "mock": {"ENGINE": "tests.durable.backend.ScriptedBackend"},
        "other": {"ENGINE": "tests.durable.backend.ScriptedBackend"},
        "message_tester": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"},
    }
    settings.INSTALLED_BACKENDS = backends
    router = DatabaseRouter(
        apps=["rapidsms.contrib.messagelog", "rapidsms.contrib.handlers",
              "rapidsms.contrib.default"],
        backends=backends,
    )
    settings.RAPIDSMS_ROUTER = router
    return router


@pytest.fixture
def staff(client: Client, django_user_model) -> Client:
    client.force_login(django_user_model.objects.create_user(
        "operator", password="not-secret-123", is_staff=True))
    return client


def statuses() -> dict[str, tuple[str, str]]:
    return {row.connection.identity: (row.status, row.error)
            for row in Message.objects.filter(direction="O").select_related("connection")}


# Each message's fate -------------------------------------------------------------


def test_the_log_shows_sent_failed_and_delivered_as_the_durable_router_settles_them(
    durable, staff
):
    backend = durable.backends["mock"]
    backend.failures.append(MessageSendingError("invalid destination", retryable=False,
                                                failed_identities=["+15550001"]))
    send("clinic closed", lookup_connections("mock", ["+15550001", "+15550002"]))
    assert statuses()["+15550001"][0] == "failed"
    assert statuses()["+15550002"] == ("sent", "")
    assert "invalid destination" in statuses()["+15550001"][1]

    # A delivery report moves the sent one on; a late "sent" does not move it back.
    message_id = Transmission.objects.get(identity="+15550002").message_id
    update_transmission_status("mock", message_id, "+15550002", "delivered")
    update_transmission_status("mock", message_id, "+15550002", "sent")
    assert statuses()["+15550002"] == ("delivered", "")

    page = staff.get("/messagelog/", {"status": "failed"}).content.decode()
    assert "+15550001" in page and "+15550002" not in page
    assert 'class="status status-failed"' in page and "invalid destination" in page
    page = staff.get("/messagelog/", {"status": "delivered"}).content.decode()
    assert "+15550002" in page and "+15550001" not in page


def test_an_operators_retry_and_a_reply_are_followed_in_the_log(durable, staff, admin_client):
    backend = durable.backends["mock"]
    backend.failures.append(MessageSendingError("gateway down", retryable=False))
    send("first", lookup_connections("mock", ["+15550001"]))
    assert statuses()["+15550001"][0] == "failed"
    answer = staff.post("/store/messages/?status=failed", {"action": "retry_failed"})
    assert answer.status_code == 302
    assert statuses()["+15550001"] == ("sent", "")

    # The admin's action is the same step: the log follows it too.
    backend.failures.append(MessageSendingError("gateway down", retryable=False))
    send("second", lookup_connections("mock", ["+15550004"]))
    assert statuses()["+15550004"][0] == "failed"
    failed = Transmission.objects.get(identity="+15550004", direction="O")
    answer = admin_client.post("/admin/db/transmission/",
                               {"action": "retry_failed", "_selected_action": [failed.pk]})
    assert answer.status_code == 302
    assert statuses()["+15550004"] == ("sent", "")

    # A reply is stored with its message and logged with the router's id of it.
    receive("echo hi", lookup_connections("mock", ["+15550003"])[0])
    reply = Message.objects.get(direction="O", connection__identity="+15550003")
    assert (reply.text, reply.status) == ("hi", "sent")
    assert reply.router_message_id == str(
        Transmission.objects.get(identity="+15550003", direction="O").message_id)


def test_every_reply_of_a_conversation_ends_sent_in_the_log(durable):
    # From the second message on, the log keeps a reply's row back until the
    # router signals the message processed; the reply's "sent" must not come
    # before that row is written.
    for text in ("echo one", "echo two", "echo three"):
        receive(text, lookup_connections("mock", ["+15550006"])[0])
    replies = Message.objects.filter(direction="O").order_by("pk")
    assert [(row.text, row.status) for row in replies] == [
        ("one", "sent"), ("two", "sent"), ("three", "sent")]
    assert [row.router_message_id for row in replies] == [
        str(pk) for pk in Transmission.objects.filter(direction="O")
        .order_by("pk").values_list("message_id", flat=True)]


def test_a_cancelled_send_is_cancelled_in_the_log(durable):
    from rapidsms.signals import send_veto

    def veto(sender, identities, **kwargs):
        return {identity: "opted out" for identity in identities}

    send_veto.connect(veto, dispatch_uid="test-veto")
    try:
        send("news", lookup_connections("mock", ["+15550004"]))
    finally:
        send_veto.disconnect(dispatch_uid="test-veto")
    assert statuses()["+15550004"] == ("cancelled", "cancelled: opted out")


def test_a_retry_and_a_message_in_doubt_are_shown_with_their_reasons(durable, staff):
    from rapidsms.router.db.recovery import UNKNOWN_OUTCOME
    from tests.durable.test_in_doubt import left_in_doubt

    backend = durable.backends["mock"]
    backend.failures.append(MessageSendingError("gateway busy", retryable=True))
    send("later", lookup_connections("mock", ["+15550008"]))
    status, error = statuses()["+15550008"]
    assert status == "retry" and error.startswith("gateway busy")

    left_in_doubt(durable, backend, "+15550009")  # its worker stopped mid-send
    assert statuses()["+15550009"] == ("unknown", UNKNOWN_OUTCOME)
    page = staff.get("/messagelog/", {"status": "unknown"}).content.decode()
    assert "+15550009" in page and "+15550008" not in page
    assert 'class="status status-unknown"' in page and "not sent again" in page


def test_the_blocking_router_and_a_delivery_report_set_the_status_too(settings, staff):
    settings.INSTALLED_BACKENDS = {"mock": {"ENGINE": "tests.durable.backend.ScriptedBackend"}}
    settings.RAPIDSMS_ROUTER = "rapidsms.router.blocking.BlockingRouter"
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS]  # rebuilds the router
    from rapidsms.router import get_router

    router = get_router()
    router.apps[:] = [app for app in router.apps if app.name == "messagelog"]
    message = send("hello", lookup_connections("mock", ["+15550005"]))
    assert statuses()["+15550005"] == ("sent", "")
    delivery_report.send(ScriptedBackend, backend="mock", message_id=message.id,
                         identity="+15550005", status=ReportStatus.FAILED, raw_status="x",
                         error="handset unreachable", external_id="", raw={}, report=None)
    assert statuses()["+15550005"] == ("failed", "handset unreachable")


def test_a_report_quoting_our_credentials_leaves_them_out_of_the_log_and_its_export(
    settings, staff, request
):
    """The message log keeps and shows a gateway's error: an echoed secret must not survive."""
    import base64

    from rapidsms.redaction import remember_secrets

    secret = "report-secret-7f3a9c"
    basic = base64.b64encode(b"AC0123:" + secret.encode()).decode()
    remember_secrets("report-test", [secret])  # as an HTTP backend does for its own
    request.addfinalizer(lambda: remember_secrets("report-test", []))
    settings.INSTALLED_BACKENDS = {"mock": {"ENGINE": "tests.durable.backend.ScriptedBackend"}}
    settings.RAPIDSMS_ROUTER = "rapidsms.router.blocking.BlockingRouter"
    settings.INSTALLED_APPS = [*settings.INSTALLED_APPS]  # rebuilds the router
    from rapidsms.router import get_router

    router = get_router()
    router.apps[:] = [app for app in router.apps if app.name == "messagelog"]
    message = send("hello", lookup_connections("mock", ["+15550006"]))
    echoed = (f"refused: Authorization: Basic {basic} GET /send?to=1&token={secret} "
              f"body mentions {secret}")
    delivery_report.send(ScriptedBackend, backend="mock", message_id=message.id,
                         identity="+15550006", status=ReportStatus.FAILED, raw_status="x",
                         error=echoed, external_id="", raw={}, report=None)

    status, error = statuses()["+15550006"]
    assert status == "failed" and error.startswith("refused:")
    page = staff.get("/messagelog/").content.decode()
    export = b"".join(staff.get("/messagelog/export.csv").streaming_content).decode()
    assert "refused:" in page and "refused:" in export
    for text in (error, page, export):
        assert secret not in text and basic not in text


# One look, and who may see what ---------------------------------------------------


def test_the_message_store_page_has_the_sites_layout_login_and_staff_check(
    durable, client, django_user_model
):
    send("hi", lookup_connections("mock", ["+15550001"]))
    answer = client.get("/store/messages/?status=sent")
    assert answer.status_code == 302
    assert answer["Location"] == "/login/?next=/store/messages/%3Fstatus%3Dsent"
    client.force_login(django_user_model.objects.create_user("amina", password="x-123456"))
    assert client.get("/store/messages/").status_code == 403
    user = django_user_model.objects.get(username="amina")
    user.is_staff = True
    user.save()
    page = client.get("/store/messages/").content.decode()
    assert 'class="site-header"' in page and 'class="site-nav"' in page
    assert 'aria-current="page">Message store</a>' in page
    assert 'class="data-table rapidsms-messages"' in page
    assert '<span class="status status-sent">sent</span>' in page


# The dashboard ----------------------------------------------------------------------


def test_the_dashboard_counts_traffic_per_backend_and_the_configured_backends(durable, staff):
    backend = durable.backends["mock"]
    backend.failures.append(MessageSendingError("no credit", retryable=False))
    send("one", lookup_connections("mock", ["+15550001"]))
    send("two", lookup_connections("mock", ["+15550002"]))
    receive("echo hi", lookup_connections("other", ["+15550003"])[0])
    page = staff.get("/").content.decode()
    assert re.search(r"<strong>3</strong>\s*backends", page)  # configured, not seen
    row = re.search(r'<th scope="row" data-label="Backend">mock</th>(.*?)</tr>', page, re.S)
    numbers = re.findall(r">(\d+)</td>", row.group(1))
    assert numbers == ["0", "2", "1", "0", "2", "1"]  # in, out, failed: today, 7 days
    assert "33.3 %" in page  # 1 of the 3 outgoing messages (a reply too) failed
    assert page.count('<svg viewBox="0 0 720 180"') == 2
    assert 'fill="#D55E00"><title>' in page  # the failure, in its own colour
    # The durable router's figures, for staff.
    assert "in doubt: the worker stopped while sending" in page
    assert "failed in the last 24 hours" in page


def test_the_dashboard_counts_the_backlog_retries_messages_in_doubt_and_failures(
    durable, staff
):
    from tests.durable.test_in_doubt import left_in_doubt

    backend = durable.backends["mock"]
    backend.failures += [MessageSendingError("no credit", retryable=False),
                         MessageSendingError("busy", retryable=True)]
    send("one", lookup_connections("mock", ["+15550001"]))  # fails for good
    send("two", lookup_connections("mock", ["+15550002"]))  # waits for its retry
    left_in_doubt(durable, backend, "+15550003")
    page = staff.get("/").content.decode()
    figures = {label.strip(): int(value) for value, label in re.findall(
        r"<li(?: class=\"alert\")?><strong>(\d+)</strong> ([^<]+)", page)}
    assert figures["waiting to be processed or sent"] == 1  # the retry is still to send
    assert figures["waiting to be tried again"] == 1
    assert figures["in doubt: the worker stopped while sending"] == 1
    assert figures["failed in the last 24 hours"] == 1
    assert re.search(r"the oldest for \d+ seconds?", page)


# Live --------------------------------------------------------------------------------


def test_every_page_answers_its_live_update_with_its_regions(durable, staff):
    send("hi", lookup_connections("message_tester", ["+15550100"]))
    for url, regions in [
        ("/", ["dashboard-live"]),
        ("/messagelog/", ["log-live"]),
        ("/store/messages/", ["store-live"]),
        ("/httptester/+15550100/", ["conversation", "numbers-list"]),
    ]:
        answer = staff.get(url, **LIVE)
        assert answer.status_code == 200, url
        assert answer["Content-Type"] == "application/json"
        assert LIVE_HEADER in answer["Vary"]
        assert sorted(json.loads(answer.content)["regions"]) == sorted(regions), url
        page = staff.get(url).content.decode()
        for region in regions:
            assert f'id="{region}" data-live' in page, (url, region)
        assert "rapidsms/js/live.js" in page


def test_a_message_from_elsewhere_appears_in_the_testers_live_update(durable, staff):
    first = json.loads(staff.get("/httptester/+15550100/", **LIVE).content)
    send("sent from another page", lookup_connections("message_tester", ["+15550100"]))
    second = json.loads(staff.get("/httptester/+15550100/", **LIVE).content)
    assert "sent from another page" not in first["regions"]["conversation"]
    assert "sent from another page" in second["regions"]["conversation"]


def live_regions(answer: Any) -> dict[str, str]:
    assert answer.status_code == 200, answer.status_code
    return json.loads(answer.content)["regions"]


def test_the_log_and_the_tester_answer_nothing_new_without_drawing_it(durable, staff, settings):
    # The pages' script asks every second: while nothing changed, the answer
    # is an empty 304, and no template is drawn for it.
    send("first", lookup_connections("message_tester", ["+15550100"]))
    pages = ["/messagelog/", "/httptester/+15550100/"]
    etags = {}
    for url in pages:
        first = staff.get(url, **LIVE)
        assert first.status_code == 200 and first.templates, url
        etags[url] = first["ETag"]
        again = staff.get(url, HTTP_IF_NONE_MATCH=etags[url], **LIVE)
        assert again.status_code == 304, url
        assert again.content == b""
        assert again.templates == [], f"{url} drew {again.templates} for nothing new"
        assert again["ETag"] == etags[url]
        assert again["Cache-Control"] == "no-store"
        assert LIVE_HEADER in again["Vary"]
        # A proxy or a compressing middleware may have weakened the tag.
        weak = staff.get(url, HTTP_IF_NONE_MATCH=f"W/{etags[url]}", **LIVE)
        assert weak.status_code == 304, url
        # Asking again every second writes nothing: not even the session.
        assert settings.SESSION_COOKIE_NAME not in again.cookies, url
    # A message from elsewhere: both pages draw it, with a new version.
    send("second", lookup_connections("message_tester", ["+15550100"]))
    log = staff.get("/messagelog/", HTTP_IF_NONE_MATCH=etags["/messagelog/"], **LIVE)
    assert "second" in live_regions(log)["log-live"]
    tester = staff.get(pages[1], HTTP_IF_NONE_MATCH=etags[pages[1]], **LIVE)
    assert "second" in live_regions(tester)["conversation"]
    assert {log["ETag"], tester["ETag"]}.isdisjoint(etags.values())
    # Clearing the conversation is news too, though no row is added.
    tester_etag = tester["ETag"]
    from rapidsms.contrib.httptester import storage

    storage.clear_messages("+15550100")
    cleared = staff.get(pages[1], HTTP_IF_NONE_MATCH=tester_etag, **LIVE)
    assert "second" not in live_regions(cleared)["conversation"]
    # The dashboard's figures come from plug-ins: it is drawn for every request.
    dashboard = staff.get("/", HTTP_IF_NONE_MATCH=etags["/messagelog/"], **LIVE)
    assert "dashboard-live" in live_regions(dashboard)
    assert not dashboard.has_header("ETag")


def test_the_logs_version_follows_statuses_names_filters_and_the_language(durable, staff):
    send("hello", lookup_connections("mock", ["+15550001"]))
    etag = staff.get("/messagelog/", **LIVE)["ETag"]
    # A status that a gateway reports later changes no row count or id.
    Message.objects.filter(direction="O").update(status="failed", error="unknown subscriber")
    answer = staff.get("/messagelog/", HTTP_IF_NONE_MATCH=etag, **LIVE)
    assert "unknown subscriber" in live_regions(answer)["log-live"]
    etag = answer["ETag"]
    assert staff.get("/messagelog/", HTTP_IF_NONE_MATCH=etag, **LIVE).status_code == 304
    # Nor does a contact's new name.
    from rapidsms.models import Contact

    contact = Contact.objects.create(name="Amina")
    Message.objects.update(contact=contact)
    answer = staff.get("/messagelog/", HTTP_IF_NONE_MATCH=etag, **LIVE)
    assert "Amina" in live_regions(answer)["log-live"]
    etag = answer["ETag"]
    Contact.objects.filter(pk=contact.pk).update(name="Amina Juma")
    answer = staff.get("/messagelog/", HTTP_IF_NONE_MATCH=etag, **LIVE)
    assert "Amina Juma" in live_regions(answer)["log-live"]
    etag = answer["ETag"]
    # The same rows under another filter, page size or language are drawn anew.
    for other in ({"path": "/messagelog/?status=failed"}, {"path": "/messagelog/?per_page=10"},
                  {"path": "/messagelog/", "HTTP_ACCEPT_LANGUAGE": "fr"}):
        path = other.pop("path")
        answer = staff.get(path, HTTP_IF_NONE_MATCH=etag, **other, **LIVE)
        assert answer.status_code == 200, path


def test_the_dashboard_sees_old_rows_that_arrive_after_it_counted(durable, staff):
    from datetime import timedelta

    from django.utils import timezone

    send("today", lookup_connections("mock", ["+15550001"]))
    staff.get("/")  # counts, and keeps the counts of the days before today
    connection = lookup_connections("mock", ["+15550001"])[0]
    Message.objects.create(connection=connection, direction="O", text="imported",
                           date=timezone.now() - timedelta(days=3), status="failed")
    page = staff.get("/").content.decode()
    row = re.search(r'<th scope="row" data-label="Backend">mock</th>(.*?)</tr>', page, re.S)
    assert re.findall(r">(\d+)</td>", row.group(1)) == ["0", "1", "0", "0", "2", "1"]

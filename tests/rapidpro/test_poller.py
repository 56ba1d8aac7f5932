"""Polling RapidPro for incoming messages and delivery statuses."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import connection

from rapidsms.backends.rapidpro import RapidProBackend
from rapidsms.backends.rapidpro.models import OutboxEntry, PollCursor, RapidProContact
from rapidsms.backends.rapidpro.poller import IncomingPoller, StatusPoller
from rapidsms.backends.rapidpro.sandbox import Sandbox
from rapidsms.backends.signals import delivery_report
from tests.rapidpro.conftest import TOKEN, urns

Install = Callable[..., RapidProBackend]


@pytest.fixture
def reports() -> Any:
    """The delivery_report signals sent during the test, as (identity, message id, status)."""
    seen: list[tuple[str, str, str]] = []

    def listener(sender: Any, **kwargs: Any) -> None:
        seen.append((kwargs["identity"], kwargs["message_id"], str(kwargs["status"])))

    delivery_report.connect(listener)
    yield seen
    delivery_report.disconnect(listener)


@pytest.mark.django_db
@pytest.mark.parametrize("shape", ["current", "v9"])
def test_polling_routes_each_new_message_once(
    install_backend: Install, received: list[Any], shape: str
) -> None:
    with Sandbox(token=TOKEN, shape=shape) as server:
        backend = install_backend(server)
        for n, urn in enumerate(urns(3)):
            server.workspace.receive(urn, f"report {n}")
        first = IncomingPoller(backend).poll()
        second = IncomingPoller(backend).poll()
        replies = server.count("POST", "messages", status=201)
    assert (first.routed, second.routed, second.duplicates) == (3, 0, 3)
    assert [m.text for m in received] == ["report 0", "report 1", "report 2"]
    contact = server.workspace.urn_owner[urns(1)[0]]
    assert received[0].fields["rapidpro_contact_uuid"] == contact.uuid
    assert RapidProContact.objects.count() == 3
    assert replies == 3  # the app's replies went to the contacts directly


@pytest.mark.django_db
def test_a_message_listed_late_is_still_routed(
    install_backend: Install, sandbox: Sandbox, received: list[Any]
) -> None:
    backend = install_backend()
    sandbox.workspace.receive("tel:+250788000001", "early, handled late", handled=False)
    sandbox.workspace.receive("tel:+250788000002", "later, handled at once")
    IncomingPoller(backend).poll()
    assert [m.text for m in received] == ["later, handled at once"]
    sandbox.workspace.handle_pending()  # RapidPro lists it only now, older than the cursor
    result = IncomingPoller(backend).poll()
    assert result.routed == 1 and received[-1].text == "early, handled late"


@pytest.mark.django_db
def test_the_first_poll_reads_back_only_poll_lookback(
    install_backend: Install, sandbox: Sandbox, received: list[Any]
) -> None:
    backend = install_backend(poll_lookback=3600)
    old = datetime.now(UTC) - timedelta(hours=2)
    sandbox.workspace.receive("tel:+250788000001", "two hours ago", created_on=old)
    sandbox.workspace.receive("tel:+250788000002", "just now")
    IncomingPoller(backend).poll()
    assert [m.text for m in received] == ["just now"]


@pytest.mark.django_db
def test_a_poller_stopped_mid_way_loses_nothing(
    install_backend: Install, sandbox: Sandbox, received: list[Any], monkeypatch: Any
) -> None:
    backend = install_backend()
    for n in range(5):
        sandbox.workspace.receive(f"tel:+25078800000{n}", f"m{n}")
    import rapidsms.router

    real_receive = rapidsms.router.receive

    def dies_on_the_third(text: str, *args: Any, **kwargs: Any) -> Any:
        if text == "m2":
            raise KeyboardInterrupt  # the process is stopped while routing it
        return real_receive(text, *args, **kwargs)

    monkeypatch.setattr(rapidsms.router, "receive", dies_on_the_third)
    with pytest.raises(KeyboardInterrupt):
        IncomingPoller(backend).poll()
    assert [m.text for m in received] == ["m0", "m1"]
    monkeypatch.setattr(rapidsms.router, "receive", real_receive)
    result = IncomingPoller(backend).poll()
    assert (result.routed, result.duplicates) == (3, 2)
    assert [m.text for m in received] == ["m0", "m1", "m2", "m3", "m4"]


@pytest.mark.django_db
def test_two_pollers_interleaved_route_each_message_once(
    install_backend: Install, sandbox: Sandbox, received: list[Any]
) -> None:
    backend = install_backend()
    for n in range(6):
        sandbox.workspace.receive(f"tel:+25078800000{n}", f"m{n}")
    first, second = IncomingPoller(backend), IncomingPoller(backend)
    seen_by_first, seen_by_second = first.fetch(), second.fetch()
    for message in seen_by_first[:3]:
        first.route(message)
    for message in seen_by_second:
        second.route(message)
    for message in seen_by_first[3:]:
        first.route(message)
    assert Counter(m.text for m in received) == {f"m{n}": 1 for n in range(6)}
    assert PollCursor.objects.get().position == max(m.created_on for m in seen_by_first)


@pytest.mark.skipif(connection.vendor == "sqlite",
                    reason="needs a database that takes concurrent writers (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_two_pollers_at_once_route_each_message_once(
    install_backend: Install, sandbox: Sandbox, received: list[Any]
) -> None:
    backend = install_backend()
    for n in range(40):
        sandbox.workspace.receive(f"tel:+2507880{n:05d}", f"m{n}")
    errors: list[BaseException] = []

    def run() -> None:
        from django.db import connection as thread_connection

        try:
            IncomingPoller(backend).poll()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert Counter(m.text for m in received) == {f"m{n}": 1 for n in range(40)}


@pytest.mark.django_db(transaction=True)
def test_polling_and_the_webhook_together_route_a_message_once(
    webhook_server: str, sandbox: Sandbox, install_backend: Install, received: list[Any]
) -> None:
    backend = install_backend()
    backend.client.create_resthook_subscriber(
        "rapidsms", backend.callback_url(webhook_server + "/backends/rapidpro/"))
    sandbox.receive("tel:+250788123123", "hello")
    result = IncomingPoller(backend).poll()
    assert (result.routed, result.duplicates) == (0, 1)
    assert [m.text for m in received] == ["hello"]


@pytest.mark.django_db
def test_statuses_become_delivery_reports(
    install_backend: Install, sandbox: Sandbox, reports: list[Any]
) -> None:
    backend = install_backend()
    recipients = urns(3)
    backend.send("bulk-1", "Clinic open", recipients, {})
    assert StatusPoller(backend).poll().changed == 0  # still queued, as when accepted
    sandbox.workspace.set_status("sent")
    sandbox.workspace.set_status("delivered", urns={recipients[0]})
    sandbox.workspace.set_status("failed", urns={recipients[2]})
    result = StatusPoller(backend).poll()
    assert sorted(reports) == [
        (recipients[0], "bulk-1", "delivered"),
        (recipients[1], "bulk-1", "sent"),
        (recipients[2], "bulk-1", "failed"),
    ]
    assert result.changed == 3
    assert StatusPoller(backend).poll().changed == 0  # nothing new, nothing reported twice
    statuses = dict(OutboxEntry.objects.values_list("identity", "status"))
    assert statuses == {recipients[0]: "delivered", recipients[1]: "sent",
                        recipients[2]: "failed"}
    # Delivered and failed entries are no longer followed.
    assert StatusPoller(backend).poll().followed == 1


@pytest.mark.django_db
@pytest.mark.parametrize("shape", ["current", "v9"])
def test_statuses_of_replies_and_of_unknown_outcomes(
    install_backend: Install, reports: list[Any], shape: str
) -> None:
    with Sandbox(token=TOKEN, shape=shape) as server:
        backend = install_backend(server, read_timeout=0.3)
        server.delay_next(1.0, method="POST", endpoint="broadcasts")
        with pytest.raises(Exception, match="unknown"):
            backend.send("m1", "Results", ["tel:+250788000001"], {})
        server.workspace.set_status("wired")
        StatusPoller(backend).poll()
    # The status poller found the broadcast that got no answer: RapidPro had it.
    assert reports == [("tel:+250788000001", "m1", "sent")]
    assert OutboxEntry.objects.get().message_key


@pytest.mark.django_db
def test_the_poll_command(install_backend: Install, sandbox: Sandbox,
                          received: list[Any]) -> None:
    backend = install_backend()
    backend.router.add_backend("tester", "rapidsms.backends.database.DatabaseBackend")
    sandbox.workspace.receive("tel:+250788000001", "hello")
    out = StringIO()
    call_command("rapidpro_poll", "rapidpro", stdout=out)
    assert "1 routed" in out.getvalue()
    assert [m.text for m in received] == ["hello"]
    with pytest.raises(CommandError, match="No backend named"):
        call_command("rapidpro_poll", "nope")
    with pytest.raises(CommandError, match="not a RapidProBackend"):
        call_command("rapidpro_poll", "tester")


@pytest.mark.django_db
def test_the_poll_command_reports_rapidpro_errors(
    install_backend: Install, sandbox: Sandbox
) -> None:
    install_backend(api_token="wrong")
    with pytest.raises(CommandError, match="Invalid token"):
        call_command("rapidpro_poll", "rapidpro", stdout=StringIO())


@pytest.mark.django_db
def test_the_celery_task(install_backend: Install, sandbox: Sandbox, received: list[Any]) -> None:
    pytest.importorskip("celery")
    from rapidsms.backends.rapidpro.tasks import poll_rapidpro

    install_backend()
    sandbox.workspace.receive("tel:+250788000001", "via celery")
    poll_rapidpro.apply(args=["rapidpro"])  # runs here, as a worker would
    assert [m.text for m in received] == ["via celery"]


@pytest.mark.django_db
def test_subscribe_command_puts_the_secret_in_the_url(
    install_backend: Install, sandbox: Sandbox
) -> None:
    install_backend()
    out = StringIO()
    call_command("rapidpro_subscribe", "rapidpro", "https://sms.example.org/backends/rapidpro/",
                 stdout=out)
    (subscriber,) = sandbox.workspace.subscribers
    assert subscriber.target_url.endswith("?token=tests-only-rapidpro-secret")
    assert "tests-only-rapidpro-secret" not in out.getvalue()  # never printed


@pytest.mark.django_db
def test_polling_after_a_bulk_send_does_not_read_our_own_messages(
    install_backend: Install, sandbox: Sandbox, received: list[Any]
) -> None:
    backend = install_backend()
    backend.send("bulk", "Clinic open", urns(1000), {})
    sandbox.workspace.receive("tel:+250788999999", "hello")
    sandbox.reset_requests()
    assert IncomingPoller(backend).poll().routed == 1
    # One page each of "inbox", "flows" and "archived", not the 1,000 sent.
    assert sandbox.count("GET", "messages") == 3


@pytest.mark.django_db
@pytest.mark.parametrize("shape", ["current", "v9"])
def test_a_message_archived_before_the_poll_is_still_routed(
    install_backend: Install, received: list[Any], shape: str
) -> None:
    with Sandbox(token=TOKEN, shape=shape) as server:
        backend = install_backend(server)
        archived = server.workspace.receive("tel:+250788000001", "filed away at once")
        archived.visibility = "archived"  # by a person in RapidPro, or by a flow
        server.workspace.receive("tel:+250788000002", "still in the inbox")
        result = IncomingPoller(backend).poll()
    assert result.routed == 2
    assert sorted(m.text for m in received) == ["filed away at once", "still in the inbox"]


@pytest.mark.django_db
def test_an_unknown_outcome_rapidpro_never_acted_on_is_reported_failed(
    install_backend: Install, sandbox: Sandbox, reports: list[Any]
) -> None:
    from rapidsms.backends.rapidpro.poller import UNKNOWN_GRACE

    backend = install_backend()
    backend.send("m1", "Hello", urns(1), {})
    # As if the request had got no answer long ago and RapidPro had never seen it.
    sandbox.workspace.messages.clear()
    long_ago = datetime.now(UTC) - UNKNOWN_GRACE - timedelta(minutes=1)
    OutboxEntry.objects.update(status=OutboxEntry.UNKNOWN, sent_at=long_ago)
    StatusPoller(backend).poll()
    assert reports == [(urns(1)[0], "m1", "failed")]
    assert "no message" in OutboxEntry.objects.get().error

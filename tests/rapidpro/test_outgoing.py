"""Sending through RapidPro: batches, coalescing, the budget, and every failure."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection, transaction

from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.backends.rapidpro import RapidProBackend
from rapidsms.backends.rapidpro.models import OutboxEntry, RapidProContact
from rapidsms.backends.rapidpro.sandbox import Sandbox
from rapidsms.backends.rapidpro.throttle import SharedRateLimit, parse_rate
from rapidsms.errors import MessageSendingError
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.router import lookup_connections, send
from tests.rapidpro.conftest import TOKEN, urns

Install = Callable[..., RapidProBackend]


def broadcast_sizes(sandbox: Sandbox) -> list[int]:
    return [len(r.body["urns"]) for r in sandbox.requests
            if r.method == "POST" and r.endpoint == "broadcasts" and r.status == 201]


@pytest.mark.django_db
@pytest.mark.parametrize(("count", "requests"), [(1, 1), (100, 1), (101, 2)])
def test_send_through_the_router_costs_one_broadcast_per_100_urns(
    install_backend: Install, sandbox: Sandbox, count: int, requests: int
) -> None:
    install_backend()
    connections = lookup_connections("rapidpro", urns(count))
    send("Clinic closed today", connections)
    assert sandbox.count("POST", "broadcasts") == requests
    assert sorted(sandbox.received_urns()) == sorted(urns(count))
    assert set(OutboxEntry.objects.values_list("status", flat=True)) == {OutboxEntry.ACCEPTED}


@pytest.mark.django_db
def test_send_to_10000_urns_costs_100_requests(install_backend: Install, sandbox: Sandbox) -> None:
    backend = install_backend()
    backend.send("bulk-1", "Vaccination day on Monday", urns(10_000), {})
    assert sandbox.count() == 100
    assert broadcast_sizes(sandbox) == [100] * 100
    received = Counter(sandbox.received_urns())
    assert len(received) == 10_000 and set(received.values()) == {1}


@pytest.mark.django_db(transaction=True)
def test_same_text_within_the_window_goes_as_one_broadcast(
    install_backend: Install, sandbox: Sandbox
) -> None:
    backend = install_backend(coalesce_window=0.3)
    # One transaction, as in a view: the background thread sees the entries
    # (and starts its countdown) only once it commits.
    with transaction.atomic():
        for n, urn in enumerate(urns(10)):
            backend.send(f"m{n}", "Meeting at 3", [urn], {})
        backend.send("other", "Different text", urns(2, start=100), {})
        assert sandbox.count("POST", "broadcasts") == 0  # send() returned without sending
    backend.flusher.join(timeout=5)
    assert sorted(broadcast_sizes(sandbox)) == [2, 10]
    assert OutboxEntry.objects.filter(status=OutboxEntry.ACCEPTED).count() == 12


@pytest.mark.django_db
def test_a_loop_of_single_sends_fills_broadcasts_of_100(
    install_backend: Install, sandbox: Sandbox
) -> None:
    backend = install_backend(coalesce_window=60)
    for n, urn in enumerate(urns(250)):
        backend.send(f"m{n}", "Reminder", [urn], {})
    # Full batches left at once, in the sending thread; the rest waits.
    assert broadcast_sizes(sandbox) == [100, 100]
    backend.outbox.flush(max_wait=0)  # nothing is due before the window ends
    assert broadcast_sizes(sandbox) == [100, 100]
    backend.flush()
    assert broadcast_sizes(sandbox) == [100, 100, 50]
    assert Counter(sandbox.received_urns()) == Counter(urns(250))


@pytest.mark.django_db
def test_429_mid_run_loses_nothing_and_sends_nothing_twice(
    install_backend: Install, settings: Any
) -> None:
    with Sandbox(token=TOKEN, rate_limit=3, rate_window=1) as limited:
        backend = install_backend(limited, rate_limit_wait=10)
        backend.send("bulk", "Water is safe again", urns(900), {})
        refused = limited.count("POST", "broadcasts", status=429)
        accepted = limited.count("POST", "broadcasts", status=201)
        received = Counter(limited.received_urns())
    assert refused >= 1 and accepted == 9
    assert received == Counter(urns(900))


@pytest.mark.django_db
def test_429_pauses_every_process_of_the_backend(
    install_backend: Install, sandbox: Sandbox
) -> None:
    backend = install_backend(rate_limit_wait=0)
    sandbox.fail_next(429, retry_after=30, endpoint="broadcasts")
    backend.send("m1", "Hello", urns(1), {})  # waits in the outbox, no error
    entry = OutboxEntry.objects.get()
    assert entry.status == OutboxEntry.PENDING
    # Another process (another backend object with the same name) sees the pause.
    other = SharedRateLimit("rapidpro", *parse_rate("100000/h"))
    assert 25 < other.try_acquire() <= 30
    assert sandbox.count("POST", "broadcasts") == 1


@pytest.mark.django_db
def test_timeout_after_the_broadcast_arrived_is_not_resent_and_reported_unknown(
    install_backend: Install, sandbox: Sandbox
) -> None:
    backend = install_backend(read_timeout=0.3)
    sandbox.delay_next(1.0, method="POST", endpoint="broadcasts")
    with pytest.raises(MessageSendingError) as caught:
        backend.send("m1", "Results are ready", urns(3), {})
    error = caught.value
    assert error.retryable is False and "unknown" in str(error)
    assert sorted(error.failed_identities) == urns(3)
    assert set(OutboxEntry.objects.values_list("status", flat=True)) == {OutboxEntry.UNKNOWN}
    # Neither a flush nor the router sending the message again repeats it.
    backend.flush()
    backend.send("m1", "Results are ready", urns(3), {})  # a no-op: already handled
    assert sandbox.count("POST", "broadcasts") == 1
    assert len(sandbox.workspace.broadcasts) == 1


@pytest.mark.django_db
def test_400_for_one_urn_fails_only_that_urn(install_backend: Install, sandbox: Sandbox) -> None:
    backend = install_backend()
    recipients = urns(10)
    sandbox.workspace.reject_urns.add(recipients[4])
    with pytest.raises(MessageSendingError) as caught:
        backend.send("m1", "Hello", recipients, {})
    assert caught.value.failed_identities == [recipients[4]]
    assert caught.value.retryable is False
    assert sorted(sandbox.received_urns()) == sorted(recipients[:4] + recipients[5:])
    assert sandbox.count("POST", "broadcasts", status=400) == 1
    report = DeliveryReport.objects.get()
    assert (report.identity, report.status, report.message_id) == (recipients[4], "failed", "m1")
    assert "Invalid URN" in report.error


@pytest.mark.django_db
def test_identities_that_are_not_urns_fail_without_a_request(
    install_backend: Install, sandbox: Sandbox
) -> None:
    backend = install_backend()
    with pytest.raises(MessageSendingError) as caught:
        backend.send("m1", "Hello", ["tel:+250788123123", "nonsense", "tel:0788123123"], {})
    assert caught.value.failed_identities == ["nonsense", "tel:0788123123"]
    assert "default_region" in str(caught.value)
    assert sandbox.received_urns() == ["tel:+250788123123"]


@pytest.mark.django_db
def test_identities_are_normalised_urns(install_backend: Install, sandbox: Sandbox) -> None:
    backend = install_backend(default_region="RW")
    backend.send("m1", "Hello", ["tel:0788 123 123", "whatsapp:+250788123124", "telegram:42"], {})
    assert sandbox.received_urns() == [
        "tel:+250788123123", "whatsapp:250788123124", "telegram:42"]


@pytest.mark.django_db
def test_a_reply_to_a_known_contact_goes_as_a_message(
    install_backend: Install, sandbox: Sandbox
) -> None:
    install_backend()
    connection = lookup_connections("rapidpro", ["tel:+250788123123"])[0]
    contact = sandbox.workspace.contact_for_urn("tel:+250788123123")
    RapidProContact.objects.create(connection=connection, contact_uuid=contact.uuid)
    incoming = IncomingMessage(connections=[connection], text="hi")
    send("Thanks, registered", connection, in_response_to=incoming)
    assert (sandbox.count("POST", "messages"), sandbox.count("POST", "broadcasts")) == (1, 0)
    entry = OutboxEntry.objects.get()
    assert entry.route == OutboxEntry.MESSAGE and entry.message_key
    # Not a reply: a broadcast, even to a known contact.
    send("Weekly tip", connection)
    assert sandbox.count("POST", "broadcasts") == 1


@pytest.mark.django_db
def test_a_reply_to_a_deleted_contact_falls_back_to_its_urn(
    install_backend: Install, sandbox: Sandbox
) -> None:
    install_backend()
    connection = lookup_connections("rapidpro", ["tel:+250788123123"])[0]
    RapidProContact.objects.create(connection=connection,
                                   contact_uuid="9a0c6e5e-0000-4000-8000-00000000dead")
    incoming = IncomingMessage(connections=[connection], text="hi")
    send("Thanks", connection, in_response_to=incoming)
    assert sandbox.count("POST", "messages", status=400) == 1
    assert sandbox.received_urns() == ["tel:+250788123123"]
    assert not RapidProContact.objects.exists()


@pytest.mark.django_db
def test_a_message_goes_once_to_each_recipient_however_often_it_is_sent(
    install_backend: Install, sandbox: Sandbox
) -> None:
    backend = install_backend()
    backend.send("m1", "Hello", urns(3), {})
    backend.send("m1", "Hello", urns(3) + urns(1, start=50), {})
    assert sorted(sandbox.received_urns()) == sorted(urns(3) + urns(1, start=50))


@pytest.mark.django_db
def test_an_outage_delays_messages_without_losing_them(
    install_backend: Install, sandbox: Sandbox
) -> None:
    backend = install_backend()
    sandbox.fail_next(503, count=4, endpoint="broadcasts")  # one try and three retries
    backend.send("m1", "Hello", urns(2), {})  # no error: the message waits
    entry = OutboxEntry.objects.first()
    assert entry.status == OutboxEntry.PENDING and entry.attempts == 1
    assert sandbox.received_urns() == []
    backend.flush()
    assert sorted(sandbox.received_urns()) == urns(2)


@pytest.mark.django_db
def test_what_a_stopped_process_left_in_the_outbox_is_sent_by_another(
    install_backend: Install, sandbox: Sandbox
) -> None:
    first = install_backend(coalesce_window=60)
    first.send("m1", "Hello", urns(5), {})
    assert sandbox.count() == 0  # waiting for the window; then the process "stops"
    second = install_backend(coalesce_window=60)
    second.flush()
    assert sorted(sandbox.received_urns()) == urns(5)


@pytest.mark.django_db
def test_the_request_budget_spaces_requests(install_backend: Install, sandbox: Sandbox) -> None:
    backend = install_backend(rate_limit="3/s", rate_limit_wait=5)
    started = time.monotonic()
    for n in range(4):
        backend.send(f"m{n}", f"text {n}", urns(1, start=n), {})
    assert time.monotonic() - started >= 0.9
    assert sandbox.count("POST", "broadcasts") == 4


@pytest.mark.django_db
def test_when_the_budget_is_spent_send_leaves_the_rest_to_the_outbox(
    install_backend: Install, sandbox: Sandbox
) -> None:
    backend = install_backend(rate_limit="2/h", rate_limit_wait=0)
    backend.send("m1", "Hello", urns(300), {})
    assert sandbox.count("POST", "broadcasts") == 2
    assert OutboxEntry.objects.filter(status=OutboxEntry.PENDING).count() == 100


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"api_token": "t"}, "'url'"),
        ({"url": "https://x.org"}, "'api_token'"),
        ({"url": "https://x.org", "api_token": "t", "batch_size": 101}, "batch_size"),
        ({"url": "https://x.org", "api_token": "t", "rate_limit": "fast"}, "rate_limit"),
        ({"url": "https://x.org", "api_token": "t", "coalesce_window": -1}, "coalesce_window"),
        ({"url": "https://x.org", "api_token": "t", "colaesce_window": 1}, "colaesce_window"),
    ],
)
def test_configuration_mistakes_are_named(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ImproperlyConfigured, match=message):
        RapidProBackend(None, "rapidpro", **options)


def test_rates_are_read_in_any_unit() -> None:
    assert parse_rate("2500/h") == (2500, 3600.0)
    assert parse_rate("5/s") == (5, 1.0)
    assert parse_rate("100/10m") == (100, 600.0)
    assert parse_rate(3600) == (3600, 3600.0)
    with pytest.raises(ValueError):
        parse_rate("0/s")


def test_the_app_must_be_installed(settings: Any) -> None:
    settings.INSTALLED_APPS = [a for a in settings.INSTALLED_APPS
                               if a != "rapidsms.backends.rapidpro"]
    with pytest.raises(ImproperlyConfigured, match="INSTALLED_APPS"):
        RapidProBackend(None, "rapidpro", url="https://x.org", api_token="t")


@pytest.mark.skipif(connection.vendor == "sqlite",
                    reason="needs a database that takes concurrent writers (PostgreSQL)")
@pytest.mark.django_db(transaction=True)
def test_two_processes_flushing_at_once_send_each_entry_once(
    install_backend: Install, sandbox: Sandbox
) -> None:
    first = install_backend(coalesce_window=60)
    for n in range(10):  # ten texts, 95 recipients each: all wait for the window
        first.send(f"m{n}", f"text {n}", urns(95, start=n * 95), {})
    second = install_backend(coalesce_window=60)
    errors: list[BaseException] = []

    def flush(backend: RapidProBackend) -> None:
        from django.db import connection as thread_connection

        try:
            backend.flush()
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            thread_connection.close()

    threads = [threading.Thread(target=flush, args=(b,)) for b in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    assert Counter(sandbox.received_urns()) == Counter(urns(950))
    assert sandbox.count("POST", "broadcasts") == 10

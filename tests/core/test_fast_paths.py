"""The router's shortcuts give the answers of the slow paths they skip."""

from __future__ import annotations

import threading
import uuid

import pytest
from django.db import connection
from django.test import override_settings
from django.utils import translation

from rapidsms.conf import get_setting
from rapidsms.messages.base import MessageBase
from rapidsms.utils.translation import active_language, in_language


def test_active_language_is_what_django_says_whatever_happened_before() -> None:
    seen = []

    def check() -> None:
        seen.append(active_language() == translation.get_language())

    def steps() -> None:
        check()  # nothing activated in this thread
        translation.activate("fr")
        check()
        with translation.override("es"):
            check()
        check()
        translation.deactivate()
        check()
        with override_settings(LANGUAGE_CODE="pt"):
            check()  # none active: LANGUAGE_CODE, which just changed
        check()
        translation.activate("sw")
        check()
        check()  # remembered, still right
        translation.deactivate_all()
        check()

    thread = threading.Thread(target=steps)
    thread.start()
    thread.join()
    assert seen and all(seen), seen


def test_in_language_switches_only_when_needed_and_restores() -> None:
    translation.activate("fr")
    try:
        with in_language("fr"):
            assert translation.get_language() == "fr"
        with in_language("es"):
            assert translation.get_language() == "es"
        assert translation.get_language() == "fr"
    finally:
        translation.deactivate()


def test_a_missing_setting_appears_when_overridden_and_goes_again() -> None:
    assert get_setting("RAPIDSMS_TEST_ONLY_SETTING", "default") == "default"
    with override_settings(RAPIDSMS_TEST_ONLY_SETTING="set"):
        assert get_setting("RAPIDSMS_TEST_ONLY_SETTING", "default") == "set"
    assert get_setting("RAPIDSMS_TEST_ONLY_SETTING", "default") == "default"


def test_message_ids_are_version_4_uuids_in_hex() -> None:
    ids = {MessageBase.generate_id() for _ in range(1000)}
    assert len(ids) == 1000
    for value in ids:
        parsed = uuid.UUID(value)
        assert parsed.hex == value and parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


@pytest.mark.django_db
def test_the_default_reply_follows_a_change_of_language_code() -> None:
    from rapidsms.contrib.default.app import DefaultApp
    from rapidsms.messages.incoming import IncomingMessage
    from rapidsms.models import Backend, Connection

    connection = Connection(backend=Backend(name="b"), identity="+15550001")
    app = DefaultApp(router=None)
    texts = []
    for code in ("en", "fr", "en"):
        with override_settings(LANGUAGE_CODE=code):
            msg = IncomingMessage(connections=[connection], text="?")
            app.default(msg)
            texts.append(msg.responses[0]["text"])
    assert texts[0] == texts[2] != texts[1]


def test_message_ids_differ_across_threads_and_a_fork() -> None:
    import os

    ids: list[str] = [MessageBase.generate_id() for _ in range(10)]
    threads = [threading.Thread(target=lambda: ids.extend(
        MessageBase.generate_id() for _ in range(300))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the ids it makes next, to the parent
        os.close(read)
        os.write(write, "".join(MessageBase.generate_id() for _ in range(10)).encode())
        os._exit(0)
    os.close(write)
    child = os.read(read, 1000).decode()
    os.waitpid(pid, 0)
    os.close(read)
    ids += [child[i : i + 32] for i in range(0, len(child), 32)]
    ids += [MessageBase.generate_id() for _ in range(10)]  # the parent's next ones
    assert len(ids) == 10 + 1200 + 10 + 10 and len(set(ids)) == len(ids)


@pytest.mark.django_db
def test_new_connections_cost_one_insert_and_come_back_as_saved_rows(
    django_assert_num_queries,
) -> None:
    from rapidsms.models import Backend, Connection
    from rapidsms.router import lookup_connections

    first = lookup_connections("fresh", ["+15550001", "+15550002", "+15550001"])
    assert [c.identity for c in first] == ["+15550001", "+15550002", "+15550001"]
    assert first[0] is first[2] and Backend.objects.filter(name="fresh").count() == 1
    assert Connection.objects.filter(backend__name="fresh").count() == 2
    # PostgreSQL: one statement finds and creates; elsewhere the look-up, then one INSERT.
    with django_assert_num_queries(1 if connection.vendor == "postgresql" else 2):
        more = lookup_connections("fresh", ["+15550003", "+15550004", "+15550001"])
    assert all(c.pk and not c._state.adding for c in more)
    stored = {c.identity: c.pk for c in Connection.objects.filter(backend__name="fresh")}
    assert {c.identity: c.pk for c in more} == {i: stored[i] for i in
                                               ("+15550003", "+15550004", "+15550001")}
    assert more[0].backend.name == "fresh" and more[0].backend.pk == first[0].backend.pk
    with django_assert_num_queries(1):  # all known: one query
        lookup_connections("fresh", ["+15550003", "+15550004"])


@pytest.mark.django_db(transaction=True)
def test_known_numbers_spend_no_connection_ids() -> None:
    from rapidsms.models import Connection
    from rapidsms.router import lookup_connections

    first = lookup_connections("known", ["+15550101"])[0]
    for _ in range(5):
        assert lookup_connections("known", ["+15550101"])[0].pk == first.pk
    # Had the look-ups tried to insert, the sequence would have moved on.
    assert lookup_connections("known", ["+15550102"])[0].pk == first.pk + 1
    assert Connection.objects.filter(backend__name="known").count() == 2


@pytest.mark.django_db
def test_new_connections_send_save_signals_when_someone_listens() -> None:
    from django.db.models.signals import post_save

    from rapidsms.models import Connection, Contact
    from rapidsms.router import lookup_connections

    made = []

    def give_contact(sender, instance, created, **kwargs):  # as a 2.x app might
        if created:
            instance.contact = Contact.objects.create(name=instance.identity)
            instance.save(update_fields=["contact"])
            made.append(instance.identity)

    post_save.connect(give_contact, sender=Connection)
    try:
        conns = lookup_connections("signalled", ["+15550201", "+15550202"])
        again = lookup_connections("signalled", ["+15550201", "+15550203"])
    finally:
        post_save.disconnect(give_contact, sender=Connection)
    assert made == ["+15550201", "+15550202", "+15550203"]
    assert [c.contact.name for c in conns] == ["+15550201", "+15550202"]
    assert [c.contact.name for c in again] == ["+15550201", "+15550203"]
    assert Connection.objects.filter(backend__name="signalled", contact=None).count() == 0


def test_settings_read_per_message_follow_every_change() -> None:
    from rapidsms.conf import now
    from rapidsms.messages.outgoing import OutgoingMessage
    from rapidsms.utils.translation import connection_language

    default = connection_language(None)
    with override_settings(LANGUAGE_CODE="fr"):
        assert connection_language(None) == "fr"
        with override_settings(USE_TZ=False):
            assert now().tzinfo is None
            assert OutgoingMessage(connections=[], text="x").received_at.tzinfo is None
        assert now().tzinfo is not None
    assert connection_language(None) == default


def test_a_frozen_clock_is_obeyed(monkeypatch) -> None:
    from datetime import UTC, datetime

    from django.utils import timezone

    from rapidsms.messages.outgoing import OutgoingMessage

    frozen = datetime(2020, 1, 2, 3, 4, 5, tzinfo=UTC)
    monkeypatch.setattr(timezone, "now", lambda: frozen)
    assert OutgoingMessage(connections=[], text="x").received_at == frozen

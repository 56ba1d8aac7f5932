"""Models and migrations: Backend, Contact, Connection, and upgrading a RapidSMS 2.x database."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from rapidsms.backends.database.models import BackendMessage
from rapidsms.models import Backend, Connection, Contact

pytestmark = pytest.mark.django_db


def test_backend_name_takes_255_characters():
    name = "gateway-" + "x" * 247
    Backend(name=name).full_clean()
    Backend.objects.create(name=name)
    assert Backend.objects.get().name == name
    with pytest.raises(ValidationError, match="at most 255"):
        Backend(name=name + "y").full_clean()


def test_backend_names_are_unique():
    Backend.objects.create(name="sms")
    with pytest.raises(IntegrityError), transaction.atomic():
        Backend.objects.create(name="sms")


def test_an_identity_is_unique_per_backend():
    sms = Backend.objects.create(name="sms")
    Connection.objects.create(backend=sms, identity="+15550001")
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.create(backend=sms, identity="+15550001")
    other = Backend.objects.create(name="other")
    Connection.objects.create(backend=other, identity="+15550001")
    assert Connection.objects.filter(identity="+15550001").count() == 2


def test_contact_str_and_is_anonymous():
    nobody = Contact.objects.create()
    ann = Contact.objects.create(name="Ann")
    assert (str(nobody), nobody.is_anonymous) == ("Anonymous", True)
    assert (str(ann), ann.is_anonymous) == ("Ann", False)


def test_contact_default_connection_is_the_first_one():
    ann = Contact.objects.create(name="Ann")
    assert ann.default_connection is None
    sms = Backend.objects.create(name="sms")
    first = Connection.objects.create(backend=sms, identity="+15550002", contact=ann)
    Connection.objects.create(backend=sms, identity="+15550001", contact=ann)
    assert ann.default_connection == first


def test_contact_language_takes_a_language_tag():
    contact = Contact(name="Ana", language="pt-br")
    contact.full_clean()
    contact.save()
    assert Contact.objects.get().language == "pt-br"


def test_connection_str():
    conn = Connection.objects.create(backend=Backend.objects.create(name="sms"),
                                     identity="+15550001")
    assert str(conn) == "+15550001 via sms"


def test_deleting_a_contact_keeps_its_connections():
    ann = Contact.objects.create(name="Ann")
    conn = Connection.objects.create(backend=Backend.objects.create(name="sms"),
                                     identity="+15550001", contact=ann)
    ann.delete()
    conn.refresh_from_db()
    assert conn.contact is None


def test_deleting_a_backend_deletes_its_connections():
    sms = Backend.objects.create(name="sms")
    Connection.objects.create(backend=sms, identity="+15550001")
    sms.delete()
    assert not Connection.objects.exists()


def test_migrations_match_the_models():
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


RAPIDSMS_2X = [("rapidsms", "0004_auto_20150801_2138"), ("database", "0003_auto_20150801_2140")]


@pytest.mark.django_db(transaction=True)
def test_a_rapidsms_2x_database_upgrades_in_place_and_keeps_its_rows():
    executor = MigrationExecutor(connection)
    executor.migrate(RAPIDSMS_2X)
    old = executor.loader.project_state(RAPIDSMS_2X).apps
    old_backend = old.get_model("rapidsms", "Backend").objects.create(name="kannel")
    old_contact = old.get_model("rapidsms", "Contact").objects.create(name="Ann", language="sw")
    old.get_model("rapidsms", "Connection").objects.create(
        backend=old_backend, identity="+15550001", contact=old_contact)
    old.get_model("database", "BackendMessage").objects.create(
        name="message_tester", direction="O", message_id="m1", identity="+15550001", text="hi")

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    conn = Connection.objects.select_related("backend", "contact").get()
    assert (conn.identity, conn.backend.name, conn.contact.name) == ("+15550001", "kannel", "Ann")
    assert BackendMessage.objects.get().text == "hi"
    # The columns RapidSMS 2.x made too short are wide enough now.
    long_identity = "whatsapp:" + "9" * 200
    Backend.objects.create(name="b" * 255)
    Connection.objects.create(backend=conn.backend, identity=long_identity)
    BackendMessage.objects.create(name="n" * 255, direction="I", message_id="m" * 200,
                                  external_id="e" * 200, identity=long_identity, text="long")
    Contact.objects.create(language="zh-hant-tw")
    with pytest.raises(IntegrityError), transaction.atomic():
        Connection.objects.create(backend=conn.backend, identity="+15550001")

"""The admin pages of contacts and connections, used by a logged-in superuser."""

from __future__ import annotations

import pytest

from rapidsms.models import Backend, Connection, Contact


@pytest.fixture
def superuser_client(client, django_user_model):
    django_user_model.objects.create_superuser("admin", "admin@example.org", "secret")
    assert client.login(username="admin", password="secret")
    return client


@pytest.fixture
def people(db):
    sms = Backend.objects.create(name="sms")
    mail = Backend.objects.create(name="mail")
    ann = Contact.objects.create(name="Ann Achieng")
    bob = Contact.objects.create(name="Bob Otieno")
    Connection.objects.create(backend=sms, identity="+15550001", contact=ann)
    Connection.objects.create(backend=mail, identity="ann@example.org", contact=ann)
    Connection.objects.create(backend=sms, identity="+15550002", contact=bob)
    Connection.objects.create(backend=sms, identity="+15550003")
    return {"sms": sms, "mail": mail, "ann": ann, "bob": bob}


def listed(response):
    assert response.status_code == 200
    return [str(obj) for obj in response.context["cl"].result_list]


def test_contact_search_by_name(superuser_client, people):
    assert listed(superuser_client.get("/admin/rapidsms/contact/", {"q": "otieno"})) == [
        "Bob Otieno"
    ]


def test_contact_search_by_connection_identity(superuser_client, people):
    response = superuser_client.get("/admin/rapidsms/contact/", {"q": "5550002"})
    assert listed(response) == ["Bob Otieno"]
    # Ann has two connections matching "ann"; she is listed once.
    assert listed(superuser_client.get("/admin/rapidsms/contact/", {"q": "ann"})) == [
        "Ann Achieng"
    ]


def test_contact_change_page_shows_the_connections_inline(superuser_client, people):
    ann = people["ann"]
    response = superuser_client.get(f"/admin/rapidsms/contact/{ann.pk}/change/")
    assert response.status_code == 200
    [formset] = response.context["inline_admin_formsets"]
    identities = [form.instance.identity for form in formset.formset.initial_forms]
    assert sorted(identities) == ["+15550001", "ann@example.org"]
    assert b'value="ann@example.org"' in response.content


def test_contact_with_a_connection_is_added_in_one_form(superuser_client, people):
    response = superuser_client.post("/admin/rapidsms/contact/add/", {
        "name": "Chao Li",
        "language": "zh-hans",
        "connection_set-TOTAL_FORMS": "1",
        "connection_set-INITIAL_FORMS": "0",
        "connection_set-0-backend": str(people["sms"].pk),
        "connection_set-0-identity": "+15550077",
    })
    assert response.status_code == 302
    assert Connection.objects.get(identity="+15550077").contact.name == "Chao Li"


def test_a_duplicate_identity_in_the_inline_is_a_form_error(superuser_client, people):
    response = superuser_client.post("/admin/rapidsms/contact/add/", {
        "name": "Impostor",
        "connection_set-TOTAL_FORMS": "1",
        "connection_set-INITIAL_FORMS": "0",
        "connection_set-0-backend": str(people["sms"].pk),
        "connection_set-0-identity": "+15550001",
    })
    assert response.status_code == 200
    assert b"already exists" in response.content
    assert not Contact.objects.filter(name="Impostor").exists()


def test_connection_changelist_filters_by_backend(superuser_client, people):
    response = superuser_client.get("/admin/rapidsms/connection/",
                                    {"backend__id__exact": people["mail"].pk})
    assert listed(response) == ["ann@example.org via mail"]
    response = superuser_client.get("/admin/rapidsms/connection/",
                                    {"backend__id__exact": people["sms"].pk})
    assert sorted(listed(response)) == [f"+1555000{n} via sms" for n in (1, 2, 3)]


def test_connection_changelist_searches_by_identity(superuser_client, people):
    response = superuser_client.get("/admin/rapidsms/connection/", {"q": "5550003"})
    assert listed(response) == ["+15550003 via sms"]


def test_admin_pages_need_a_staff_login(client, people):
    response = client.get("/admin/rapidsms/contact/")
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]

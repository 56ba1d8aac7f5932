"""The contacts pages: list, add, edit, delete and the all-or-nothing CSV import."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from rapidsms.contrib.messagelog.models import Message
from rapidsms.models import Backend, Connection, Contact

pytestmark = pytest.mark.django_db


def formset(*connections, total=None, initial=0, **extra):
    """POST data for the contact form: name/language in ``extra``, then connection rows."""
    data = {
        "connection_set-TOTAL_FORMS": str(total if total is not None else len(connections)),
        "connection_set-INITIAL_FORMS": str(initial),
        "connection_set-MIN_NUM_FORMS": "0",
        "connection_set-MAX_NUM_FORMS": "1000",
        **extra,
    }
    for index, row in enumerate(connections):
        for key, value in row.items():
            data[f"connection_set-{index}-{key}"] = value
    return data


@pytest.fixture
def backend():
    return Backend.objects.get_or_create(name="message_tester")[0]


def names(html: str) -> list[str]:
    pattern = r'<td data-label="Name" >\s*<a href="/registration/\d+/edit/">(.*?)</a>'
    return re.findall(pattern, html)


def test_list_search_sort_and_paginate(logged_in, backend):
    for number in range(30):
        contact = Contact.objects.create(name=f"Person {number:02}")
        Connection.objects.create(backend=backend, identity=f"+1555000{number:02}", contact=contact)
    page = logged_in.get("/registration/").content.decode()
    assert names(page)[:2] == ["Person 00", "Person 01"]
    assert len(names(page)) == 25
    assert "+155500000 <span class=\"hint\">(message_tester)</span>" in page
    assert names(logged_in.get("/registration/", {"page": 2}).content.decode()) == [
        f"Person {n}" for n in range(25, 30)
    ]
    assert names(logged_in.get("/registration/", {"sort": "-name"}).content.decode())[0] == (
        "Person 29"
    )
    assert names(logged_in.get("/registration/", {"q": "+155500007"}).content.decode()) == [
        "Person 07"
    ]
    assert names(logged_in.get("/registration/", {"q": "son 1"}).content.decode()) == [
        f"Person {n}" for n in range(10, 20)
    ]


def test_add_a_contact_with_a_connection(logged_in, backend):
    page = logged_in.get("/registration/add/").content.decode()
    assert '<option value="fr">French</option>' in page
    response = logged_in.post(
        "/registration/add/",
        formset({"backend": backend.pk, "identity": "+15550001"}, name="Amina", language="fr"),
    )
    assert response.status_code == 302
    contact = Contact.objects.get()
    assert (contact.name, contact.language) == ("Amina", "fr")
    assert list(contact.connection_set.values_list("identity", flat=True)) == ["+15550001"]
    assert "Added Amina." in logged_in.get("/registration/").content.decode()


def test_configured_backends_can_be_chosen_before_any_message(logged_in):
    page = logged_in.get("/registration/add/").content.decode()
    assert re.search(r'<option value="\d+">message_tester</option>', page)


def test_an_identity_that_wrote_in_before_is_given_to_the_new_contact(logged_in, backend):
    known = Connection.objects.create(backend=backend, identity="+15550001")
    Message.objects.create(connection=known, direction="I", text="hello")
    logged_in.post(
        "/registration/add/", formset({"backend": backend.pk, "identity": "+15550001"}, name="Bea")
    )
    known.refresh_from_db()
    assert known.contact.name == "Bea"
    assert Connection.objects.count() == 1


def test_an_identity_of_another_contact_is_refused(logged_in, backend):
    amina = Contact.objects.create(name="Amina")
    Connection.objects.create(backend=backend, identity="+15550001", contact=amina)
    response = logged_in.post(
        "/registration/add/", formset({"backend": backend.pk, "identity": "+15550001"}, name="Bea")
    )
    assert response.status_code == 400
    assert "+15550001 on message_tester already belongs to Amina." in response.content.decode()
    assert list(Contact.objects.values_list("name", flat=True)) == ["Amina"]


def test_the_same_identity_twice_in_one_form_is_refused(logged_in, backend):
    row = {"backend": backend.pk, "identity": "+15550001"}
    response = logged_in.post("/registration/add/", formset(row, row, name="Bea"))
    assert response.status_code == 400
    assert "Please correct the duplicate data" in response.content.decode()
    assert not Contact.objects.exists()


def test_edit_renames_and_removing_a_connection_keeps_the_number(logged_in, backend):
    contact = Contact.objects.create(name="Amina")
    conn = Connection.objects.create(backend=backend, identity="+15550001", contact=contact)
    url = f"/registration/{contact.pk}/edit/"
    page = logged_in.get(url).content.decode()
    assert 'value="+15550001"' in page
    response = logged_in.post(
        url,
        formset(
            {"id": conn.pk, "backend": backend.pk, "identity": "+15550001", "DELETE": "on"},
            {"backend": "", "identity": ""},
            initial=1,
            name="Amina D.",
        ),
    )
    assert response.status_code == 302
    contact.refresh_from_db()
    conn.refresh_from_db()
    assert contact.name == "Amina D."
    assert conn.contact is None  # the number and its history stay


def test_delete_asks_first_then_keeps_the_connections(logged_in, backend):
    contact = Contact.objects.create(name="Amina")
    conn = Connection.objects.create(backend=backend, identity="+15550001", contact=contact)
    url = f"/registration/{contact.pk}/delete/"
    assert "Delete Amina?" in logged_in.get(url).content.decode()
    response = logged_in.post(url)
    assert response["Location"] == "/registration/"
    assert not Contact.objects.exists()
    conn.refresh_from_db()
    assert conn.contact is None
    assert logged_in.get(url).status_code == 404


def test_the_2x_delete_button_of_the_edit_form_still_deletes(logged_in):
    contact = Contact.objects.create(name="Amina")
    response = logged_in.post(f"/registration/{contact.pk}/edit/", {"delete_contact": "1"})
    assert response.status_code == 302
    assert not Contact.objects.exists()


def test_unknown_contact_is_404(logged_in):
    assert logged_in.get("/registration/999/edit/").status_code == 404


def upload(client, content: bytes):
    bulk = SimpleUploadedFile("contacts.csv", content, content_type="text/csv")
    return client.post("/registration/bulk/", {"bulk": bulk})


def test_bulk_import_creates_every_contact(logged_in):
    content = (
        "name,backend,identity\n"
        "Adam Mckaig, message_tester, +15550001\n"
        '"Smith, Jo",message_tester,+15550002\n'
    )
    response = upload(logged_in, content.encode())
    assert response.status_code == 302
    assert sorted(Contact.objects.values_list("name", "connection__identity")) == [
        ("Adam Mckaig", "+15550001"),
        ("Smith, Jo", "+15550002"),
    ]
    assert "Imported 2 contacts." in logged_in.get("/registration/").content.decode()


def test_bulk_import_with_bad_lines_imports_nothing_and_lists_each_line(logged_in):
    content = b"Adam, message_tester, +15550001\nBea, nowhere, +15550002\nCy, message_tester\n"
    response = upload(logged_in, content)
    assert response.status_code == 400
    errors = re.findall(r"<li>(Line \d+: .*?)</li>", response.content.decode())
    assert [error.split(":")[0] for error in errors] == ["Line 2", "Line 3"]
    assert "unknown backend nowhere" in errors[0]
    assert "expected 3 values" in errors[1]
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"Adam, message_tester, +15550001\nZo\xeb, message_tester, +15550002\n",
         "Line 2: the text is not UTF-8."),
        (b"", "The submitted file is empty."),
        (b"\n\n", "The file is empty."),
        (b"Adam, message_tester, +15550001\n" * (5 * 1024 * 1024 // 32),
         "The file is too large: at most 2 MB."),
    ],
    ids=["not-utf8", "zero-bytes", "blank", "5-mb"],
)
def test_bad_bulk_files_get_a_form_error(logged_in, content, error):
    response = upload(logged_in, content)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert not Contact.objects.exists()


def test_a_project_overriding_2x_template_names_keeps_its_pages(logged_in, backend, tmp_path,
                                                                settings):
    # A RapidSMS 2.x project overrode these names and used these context keys.
    folder = tmp_path / "registration"
    folder.mkdir()
    (folder / "dashboard.html").write_text(
        "2x list: {% for row in contacts_table.rows %}{{ row.record.name }};{% endfor %}")
    (folder / "contact_form.html").write_text(
        "2x form: {{ contact_form.name.value|default:'' }} "
        "{{ connection_formset.management_form }}")
    (folder / "bulk_form.html").write_text("2x bulk: {{ csv_errors }} {{ bulk_form.bulk }}")
    templates = [dict(settings.TEMPLATES[0], DIRS=[str(tmp_path)])]
    settings.TEMPLATES = templates
    Contact.objects.create(name="Ann")
    assert logged_in.get("/registration/").content.decode() == "2x list: Ann;"
    page = logged_in.get("/registration/add/").content.decode()
    assert page.startswith("2x form:") and 'name="connection_set-TOTAL_FORMS"' in page
    bad = SimpleUploadedFile("contacts.csv", b"only-one-column\n", content_type="text/csv")
    page = logged_in.post("/registration/bulk/", {"bulk": bad}).content.decode()
    assert page.startswith("2x bulk: ") and "line 1" in page.lower()


def test_the_2x_formset_field_names_save_a_contact(logged_in, backend):
    data = formset({"backend": backend.pk, "identity": "+15550100001"}, name="Bo")
    response = logged_in.post("/registration/add/", data)
    assert response.status_code == 302
    assert Contact.objects.get(name="Bo").connection_set.get().identity == "+15550100001"

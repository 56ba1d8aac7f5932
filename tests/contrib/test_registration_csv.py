"""The contacts bulk-import file: every valid line, or every bad line with its number."""

from __future__ import annotations

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from rapidsms.contrib.registration.forms import (
    ContactImportError,
    ContactRow,
    LineError,
    import_contacts,
    parse_contacts_csv,
)
from rapidsms.models import Backend, Connection, Contact

pytestmark = pytest.mark.django_db

BACKENDS = {"kannel": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"}}


def messages(errors):
    return [str(error) for error in errors]


@pytest.fixture(autouse=True)
def known_backends():
    Backend.objects.create(name="vumi")
    with override_settings(INSTALLED_BACKENDS=BACKENDS):
        yield


def test_valid_file_gives_every_row():
    upload = SimpleUploadedFile(
        "contacts.csv",
        "Adam Mckaig, vumi, +15550001\n\n  Zoë ,kannel,+15550002\r\n\"Smith, Jo\",vumi,+15550003"
        .encode(),
    )
    rows, errors = parse_contacts_csv(upload)
    assert errors == []
    assert rows == [
        ContactRow(1, "Adam Mckaig", "vumi", "+15550001"),
        ContactRow(3, "Zoë", "kannel", "+15550002"),
        ContactRow(4, "Smith, Jo", "vumi", "+15550003"),
    ]


def test_header_line_and_byte_order_mark_are_skipped():
    data = "\ufeffName,Backend,Identity\nAdam,vumi,1\n".encode()
    rows, errors = parse_contacts_csv(io.BytesIO(data))
    assert (rows, errors) == ([ContactRow(2, "Adam", "vumi", "1")], [])


def test_text_input_is_accepted():
    assert parse_contacts_csv("Adam,vumi,1\n")[0] == [ContactRow(1, "Adam", "vumi", "1")]
    assert parse_contacts_csv(io.StringIO("Adam,vumi,1"))[0] == [
        ContactRow(1, "Adam", "vumi", "1")
    ]


def test_every_bad_line_is_reported_and_no_row_is_returned():
    owner = Contact.objects.create(name="Alice")
    Connection.objects.create(backend=Backend.objects.get(name="vumi"), identity="9", contact=owner)
    data = "\n".join(
        [
            "Adam,vumi,1",  # 1: fine
            "Bob,vumi",  # 2: two values
            "Carl,vumi,3,extra",  # 3: four values
            "Dan,,4",  # 4: no backend
            "Eve,vumi,",  # 5: no identity
            "Fay,smsc,6",  # 6: unknown backend
            "Gil,vumi,1",  # 7: duplicate of line 1
            "Hal,vumi,9",  # 8: taken
            "x" * 101 + ",vumi,10",  # 9: name too long
            "Ida,vumi," + "1" * 256,  # 10: identity too long
        ]
    )
    rows, errors = parse_contacts_csv(data.encode())
    assert rows == []
    assert messages(errors) == [
        "Line 2: expected 3 values (name, backend, identity), found 2.",
        "Line 3: expected 3 values (name, backend, identity), found 4.",
        "Line 4: the backend name is missing.",
        "Line 5: the identity is missing.",
        "Line 6: unknown backend smsc; known backends: kannel, vumi.",
        "Line 7: 1 on vumi is already on line 1.",
        "Line 8: 9 on vumi already belongs to Alice.",
        "Line 9: the name is longer than 100 characters.",
        "Line 10: the identity is longer than 255 characters.",
    ]
    assert not Contact.objects.exclude(name="Alice").exists()


@pytest.mark.parametrize(
    "data, expected",
    [
        (b"", "The file is empty."),
        (b"  \n\n \r\n", "The file is empty."),
        (b"name,backend,identity\n", "The file has no contacts in it."),
        (b"Adam,vumi,1\nB\xe9a,vumi,2\n", "Line 2: the text is not UTF-8. Save the file as "
         "UTF-8 (CSV UTF-8) and try again."),
        (b"Adam,vumi,1\n\"unclosed,vumi,2", None),
    ],
)
def test_unreadable_files_get_one_clear_error(data, expected):
    rows, errors = parse_contacts_csv(data)
    assert rows == []
    assert len(errors) == 1
    if expected is not None:
        assert messages(errors) == [expected]


def test_unclosed_quote_is_reported_on_its_line():
    rows, errors = parse_contacts_csv(b'Adam,vumi,1\n"unclosed,vumi,2')
    assert rows == []
    assert errors[0].line == 2


def test_file_larger_than_the_limit_is_refused_without_reading_it_all():
    class CountingFile(io.BytesIO):
        largest_read = 0

        def read(self, size=-1):
            CountingFile.largest_read = size
            return super().read(size)

    big = CountingFile(b"Adam,vumi,1\n" * 500_000)  # about 6 MB
    rows, errors = parse_contacts_csv(big)
    assert (rows, messages(errors)) == ([], ["The file is too large: at most 2 MB."])
    assert CountingFile.largest_read == 2 * 1024 * 1024 + 1
    assert parse_contacts_csv(b"Adam,vumi,1\n", max_bytes=5)[1] == [
        LineError(0, "The file is too large: at most 5 bytes.")
    ]


def test_errors_are_translated():
    from django.utils import translation

    with translation.override("fr"):
        _rows, errors = parse_contacts_csv(b"Adam,vumi\n")
        assert messages(errors) == [
            "Ligne 1 : 3 valeurs attendues (nom, backend, identité), 2 trouvée(s)."
        ]


def test_import_creates_contacts_and_connections():
    orphan = Connection.objects.create(backend=Backend.objects.get(name="vumi"), identity="2")
    rows, errors = parse_contacts_csv(b"Adam,vumi,1\nBea,vumi,2\nCyd,kannel,3\n")
    assert errors == []
    contacts = import_contacts(rows)
    assert [contact.name for contact in contacts] == ["Adam", "Bea", "Cyd"]
    linked = {
        (conn.backend.name, conn.identity): conn.contact.name
        for conn in Connection.objects.select_related("backend", "contact")
    }
    assert linked == {("vumi", "1"): "Adam", ("vumi", "2"): "Bea", ("kannel", "3"): "Cyd"}
    orphan.refresh_from_db()
    assert orphan.contact.name == "Bea"
    assert Backend.objects.filter(name="kannel").exists()  # created from INSTALLED_BACKENDS


def test_import_is_all_or_nothing_when_an_identity_was_taken_meanwhile():
    rows, errors = parse_contacts_csv(b"Adam,vumi,1\nBea,vumi,2\n")
    assert errors == []
    late = Contact.objects.create(name="Late")
    Connection.objects.create(backend=Backend.objects.get(name="vumi"), identity="2", contact=late)
    with pytest.raises(ContactImportError, match="Line 2: 2 on vumi already belongs to Late"):
        import_contacts(rows)
    assert list(Contact.objects.values_list("name", flat=True)) == ["Late"]
    assert not Connection.objects.filter(identity="1").exists()


def test_many_contacts_import_in_few_queries(django_assert_max_num_queries):
    lines = "".join(f"Person {i},vumi,+1555{i:07d}\n" for i in range(1200))
    rows, errors = parse_contacts_csv(lines.encode())
    assert errors == [] and len(rows) == 1200
    with django_assert_max_num_queries(20):
        import_contacts(rows)
    assert Connection.objects.filter(contact__isnull=False).count() == 1200

"""The message log page: search, filters, sorting, pagination and the CSV export."""

from __future__ import annotations

import csv
import io
import re
from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from rapidsms.contrib.messagelog.models import Message
from rapidsms.models import Backend, Connection, Contact

pytestmark = pytest.mark.django_db

DAY = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)


@pytest.fixture
def log():
    """A small log: two backends, a contact, both directions, three days."""
    kannel = Backend.objects.create(name="kannel")
    vumi = Backend.objects.create(name="vumi")
    amina = Contact.objects.create(name="Amina")
    a = Connection.objects.create(backend=kannel, identity="+15550001", contact=amina)
    b = Connection.objects.create(backend=vumi, identity="+15550002")
    rows = [
        (a, "I", DAY - timedelta(days=1), "stock ors 12"),
        (a, "O", DAY - timedelta(days=1), "Thank you. ORS: 12 in stock."),
        (b, "I", DAY, "=HYPERLINK(\"http://example.invalid\")"),
        (b, "O", DAY, "-5 is not a count"),
        (a, "I", DAY + timedelta(days=1), "@SUM(A1) hello"),
    ]
    for connection, direction, date, text in rows:
        Message.objects.create(connection=connection, direction=direction, date=date, text=text)


def texts(html: str) -> list[str]:
    cells = re.findall(r'<td data-label="Text" class="text">(.*?)</td>', html, re.DOTALL)
    return [cell.replace("&quot;", '"') for cell in cells]


def get(client, **params) -> str:
    response = client.get("/messagelog/", params)
    assert response.status_code == 200
    return response.content.decode()


def export(client, **params) -> list[list[str]]:
    response = client.get("/messagelog/export.csv", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"].startswith('attachment; filename="message-log-')
    body = b"".join(response.streaming_content).decode("utf-8")
    assert body.startswith("\ufeff")
    return list(csv.reader(io.StringIO(body[1:])))


def test_newest_first_with_every_column(logged_in, log):
    page = get(logged_in)
    assert texts(page)[0] == "@SUM(A1) hello"
    assert texts(page)[-1] == "stock ors 12"
    assert "5 rows" in page
    assert '<td data-label="Contact" >Amina</td>' in page
    assert "→ Incoming" in page and "← Outgoing" in page


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "ORS"}, ["Thank you. ORS: 12 in stock.", "stock ors 12"]),
        ({"q": "0002"}, ["-5 is not a count", '=HYPERLINK("http://example.invalid")']),
        ({"q": "amina"}, ["@SUM(A1) hello", "Thank you. ORS: 12 in stock.", "stock ors 12"]),
        ({"direction": "O"}, ["-5 is not a count", "Thank you. ORS: 12 in stock."]),
        ({"backend": "vumi"}, ["-5 is not a count", '=HYPERLINK("http://example.invalid")']),
        ({"start": "2026-03-10", "end": "2026-03-10"},
         ["-5 is not a count", '=HYPERLINK("http://example.invalid")']),
        ({"start": "2026-03-11"}, ["@SUM(A1) hello"]),
        ({"end": "2026-03-09"}, ["Thank you. ORS: 12 in stock.", "stock ors 12"]),
        ({"q": "ors", "direction": "I", "backend": "kannel"}, ["stock ors 12"]),
        ({"q": "nothing like this"}, []),
    ],
)
def test_filters(logged_in, log, params, expected):
    page = get(logged_in, **params)
    assert texts(page) == expected
    if not expected:
        assert "No messages match." in page


def test_bad_filters_are_reported_and_not_applied(logged_in, log):
    page = get(logged_in, start="yesterday", direction="X", backend="nope")
    assert "Some filters are not valid and were not applied" in page
    assert "From: Enter a valid date." in page
    assert "Direction: Select a valid choice. X is not one of the available choices." in page
    assert len(texts(page)) == 5
    page = get(logged_in, start="2026-03-11", end="2026-03-09")
    assert "The end date is before the start date." in page
    assert texts(page) == ["@SUM(A1) hello"]  # the valid start still applies


def test_sorting(logged_in, log):
    oldest_first = texts(get(logged_in, sort="date"))
    assert oldest_first[0] == "stock ors 12"
    assert oldest_first[-1] == "@SUM(A1) hello"
    by_identity = texts(get(logged_in, sort="-identity"))
    assert set(by_identity[:2]) == {"-5 is not a count", '=HYPERLINK("http://example.invalid")'}
    page = get(logged_in, sort="-identity")
    assert 'aria-sort="descending"' in page


def test_pagination(logged_in):
    backend = Backend.objects.create(name="kannel")
    connection = Connection.objects.create(backend=backend, identity="+15550001")
    for number in range(30):
        Message.objects.create(connection=connection, direction="I", text=f"message {number:02}",
                               date=DAY + timedelta(minutes=number))
    first = get(logged_in)
    assert len(texts(first)) == 25
    assert texts(first)[0] == "message 29"
    assert "30 rows · page 1 of 2" in first
    assert 'rel="next" href="?page=2"' in first
    second = get(logged_in, page=2)
    assert texts(second) == [f"message {n:02}" for n in range(4, -1, -1)]
    with override_settings(PAGINATOR_OBJECTS_PER_PAGE=10):
        assert "page 1 of 3" in get(logged_in)
    # A page past the end shows the last page; a size that makes no sense is ignored.
    assert texts(get(logged_in, page="99")) == texts(second)
    assert len(texts(get(logged_in, per_page="-1"))) == 25
    assert len(texts(get(logged_in, per_page="10"))) == 10


def test_csv_export_has_the_filtered_rows_and_defuses_formulas(logged_in, log):
    rows = export(logged_in, backend="vumi")
    assert rows[0] == ["date", "direction", "contact", "identity", "backend", "text", "status",
                       "error"]
    assert [row[1:] for row in rows[1:]] == [
        ["O", "", "'+15550002", "vumi", "'-5 is not a count", "", ""],
        ["I", "", "'+15550002", "vumi", "'=HYPERLINK(\"http://example.invalid\")", "", ""],
    ]
    assert rows[1][0] == "2026-03-10T12:00:00+00:00"


def test_csv_export_ignores_the_page_and_keeps_the_sort(logged_in, log):
    rows = export(logged_in, sort="date", page="2")
    assert len(rows) == 6
    assert rows[1][5] == "stock ors 12"
    assert rows[-1][5] == "'@SUM(A1) hello"


def test_page_links_the_export_with_its_filters(logged_in, log):
    page = get(logged_in, q="ors", page="1")
    assert 'href="/messagelog/export.csv?q=ors"' in page
    assert "Download 2 rows as CSV" in page


def test_csv_export_refuses_bad_filters(logged_in, log):
    response = logged_in.get("/messagelog/export.csv", {"start": "soon"})
    assert response.status_code == 400
    assert "Enter a valid date." in response.content.decode()


def test_page_is_get_only(logged_in):
    assert logged_in.post("/messagelog/").status_code == 405


FORMULA = '=HYPERLINK("http://example.invalid")'
HIDING_PLACES = [
    "", " ", "   ", "\u00a0", "\u3000", "\n", "\r\n", "\t", "\r", " \n\t", "\u200b", "\ufeff",
]
SIGNS = ["=", "+", "-", "@", "＝", "＋", "－", "＠", "﹦", "﹢", "﹣", "﹫", "\u2212"]


@pytest.mark.parametrize("sign", SIGNS)
@pytest.mark.parametrize("prefix", HIDING_PLACES, ids=repr)
def test_csv_export_defuses_a_formula_behind_any_prefix(logged_in, prefix, sign):
    backend = Backend.objects.create(name="kannel")
    contact = Contact.objects.create(name=prefix + sign + "SUM(A1)")
    connection = Connection.objects.create(backend=backend, identity=prefix + sign + "1",
                                           contact=contact)
    text = prefix + sign + FORMULA[1:]
    Message.objects.create(connection=connection, contact=contact, direction="I", date=DAY,
                           text=text)
    [row] = export(logged_in)[1:]
    assert row[2:4] == ["'" + prefix + sign + "SUM(A1)", "'" + prefix + sign + "1"]
    assert row[5] == "'" + text


@pytest.mark.parametrize(
    "text",
    ["hello", " hello", "\u00a0ORS 12", "\nstock", "5-3", "a=b", "'quoted", "", "   ", "ø=1"],
    ids=repr,
)
def test_csv_export_leaves_text_without_a_formula_as_it_is(logged_in, text):
    backend = Backend.objects.create(name="kannel")
    connection = Connection.objects.create(backend=backend, identity="15550001")
    Message.objects.create(connection=connection, direction="O", date=DAY, text=text)
    [row] = export(logged_in)[1:]
    assert row[5] == text

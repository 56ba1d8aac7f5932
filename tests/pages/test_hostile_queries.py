"""Every page with filters or a table, fed hostile query strings: never a 500, never unbounded.

Each page gets, in each of its query parameters, dates out of range, page
numbers and sizes that are negative, huge or not numbers, NUL bytes and very
long strings, from a table and from hypothesis. The answer must be 200 (or
400 where the page refuses bad filters) and show at most ``MAX_PER_PAGE`` rows.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapidsms.contrib.messagelog.models import Message
from rapidsms.models import Backend, Connection, Contact
from rapidsms.router.db.models import Message as StoredMessage
from rapidsms.router.db.models import Transmission
from rapidsms.views import MAX_PER_PAGE

pytestmark = pytest.mark.django_db

#: More rows than one page may show, so an uncapped page size would show.
ROWS = MAX_PER_PAGE + 100
DAY = datetime(2026, 3, 10, 12, 0, tzinfo=UTC)

HOSTILE = [
    "9999-12-31", "0001-01-01", "10000-01-01", "2026-02-30", "-1", "0", "1", "-0",
    "99999999999999999999", "1e9", "0x10", " 5", "٥", "abc", "", "\x00", "a\x00b",
    "x" * 5000, "%", "' OR 1=1 --", "-date", "date,-date", "../../etc", "\ufeff",
]

PAGES = {
    "/messagelog/": ["q", "direction", "backend", "start", "end", "sort", "page", "per_page"],
    "/messagelog/export.csv": ["q", "direction", "backend", "start", "end", "sort", "page"],
    "/store/messages/": ["direction", "status", "backend", "q", "sort", "page", "per_page"],
    "/registration/": ["q", "sort", "page", "per_page"],
    "/messaging/": ["q", "sort", "page", "per_page", "all_matching"],
    "/httptester/+15550001/": ["q", "page", "per_page"],
}
#: The pages that answer 400 to filters that do not validate.
REFUSE_BAD_FILTERS = {"/messagelog/export.csv"}


def populate(rows: int) -> None:
    """Make ``rows`` contacts with a connection each, logged messages and stored transmissions."""
    backend = Backend.objects.create(name="message_tester")
    contacts = Contact.objects.bulk_create(
        Contact(name=f"Person {number:04}") for number in range(rows)
    )
    connections = Connection.objects.bulk_create(
        Connection(backend=backend, identity=f"+1555{number:07}", contact=contact)
        for number, contact in enumerate(contacts)
    )
    Message.objects.bulk_create(
        Message(connection=connection, contact=connection.contact, direction="I",
                date=DAY + timedelta(minutes=number), text=f"stock ors {number} " + "x" * 100)
        for number, connection in enumerate(connections)
    )
    stored = StoredMessage.objects.create(direction="O", text="Clinic closed today " * 5)
    Transmission.objects.bulk_create(
        Transmission(message=stored, connection=connection, direction="O",
                     backend="message_tester", identity=connection.identity, status="sent")
        for connection in connections
    )


@pytest.fixture
def few(db):
    populate(3)


@pytest.fixture
def crowd(db):
    populate(ROWS)


@pytest.fixture
def staff(admin_client):
    return admin_client


def fetch(client, url: str, params: dict[str, str]) -> tuple[int, str]:
    response = client.get(url, params)
    if response.streaming:
        body = b"".join(response.streaming_content)
    else:
        body = response.content
    return response.status_code, body.decode("utf-8", "replace")


def assert_answer_is_sane(url: str, params: dict[str, str], status: int, body: str) -> None:
    allowed = {200, 400} if url in REFUSE_BAD_FILTERS else {200}
    assert status in allowed, (url, params, status)
    if url.endswith(".csv") and status == 200:
        assert body.count("\n") <= ROWS + 1, (url, params)
    else:
        assert body.count("<tr") <= MAX_PER_PAGE + 1, (url, params)


@pytest.mark.parametrize("url", list(PAGES))
def test_every_parameter_of_every_page_takes_any_value(staff, few, url):
    tried = 0
    for name in PAGES[url]:
        for value in HOSTILE:
            status, body = fetch(staff, url, {name: value})
            assert_answer_is_sane(url, {name: value}, status, body)
            tried += 1
    assert tried == len(PAGES[url]) * len(HOSTILE)


@pytest.mark.parametrize("url", ["/messagelog/", "/store/messages/", "/registration/",
                                 "/messaging/"])
@pytest.mark.parametrize("per_page", ["-1", "99999999", "9" * 40])
def test_no_page_size_shows_more_than_the_cap_or_fails(staff, crowd, url, per_page):
    status, body = fetch(staff, url, {"per_page": per_page, "page": "-3"})
    assert status == 200
    assert body.count("<tr") <= MAX_PER_PAGE + 1


def test_a_huge_page_size_shows_the_capped_number_of_rows(staff, crowd):
    status, body = fetch(staff, "/store/messages/", {"per_page": str(10**6)})
    assert status == 200
    assert body.count("<tr") == MAX_PER_PAGE + 1  # and the header row


@pytest.mark.parametrize(
    ("zone", "params", "shown"),
    [
        ("UTC", {"end": "9999-12-31"}, ROWS),
        ("America/New_York", {"end": "9999-12-31"}, ROWS),
        ("Asia/Tokyo", {"start": "0001-01-01"}, ROWS),
        ("Pacific/Kiritimati", {"start": "0001-01-01", "end": "9999-12-31"}, ROWS),
        ("America/New_York", {"start": "9999-12-31"}, 0),
        ("Asia/Tokyo", {"end": "0001-01-01"}, 0),
    ],
)
def test_dates_at_the_ends_of_the_calendar_filter_sensibly(staff, crowd, zone, params, shown):
    with override_settings(TIME_ZONE=zone):
        status, body = fetch(staff, "/messagelog/", params)
        assert status == 200
        assert f"{shown} rows" in body or (shown == 0 and "No messages match." in body)
        status, body = fetch(staff, "/messagelog/export.csv", params)
        assert status == 200
        assert body.count("\n") == shown + 1


query_values = st.one_of(
    st.sampled_from(HOSTILE),
    st.text(max_size=300),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.dates().map(str),
)


@pytest.mark.parametrize("url", list(PAGES))
def test_random_query_strings(staff, few, url):
    names = st.sampled_from(PAGES[url] + ["unknown", "sort", "page"])

    @settings(max_examples=40, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture])
    @given(st.dictionaries(names, query_values, max_size=4))
    def check(params: dict[str, str]) -> None:
        status, body = fetch(staff, url, params)
        assert_answer_is_sane(url, params, status, body)

    check()



SEND_FIELDS = ["text", "connections", "all_matching", "q", "confirmation"]


@pytest.mark.parametrize("name", SEND_FIELDS)
def test_the_send_form_takes_any_value_and_sends_nothing_unconfirmed(staff, few, name):
    from rapidsms.backends.database.models import BackendMessage

    base = {"text": "hello", "all_matching": "on"}
    for value in HOSTILE:
        response = staff.post("/messaging/send/", {**base, name: value})
        assert response.status_code in {200, 400, 409}, (name, value, response.status_code)
        assert len(response.content) < 200_000
    assert not BackendMessage.objects.filter(direction="O").exists()

"""The messaging page: choose connections, write once, send through the real router."""

from __future__ import annotations

import re

import pytest

from rapidsms.backends.database.models import BackendMessage
from rapidsms.contrib.messagelog.models import Message
from rapidsms.contrib.optout.models import opt_out
from rapidsms.models import Backend, Connection, Contact

pytestmark = pytest.mark.django_db


@pytest.fixture
def people():
    """Three connections on the message tester backend, two with contacts."""
    backend = Backend.objects.create(name="message_tester")
    amina = Contact.objects.create(name="Amina Diallo")
    bea = Contact.objects.create(name="Bea Okafor")
    return {
        "amina": Connection.objects.create(backend=backend, identity="+15550001", contact=amina),
        "bea": Connection.objects.create(backend=backend, identity="+15550002", contact=bea),
        "anon": Connection.objects.create(backend=backend, identity="+15559999"),
    }


def sent() -> list[tuple[str, str]]:
    return sorted(
        BackendMessage.objects.filter(direction="O").values_list("identity", "text")
    )


def flash(client) -> str:
    return client.get("/messaging/").content.decode()


def test_page_lists_connections_with_a_check_box_each(logged_in, people):
    page = logged_in.get("/messaging/").content.decode()
    boxes = re.findall(r'<input type="checkbox" name="connections" value="(\d+)"', page)
    assert sorted(map(int, boxes)) == sorted(conn.pk for conn in people.values())
    assert 'aria-label="Send to +15550001"' in page
    assert "Amina Diallo" in page
    assert 'data-sms-counter="text-counter"' in page


def test_search_by_name_or_number(logged_in, people):
    page = logged_in.get("/messaging/", {"q": "okafor"}).content.decode()
    assert re.findall(r'value="(\d+)" form="send-form"', page) == [str(people["bea"].pk)]
    page = logged_in.get("/messaging/", {"q": "999"}).content.decode()
    assert re.findall(r'value="(\d+)" form="send-form"', page) == [str(people["anon"].pk)]
    assert "Send to the 1 connection matching “999”" in page


def test_send_to_the_chosen_connections(logged_in, people):
    chosen = [people["amina"].pk, people["anon"].pk]
    response = logged_in.post(
        "/messaging/send/", {"text": "Clinic closed today", "connections": chosen}
    )
    assert response.status_code == 302
    assert response["Location"] == "/messaging/"
    assert sent() == [("+15550001", "Clinic closed today"), ("+15559999", "Clinic closed today")]
    # One message to many: one log row per connection, all with the same date.
    assert Message.objects.filter(direction="O").count() == 2
    assert "Your message was sent to 2 recipients. It is 1 SMS each." in flash(logged_in)


def test_send_to_everyone_matching_the_search(logged_in, people):
    text = "Réunion à 9h — salle 2"
    response = logged_in.post(
        "/messaging/send/", {"text": text, "all_matching": "on", "q": "+1555000"}
    )
    assert response["Location"] == "/messaging/?q=%2B1555000"
    assert sent() == [("+15550001", text), ("+15550002", text)]
    assert "sent to 2 recipients. It is 1 SMS each (UCS-2)." in flash(logged_in)


def test_opted_out_recipients_are_skipped_and_named(logged_in, people):
    opt_out(people["bea"])
    logged_in.post("/messaging/send/", {"text": "hello", "all_matching": "on"})
    assert [identity for identity, _ in sent()] == ["+15550001", "+15559999"]
    page = flash(logged_in)
    assert "Your message was sent to 2 recipients." in page
    assert "Not sent to 1 opted-out recipient(s): +15550002." in page


def test_everyone_opted_out_means_nothing_is_sent(logged_in, people):
    opt_out(people["bea"])
    logged_in.post("/messaging/send/", {"text": "hello", "connections": [people["bea"].pk]})
    assert sent() == []
    page = flash(logged_in)
    assert "The message was not sent: an app cancelled it." in page
    assert "+15550002" in page


def test_failures_are_reported_and_the_others_still_sent(logged_in, people):
    nowhere = Backend.objects.create(name="unconfigured")
    lost = Connection.objects.create(backend=nowhere, identity="+15558888")
    logged_in.post(
        "/messaging/send/", {"text": "hello", "connections": [people["amina"].pk, lost.pk]}
    )
    assert sent() == [("+15550001", "hello")]
    page = flash(logged_in)
    assert "Your message was sent to 1 recipient." in page
    assert "Sending failed for 1 recipient(s): +15558888." in page


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"text": "hello"}, "Choose at least one recipient."),
        ({"text": "", "all_matching": "on"}, "Message: This field is required."),
        ({"text": "x" * 1601, "all_matching": "on"},
         "Ensure this value has at most 1600 characters (it has 1601)."),
        ({"text": "hello", "connections": ["999999"]}, "Select a valid choice."),
        ({"text": "hello", "connections": ["abc"]}, "“abc” is not a valid value."),
        ({"text": "hello", "all_matching": "on", "q": "nobody at all"},
         "Choose at least one recipient."),
    ],
)
def test_bad_sends_are_refused_with_the_reason(logged_in, people, data, error):
    response = logged_in.post("/messaging/send/", data)
    assert response.status_code == 400
    assert error in response.content.decode()
    assert sent() == []


def test_refused_send_keeps_the_text_and_the_ticks(logged_in, people):
    response = logged_in.post(
        "/messaging/send/", {"text": "x" * 1601, "connections": [people["bea"].pk]}
    )
    page = response.content.decode()
    assert "x" * 1601 + "</textarea>" in page
    pk = people["bea"].pk
    assert f'value="{pk}" form="send-form" aria-label="Send to +15550002" checked' in page


def test_sending_is_post_only(logged_in):
    assert logged_in.get("/messaging/send/").status_code == 405

"""The messaging page: choose connections, write once, confirm, send through the real router."""

from __future__ import annotations

import html
import re

import pytest
from django.contrib.auth.models import Permission

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


@pytest.fixture
def sender(logged_in, user):
    """The logged-in client, its user allowed to send to many recipients at once."""
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="messaging", codename="send_bulk")
    )
    return logged_in


def hidden_fields(page: str) -> dict[str, list[str]]:
    """Return the hidden fields of the confirmation form, as the browser would post them."""
    form = page[page.index('action="/messaging/send/"'):]
    fields: dict[str, list[str]] = {}
    for name, value in re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', form):
        fields.setdefault(name, []).append(html.unescape(value))
    return fields


def confirm_and_send(client, data: dict):
    """Post the send form, check that the confirmation sent nothing, then confirm it."""
    before = sent()
    confirmation = client.post("/messaging/send/", data)
    assert confirmation.status_code == 200, confirmation.content.decode()
    assert sent() == before
    return client.post("/messaging/send/", hidden_fields(confirmation.content.decode()))


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


def test_search_by_name_or_number(sender, people):
    logged_in = sender
    page = logged_in.get("/messaging/", {"q": "okafor"}).content.decode()
    assert re.findall(r'value="(\d+)" form="send-form"', page) == [str(people["bea"].pk)]
    page = logged_in.get("/messaging/", {"q": "999"}).content.decode()
    assert re.findall(r'value="(\d+)" form="send-form"', page) == [str(people["anon"].pk)]
    assert "Send to the 1 connection matching “999”" in page


def test_send_to_the_chosen_connections(sender, people):
    logged_in = sender
    chosen = [people["amina"].pk, people["anon"].pk]
    response = confirm_and_send(
        logged_in, {"text": "Clinic closed today", "connections": chosen}
    )
    assert response.status_code == 302
    assert response["Location"] == "/messaging/"
    assert sent() == [("+15550001", "Clinic closed today"), ("+15559999", "Clinic closed today")]
    # One message to many: one log row per connection, all with the same date.
    assert Message.objects.filter(direction="O").count() == 2
    assert "Your message was sent to 2 recipients. It is 1 SMS each." in flash(logged_in)


def test_send_to_everyone_matching_the_search(sender, people):
    logged_in = sender
    text = "Réunion à 9h — salle 2"
    response = confirm_and_send(
        logged_in, {"text": text, "all_matching": "on", "q": "+1555000"}
    )
    assert response["Location"] == "/messaging/?q=%2B1555000"
    assert sent() == [("+15550001", text), ("+15550002", text)]
    assert "sent to 2 recipients. It is 1 SMS each (UCS-2)." in flash(logged_in)


def test_opted_out_recipients_are_skipped_and_named(sender, people):
    logged_in = sender
    opt_out(people["bea"])
    confirm_and_send(logged_in, {"text": "hello", "all_matching": "on"})
    assert [identity for identity, _ in sent()] == ["+15550001", "+15559999"]
    page = flash(logged_in)
    assert "Your message was sent to 2 recipients." in page
    assert "Not sent to 1 opted-out recipient(s): +15550002." in page


def test_everyone_opted_out_means_nothing_is_sent(logged_in, people):
    opt_out(people["bea"])
    confirm_and_send(logged_in, {"text": "hello", "connections": [people["bea"].pk]})
    assert sent() == []
    page = flash(logged_in)
    assert "The message was not sent: an app cancelled it." in page
    assert "+15550002" in page


def test_failures_are_reported_and_the_others_still_sent(sender, people):
    logged_in = sender
    nowhere = Backend.objects.create(name="unconfigured")
    lost = Connection.objects.create(backend=nowhere, identity="+15558888")
    confirm_and_send(
        logged_in, {"text": "hello", "connections": [people["amina"].pk, lost.pk]}
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
def test_bad_sends_are_refused_with_the_reason(sender, people, data, error):
    response = sender.post("/messaging/send/", data)
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


def test_the_confirmation_shows_the_cost_and_sends_nothing(sender, people):
    opt_out(people["bea"])
    text = "Встреча завтра " * 6  # 89 characters (the last space goes) of UCS-2: two segments
    page = sender.post("/messaging/send/", {"text": text, "all_matching": "on"})
    assert page.status_code == 200
    html_ = page.content.decode()
    assert "To 3 recipients" in html_
    assert "It is 2 SMS each (UCS-2)." in html_
    assert "1 recipient opted out and will not get it." in html_
    assert "4 SMS in all." in html_
    assert "Amina Diallo (+15550001)" in html_ and "+15559999" in html_
    assert "Send to 3 recipients" in html_
    assert sent() == []


def test_a_send_without_its_confirmation_sends_nothing(sender, people):
    data = {"text": "hello", "all_matching": "on"}
    for confirmation in ["", "yes", "forged:token", "1" * 200]:
        answer = sender.post("/messaging/send/", {**data, "confirmation": confirmation})
        assert answer.status_code == (409 if confirmation else 200)
        assert sent() == []
    assert "Nothing was sent; check the numbers again." in answer.content.decode()


def test_a_confirmation_is_for_that_text_those_recipients_and_that_user(
    sender, people, django_user_model
):
    page = sender.post("/messaging/send/", {"text": "hello", "all_matching": "on"})
    fields = hidden_fields(page.content.decode())
    assert sender.post("/messaging/send/", {**fields, "text": "HELLO"}).status_code == 409
    del fields["all_matching"]
    fields["connections"] = [str(people["amina"].pk), str(people["bea"].pk)]
    assert sender.post("/messaging/send/", fields).status_code == 409
    other = django_user_model.objects.create_superuser("root", password="not-secret-123")
    sender.force_login(other)
    fields = hidden_fields(page.content.decode())
    assert sender.post("/messaging/send/", fields).status_code == 409
    assert sent() == []


def test_recipients_that_change_after_the_confirmation_are_confirmed_again(sender, people):
    page = sender.post("/messaging/send/", {"text": "hello", "all_matching": "on"})
    Connection.objects.create(backend=people["amina"].backend, identity="+15551234")
    again = sender.post("/messaging/send/", hidden_fields(page.content.decode()))
    assert again.status_code == 409
    assert "To 4 recipients" in again.content.decode()
    assert sent() == []
    sender.post("/messaging/send/", hidden_fields(again.content.decode()))
    assert len(sent()) == 4


def test_an_old_confirmation_no_longer_sends(sender, people, monkeypatch):
    page = sender.post("/messaging/send/", {"text": "hello", "all_matching": "on"})
    monkeypatch.setattr("rapidsms.contrib.messaging.confirmation.CONFIRMATION_MAX_AGE", -1)
    assert sender.post("/messaging/send/", hidden_fields(page.content.decode())).status_code == 409
    assert sent() == []


def test_a_newline_typed_in_the_browser_survives_the_confirmation(sender, people):
    confirm_and_send(sender, {"text": "line one\r\nline two", "all_matching": "on"})
    assert {text for _, text in sent()} == {"line one\nline two"}


@pytest.mark.parametrize(
    "data",
    [{"all_matching": "on"}, {"connections": ["amina", "bea"]}],
    ids=["all", "two chosen"],
)
def test_sending_to_many_needs_the_permission(logged_in, people, data):
    if "connections" in data:
        data = {"connections": [people[name].pk for name in data["connections"]]}
    answer = logged_in.post("/messaging/send/", {"text": "hello", **data})
    assert answer.status_code == 403
    assert "needs the permission “Can send one message to many recipients”" in (
        answer.content.decode()
    )
    assert sent() == []


def test_without_the_permission_one_recipient_at_a_time(logged_in, people):
    page = logged_in.get("/messaging/").content.decode()
    assert 'name="all_matching"' not in page
    assert "Sending to more than one at once needs the permission" in page
    answer = confirm_and_send(logged_in, {"text": "hello", "connections": [people["bea"].pk]})
    assert answer.status_code == 302
    assert sent() == [("+15550002", "hello")]
    assert "Your message was sent to 1 recipient. It is 1 SMS each." in flash(logged_in)


def test_a_superuser_may_send_to_many(admin_client, people):
    assert confirm_and_send(admin_client, {"text": "hi", "all_matching": "on"}).status_code == 302
    assert len(sent()) == 3


def test_the_permission_is_in_the_database(db):
    permission = Permission.objects.get(content_type__app_label="messaging",
                                        codename="send_bulk")
    assert permission.name == "Can send one message to many recipients"


@pytest.mark.parametrize("data", [{"all_matching": "on"}, {"connections": "all three"}])
def test_no_send_goes_to_more_than_the_limit(sender, people, settings, data):
    settings.RAPIDSMS_BULK_SEND_LIMIT = 2
    if data.get("connections"):
        data = {"connections": [conn.pk for conn in people.values()]}
    answer = sender.post("/messaging/send/", {"text": "hello", **data})
    assert answer.status_code == 400
    assert ("This would send to 3 recipients; one message may go to at most 2 "
            "(RAPIDSMS_BULK_SEND_LIMIT).") in answer.content.decode()
    assert sent() == []


def test_the_limit_can_be_lifted(sender, people, settings):
    settings.RAPIDSMS_BULK_SEND_LIMIT = None
    confirm_and_send(sender, {"text": "hello", "all_matching": "on"})
    assert len(sent()) == 3


def test_the_confirmation_names_ten_recipients_and_counts_the_rest(sender, people):
    backend = people["amina"].backend
    Connection.objects.bulk_create(
        Connection(backend=backend, identity=f"+1666{number:07}") for number in range(40)
    )
    page = sender.post("/messaging/send/", {"text": "hello", "all_matching": "on"})
    text = page.content.decode()
    assert "To 43 recipients" in text
    assert "and 33 more" in text
    assert text.count("+1555") + text.count("+1666") == 10


def test_without_the_opt_out_app_the_confirmation_does_not_count_opt_outs(
    sender, people, settings
):
    settings.INSTALLED_APPS = [app for app in settings.INSTALLED_APPS
                               if app != "rapidsms.contrib.optout"]
    page = sender.post("/messaging/send/", {"text": "hello", "all_matching": "on"})
    assert page.status_code == 200
    assert "opted out" not in page.content.decode()
    assert sent() == []


def test_a_confirmation_sends_once_however_often_it_is_posted(sender, people):
    data = {"text": "Clinic closed today", "connections": [people["amina"].pk]}
    confirmation = sender.post("/messaging/send/", data)
    confirmed = hidden_fields(confirmation.content.decode())
    assert sender.post("/messaging/send/", confirmed).status_code == 302
    assert sent() == [("+15550001", "Clinic closed today")]
    again = sender.post("/messaging/send/", confirmed)  # a second click, or the history
    assert again.status_code == 409
    assert sent() == [("+15550001", "Clinic closed today")]

"""The message tester page, through the real router and the real ``message_tester`` backend."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from rapidsms.backends.database.models import BackendMessage
from rapidsms.contrib.messagelog.models import Message
from rapidsms.tests.harness import RapidTest

pytestmark = pytest.mark.django_db

NUMBER = "+15550001"
PAGE = reverse("httptester", args=[NUMBER])


def rows(identity: str = NUMBER) -> list[tuple[str, str]]:
    return list(
        BackendMessage.objects.filter(name="message_tester", identity=identity)
        .order_by("pk")
        .values_list("direction", "text")
    )


def bubbles(html: str) -> list[str]:
    return re.findall(r'<span class="text">(.*?)</span>', html, re.DOTALL)


def send(client, text: str, identity: str = NUMBER, **extra):
    return client.post(PAGE, {"identity": identity, "text": text, "action": "send"}, **extra)


def upload(client, content: bytes, name: str = "messages.txt"):
    bulk = SimpleUploadedFile(name, content, content_type="text/plain")
    return client.post(PAGE, {"identity": NUMBER, "bulk": bulk, "action": "bulk"})


def test_index_goes_to_a_new_number_then_to_the_last_one_used(logged_in):
    first = logged_in.get(reverse("httptester-index"))
    assert first.status_code == 302
    assert re.fullmatch(r"/httptester/\d{6}/", first["Location"])
    logged_in.get(PAGE)
    again = logged_in.get(reverse("httptester-index"))
    assert again["Location"] == "/httptester/+15550001/"


def test_send_goes_through_the_router_and_shows_the_conversation(logged_in):
    response = send(logged_in, "echo hello")
    assert response.status_code == 302
    assert response["Location"] == PAGE
    assert rows() == [("I", "echo hello"), ("O", "hello")]
    # The real router ran every app: the message log has both sides too.
    logged = Message.objects.order_by("pk").values_list("direction", "text")
    assert list(logged) == [("I", "echo hello"), ("O", "hello")]
    send(logged_in, "ping")
    page = logged_in.get(PAGE).content.decode()
    assert bubbles(page) == ["echo hello", "hello", "ping", "pong"]  # newest last
    assert "Conversation with +15550001" in page
    times = re.findall(r'<time datetime="([^"]+)">', page)
    assert len(times) == 4


def test_typed_number_with_punctuation_opens_that_numbers_page(logged_in):
    response = send(logged_in, "ping", identity="+1 (555) 000-2")
    assert response["Location"] == "/httptester/+15550002/"
    assert rows("+15550002") == [("I", "ping"), ("O", "pong")]
    page = logged_in.get(PAGE).content.decode()
    assert '<a href="/httptester/+15550002/">+15550002</a>' in page


def test_script_gets_json_with_the_new_conversation(logged_in):
    response = send(logged_in, "echo hi there", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    payload = response.json()
    assert payload["ok"] is True
    assert payload["url"] == PAGE
    assert bubbles(payload["conversation"]) == ["echo hi there", "hi there"]


def test_reply_shows_its_characters_segments_and_alphabet(logged_in):
    send(logged_in, "echo " + "a" * 161)
    send(logged_in, "echo héllo €")
    send(logged_in, "echo Привет")
    page = logged_in.get(PAGE).content.decode()
    costs = [re.sub(r"\s+", " ", cost).strip() for cost in
             re.findall(r'<span class="sms-cost">(.*?)</span>\s*</li>', page, re.DOTALL)]
    assert costs == [
        "161 characters · 2 SMS · GSM-7",
        "7 characters · 1 SMS · GSM-7",
        '6 characters · 1 SMS · <span class="badge">needs UCS-2</span>',
    ]


def test_what_a_sender_types_is_shown_as_text(logged_in):
    send(logged_in, "echo <b>bold</b>")
    page = logged_in.get(PAGE).content.decode()
    assert "&lt;b&gt;bold&lt;/b&gt;" in page
    assert "<b>bold</b>" not in page


@pytest.mark.parametrize(
    ("identity", "text", "error"),
    [
        (NUMBER, "", "This field is required."),
        (NUMBER, "   ", "This field is required."),
        (NUMBER, "x" * 1601, "Ensure this value has at most 1600 characters (it has 1601)."),
        ("not a number", "ping", "Enter a phone number of 3 to 20 digits"),
        ("", "ping", "This field is required."),
    ],
)
def test_bad_input_is_a_form_error_and_sends_nothing(logged_in, identity, text, error):
    response = send(logged_in, text, identity=identity)
    assert response.status_code == 200
    assert error in response.content.decode()
    as_json = send(logged_in, text, identity=identity, HTTP_ACCEPT="application/json")
    assert as_json.status_code == 400
    assert error in str(as_json.json()["errors"])
    assert not BackendMessage.objects.exists()


def test_bulk_upload_sends_each_line_in_order(logged_in):
    content = "\ufeffecho one\n\n  ping  \r\necho ünïcode\n".encode()
    response = upload(logged_in, content)
    assert response.status_code == 302
    assert rows() == [
        ("I", "echo one"), ("O", "one"),
        ("I", "ping"), ("O", "pong"),
        ("I", "echo ünïcode"), ("O", "ünïcode"),
    ]
    page = logged_in.get(PAGE).content.decode()
    assert "Sent 3 messages from the file." in page


@pytest.mark.parametrize(
    ("content", "error"),
    [
        (b"echo fine\n\xff\xfe broken\n", "Line 2 is not UTF-8 text."),
        (b"", "The submitted file is empty."),
        (b"\n  \n\r\n", "The file is empty: it has no messages."),
        (b"echo x\n" * (5 * 1024 * 1024 // 7),
         "The file is too large (5.0 MB); send at most 1 MB."),
        (b"ping\n" * 1001, "The file has 1001 messages; send at most 1000 at a time."),
        (b"ping\n" + b"x" * 1601 + b"\n", "Line 2 is longer than 1600 characters."),
    ],
    ids=["not-utf8", "zero-bytes", "blank-lines", "5-mb", "too-many-lines", "long-line"],
)
def test_bad_bulk_file_is_a_form_error_and_sends_nothing(logged_in, content, error):
    response = upload(logged_in, content)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not BackendMessage.objects.exists()


def test_bulk_without_a_file_asks_for_one(logged_in):
    response = logged_in.post(PAGE, {"identity": NUMBER, "action": "bulk"})
    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


def test_clear_one_number_then_all(logged_in):
    send(logged_in, "ping")
    send(logged_in, "ping", identity="+15550002")
    response = logged_in.post(PAGE, {"action": "clear"})
    assert response["Location"] == PAGE
    assert rows() == []
    assert rows("+15550002") == [("I", "ping"), ("O", "pong")]
    assert "Cleared the conversation with +15550001 (2 messages)." in (
        logged_in.get(PAGE).content.decode()
    )
    logged_in.post(PAGE, {"action": "clear-all-btn"})  # the RapidSMS 2.x button name
    assert not BackendMessage.objects.exists()


def test_missing_backend_still_routes_and_the_page_names_the_setting(logged_in):
    # As in RapidSMS 2.x (and under its test harness, which installs its own
    # backends): the text is stored and routed; only the replies cannot come back.
    with override_settings(INSTALLED_BACKENDS={}):
        response = logged_in.get(PAGE)
        posted = send(logged_in, "ping")
    assert response.status_code == 200
    page = response.content.decode()
    assert "has no backend named &#x27;message_tester&#x27;" in page
    assert "INSTALLED_BACKENDS" in page
    assert "rapidsms.backends.database.DatabaseBackend" in page
    assert posted.status_code in (200, 302)
    assert rows() == [("I", "ping")]
    assert Message.objects.filter(direction="I", text="ping").exists()


class TesterUnderThe2xHarnessTest(RapidTest):
    """A RapidSMS 2.x project's test of its tester page, with the harness's backends."""

    apps = ["rapidsms.contrib.handlers"]
    handlers = ["rapidsms.contrib.echo.handlers.ping.PingHandler"]

    def test_a_message_sent_from_the_tester_reaches_the_apps(self):
        self.login()
        response = self.client.post(PAGE, {"action": "send", "identity": NUMBER,
                                           "text": "ping"})
        assert response.status_code in (200, 302)
        assert [msg.text for msg in self.inbound] == ["ping"]
        assert [msg.text for msg in self.outbound] == ["pong"]


def test_backend_of_another_kind_is_explained(logged_in):
    other = {"message_tester": {"ENGINE": "rapidsms.tests.harness.MockBackend"}}
    with override_settings(INSTALLED_BACKENDS=other):
        response = logged_in.get(PAGE)
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert "must use the database backend" in response.content.decode()


def test_check_warns_about_the_missing_backend():
    from rapidsms.contrib.httptester.checks import check_tester_backend

    assert check_tester_backend() == []
    with override_settings(INSTALLED_BACKENDS={}):
        assert [message.id for message in check_tester_backend()] == ["httptester.W001"]


def test_page_only_takes_phone_numbers_in_its_url(logged_in):
    assert logged_in.get("/httptester/abc/").status_code == 404
    assert logged_in.delete(PAGE).status_code == 405

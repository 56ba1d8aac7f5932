"""The API client against the sandbox, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import socket
from datetime import UTC, datetime, timedelta, timezone

import pytest

from rapidsms.backends.rapidpro.client import RapidProClient, parse_retry_after
from rapidsms.backends.rapidpro.errors import (
    RapidProBadRequestError,
    RapidProConnectionError,
    RapidProNoSuchObjectError,
    RapidProOutcomeUnknownError,
    RapidProRateExceededError,
    RapidProTokenError,
)
from rapidsms.backends.rapidpro.sandbox import Sandbox
from rapidsms.backends.rapidpro.types import (
    Broadcast,
    Message,
    format_datetime,
    parse_datetime,
)
from tests.rapidpro.conftest import TOKEN, urns


@pytest.fixture
def client(sandbox: Sandbox) -> RapidProClient:
    api = RapidProClient(sandbox.url, TOKEN, timeout=(2, 2))
    api.sleep = lambda seconds: None
    return api


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_url_gets_api_root_once() -> None:
    assert RapidProClient("https://x.org/", "t").api_root == "https://x.org/api/v2/"
    assert RapidProClient("https://x.org/api/v2", "t").api_root == "https://x.org/api/v2/"
    assert RapidProClient("x.org", "t").api_root == "https://x.org/api/v2/"


def test_dates_are_written_in_utc_with_microseconds_and_read_with_any_offset() -> None:
    moment = datetime(2024, 1, 2, 8, 4, 5, 6, tzinfo=timezone(timedelta(hours=2)))
    assert format_datetime(moment) == "2024-01-02T06:04:05.000006Z"
    with pytest.raises(ValueError, match="time zone"):
        format_datetime(datetime(2024, 1, 2))
    assert parse_datetime("2017-12-31T11:35:10.035757-02:00") == datetime(
        2017, 12, 31, 13, 35, 10, 35757, tzinfo=UTC
    )
    assert parse_datetime("2013-03-02T17:28:12.123456Z").tzinfo == UTC
    assert parse_datetime("2013-03-02T17:28:12") == datetime(2013, 3, 2, 17, 28, 12, tzinfo=UTC)
    assert parse_datetime(None) is None


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert parse_retry_after("7") == 7.0
    later = (datetime.now(UTC) + timedelta(seconds=30)).strftime("%a, %d %b %Y %H:%M:%S GMT")
    assert 25 <= parse_retry_after(later) <= 31
    assert parse_retry_after("soon") is None


def test_workspace_and_listing_pages_of_250_with_a_resumable_cursor(
    sandbox: Sandbox, client: RapidProClient
) -> None:
    assert client.get_workspace().country == "RW"
    for n in range(600):
        sandbox.workspace.receive(f"tel:+250788{n:06d}", f"hi {n}")
    pages = client.get_messages(folder="inbox").iterfetches()
    first = next(pages)
    cursor = pages.get_cursor()
    assert len(first) == 250 and cursor
    # A new iterator resumes where the first one stopped.
    rest = [len(page) for page in client.get_messages(folder="inbox").iterfetches(
        resume_cursor=cursor)]
    assert rest == [250, 100]
    everything = client.get_messages(folder="inbox").all()
    assert len({m.key for m in everything}) == 600
    assert everything[0].text == "hi 599"  # newest first
    assert client.get_messages(folder="inbox").first().text == "hi 599"
    assert client.get_messages(folder="no-such-folder").all() == []
    # A date RapidPro cannot read gives nothing, as the real server does.
    assert client.get_messages(after=datetime.now(UTC) + timedelta(days=1)).all() == []


@pytest.mark.parametrize("shape", ["current", "v9"])
def test_both_server_lines_are_read(shape: str) -> None:
    with Sandbox(token=TOKEN, shape=shape) as server:
        api = RapidProClient(server.url, TOKEN)
        broadcast = api.create_broadcast("Hello", urns=["tel:+250788123123"])
        message = server.workspace.receive("tel:+250788123123", "hi")
        listed = api.get_messages(folder="inbox").first()
        fetched = api.get_broadcasts().first()
    assert isinstance(broadcast, Broadcast) and broadcast.text_in() == "Hello"
    assert isinstance(listed, Message) and listed.direction == "in"
    if shape == "v9":
        assert broadcast.uuid is None and broadcast.key == str(broadcast.id)
        assert listed.uuid is None and listed.key == str(message.id)
        assert listed.quick_replies == []  # absent in v9: read as empty
    else:
        assert broadcast.key == broadcast.uuid and listed.key == message.uuid
    assert fetched.key == broadcast.key


def test_absent_list_fields_read_as_empty() -> None:
    message = Message.from_json({"id": 5, "direction": "incoming", "urn": "tel:+1", "text": "x"})
    assert (message.attachments, message.labels, message.quick_replies) == ([], [], [])
    assert message.direction == "in" and message.key == "5"
    assert Broadcast.from_json({"uuid": "b", "text": "hi", "urns": None}).urns == []


def test_bad_request_carries_the_per_field_errors(client: RapidProClient) -> None:
    with pytest.raises(RapidProBadRequestError) as caught:
        client.create_broadcast("Hi", urns=["tel:+250788123123", "tel:12"])
    assert caught.value.errors == {
        "urns": {"1": ["Invalid URN: tel:12. Ensure phone numbers contain country codes."]}
    }
    assert "Invalid URN: tel:12" in str(caught.value)


def test_more_than_100_urns_is_refused_before_any_request(
    sandbox: Sandbox, client: RapidProClient
) -> None:
    with pytest.raises(ValueError, match="at most 100"):
        client.create_broadcast("Hi", urns=urns(101))
    assert sandbox.count() == 0


def test_the_sandbox_refuses_101_urns_like_rapidpro(sandbox: Sandbox) -> None:
    import requests

    answer = requests.post(
        f"{sandbox.url}/api/v2/broadcasts.json",
        json={"text": "Hi", "urns": urns(101)},
        headers={"Authorization": f"Token {TOKEN}"},
        timeout=5,
    )
    assert answer.status_code == 400
    assert answer.json() == {"urns": ["Ensure this field has no more than 100 elements."]}


def test_invalid_token(sandbox: Sandbox) -> None:
    with pytest.raises(RapidProTokenError, match="Invalid token"):
        RapidProClient(sandbox.url, "wrong").get_workspace()


def test_contacts_by_uuid_or_urn(client: RapidProClient) -> None:
    created = client.create_contact(name="Ann", urns=["tel:+250788000001"])
    updated = client.update_contact("tel:+250788000001", name="Ann B")
    assert updated.uuid == created.uuid and updated.name == "Ann B"
    upserted = client.update_contact("whatsapp:250788000002", name="New")
    assert upserted.urns == ["whatsapp:250788000002"]
    client.delete_contact(created.uuid)
    with pytest.raises(RapidProNoSuchObjectError):
        client.delete_contact(created.uuid)
    with pytest.raises(RapidProNoSuchObjectError):
        client.update_contact("1b6e1a4b-0000-4000-8000-000000000000", name="x")


def test_create_message_to_a_contact(sandbox: Sandbox, client: RapidProClient) -> None:
    contact = client.create_contact(urns=["tel:+250788000003"])
    sent = client.create_message(contact.uuid, "Hello Ann")
    assert sent.direction == "out" and sent.status == "queued" and sent.urn == "tel:+250788000003"
    with pytest.raises(RapidProBadRequestError) as caught:
        client.create_message("tel:+250788999999", "nobody")
    assert "contact" in caught.value.errors


def test_resthook_subscribe_and_unsubscribe(client: RapidProClient) -> None:
    assert [hook.resthook for hook in client.get_resthooks().all()] == ["rapidsms"]
    subscriber = client.create_resthook_subscriber("rapidsms", "https://example.org/hook")
    assert client.get_resthook_subscribers(resthook="rapidsms").first() == subscriber
    client.delete_resthook_subscriber(subscriber)
    assert client.get_resthook_subscribers().all() == []
    with pytest.raises(RapidProBadRequestError):
        client.create_resthook_subscriber("nope", "https://example.org/hook")


def test_429_raises_with_retry_after_or_waits_when_asked(
    sandbox: Sandbox, client: RapidProClient
) -> None:
    sandbox.fail_next(429, retry_after=7, endpoint="workspace")
    with pytest.raises(RapidProRateExceededError) as caught:
        client.get_workspace()
    assert caught.value.retry_after == 7
    slept: list[float] = []
    client.sleep = slept.append
    sandbox.fail_next(429, retry_after=3, count=2, endpoint="messages")
    assert client.get_messages().all(retry_on_rate_exceed=True) == []
    assert slept == [3, 3]


def test_sandbox_rate_limit_answers_429_with_retry_after() -> None:
    with Sandbox(token=TOKEN, rate_limit=3, rate_window=60) as server:
        api = RapidProClient(server.url, TOKEN)
        for _ in range(3):
            api.get_workspace()
        with pytest.raises(RapidProRateExceededError) as caught:
            api.get_workspace()
    assert 1 <= caught.value.retry_after <= 60


def test_a_503_post_is_retried_because_nothing_was_done(
    sandbox: Sandbox, client: RapidProClient
) -> None:
    sandbox.fail_next(503, endpoint="broadcasts")
    client.create_broadcast("Hi", urns=["tel:+250788123123"])
    assert sandbox.count("POST", "broadcasts") == 2
    assert len(sandbox.workspace.broadcasts) == 1


def test_a_post_that_timed_out_after_sending_is_not_repeated(
    sandbox: Sandbox, client: RapidProClient
) -> None:
    client.timeout = (2, 0.3)
    sandbox.delay_next(1.0, method="POST", endpoint="broadcasts")
    with pytest.raises(RapidProOutcomeUnknownError, match="may have been"):
        client.create_broadcast("Hi", urns=["tel:+250788123123"])
    assert len(sandbox.workspace.broadcasts) == 1  # RapidPro did it, once


def test_a_get_that_timed_out_is_retried(sandbox: Sandbox, client: RapidProClient) -> None:
    client.timeout = (2, 0.3)
    sandbox.delay_next(1.0, method="GET", endpoint="workspace")
    assert client.get_workspace().name == "Sandbox"
    assert sandbox.count("GET", "workspace") == 2


def test_connection_refused_is_retried_then_raised() -> None:
    api = RapidProClient(f"http://127.0.0.1:{free_port()}", TOKEN, max_retries=2)
    slept: list[float] = []
    api.sleep = slept.append
    with pytest.raises(RapidProConnectionError) as caught:
        api.create_broadcast("Hi", urns=["tel:+250788123123"])
    assert not isinstance(caught.value, RapidProOutcomeUnknownError)
    assert len(slept) == 2


def test_the_next_link_is_requested_on_our_own_host(sandbox: Sandbox) -> None:
    from rapidsms.backends.rapidpro.client import _next_params

    assert _next_params("https://evil.example/api/v2/messages.json?cursor=abc&folder=inbox") == {
        "cursor": "abc", "folder": "inbox"}
    assert _next_params(None) is None

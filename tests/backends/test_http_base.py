"""``HttpBackendBase``: the hooks a gateway fills in, over a real loopback server."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import pytest

from rapidsms.backends.http_base import HttpBackendBase
from rapidsms.errors import MessageSendingError
from rapidsms.testing.fake_gateway import Answer, FakeGateway


class BatchBackend(HttpBackendBase):
    """Two recipients per request; the gateway lists refused numbers in its answer."""

    max_identities_per_request = 2

    def configure(self, url: str = "", password: str = "", **options: Any) -> None:
        self.url, self.password = url, password
        super().configure(**options)

    def prepare_request(self, id_: str, text: str, identities: list[str],
                        context: dict[str, Any]) -> dict[str, Any]:
        return {"url": self.url, "params": {"password": self.password},
                "data": {"to": " ".join(identities), "text": text}}

    def parse_response(self, response: Any, id_: str, identities: list[str],
                       context: dict[str, Any]) -> list[str]:
        return [i for i in identities if i in response.text.split()]


def make(url: str, **options: Any) -> BatchBackend:
    return BatchBackend(None, "batch", url=url, password="hunter2-password", **options)


def test_identities_go_in_batches_and_the_session_is_reused(gateway: FakeGateway) -> None:
    backend = make(gateway.url)
    backend.send("m1", "hi", ["+1", "+2", "+3", "+4", "+5"], {})
    assert [r.form["to"] for r in gateway.requests] == ["+1 +2", "+3 +4", "+5"]
    assert len({r.client_port for r in gateway.requests}) == 1  # one kept-alive connection


def test_refusals_in_a_2xx_answer_fail_only_those_identities(gateway: FakeGateway) -> None:
    gateway.answer = lambda request: Answer(200, "refused: +3")
    with pytest.raises(MessageSendingError) as caught:
        make(gateway.url).send("m1", "hi", ["+1", "+2", "+3", "+4"], {})
    assert caught.value.failed_identities == ["+3"]
    assert caught.value.retryable is False


def test_failures_of_several_batches_are_combined(gateway: FakeGateway) -> None:
    answers = iter([Answer(503), Answer(200), Answer(400)])
    gateway.answer = lambda request: next(answers)
    with pytest.raises(MessageSendingError) as caught:
        make(gateway.url).send("m1", "hi", ["+1", "+2", "+3", "+4", "+5"], {})
    assert caught.value.failed_identities == ["+1", "+2", "+5"]
    # One part can never succeed, so the whole cannot: each identity says more.
    assert caught.value.retryable is False
    assert len(caught.value.errors) == 2
    results = caught.value.results
    assert list(results) == ["+1", "+2", "+3", "+4", "+5"]
    assert [type(r).__name__ for r in results.values()] == [
        "Refused", "Refused", "Accepted", "Accepted", "Refused"]
    assert (results["+1"].retryable, results["+5"].retryable) == (True, False)


@pytest.fixture
def unresponsive_port() -> Iterator[int]:
    """A port whose accept queue is full, so a new connection waits until it times out."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):
        filler = socket.socket()
        filler.setblocking(False)
        try:
            filler.connect(("127.0.0.1", port))
        except BlockingIOError:
            pass
        fillers.append(filler)
    yield port
    for sock in [*fillers, listener]:
        sock.close()


def test_connect_timeout_is_retryable(unresponsive_port: int) -> None:
    backend = make(f"http://127.0.0.1:{unresponsive_port}/send", connect_timeout=0.2)
    with pytest.raises(MessageSendingError) as caught:
        backend.send("m1", "hi", ["+1"], {})
    assert caught.value.retryable is True
    assert "within 0.2 s" in str(caught.value)


def test_password_in_query_is_hidden_in_the_error(gateway: FakeGateway, caplog: Any) -> None:
    gateway.answer = lambda request: Answer(500, "bad password hunter2-password")
    caplog.set_level("DEBUG", logger="rapidsms")
    with pytest.raises(MessageSendingError) as caught:
        make(gateway.url).send("m1", "hi", ["+1"], {})
    assert "hunter2" not in str(caught.value) + caplog.text
    assert "password=********" in str(caught.value)
    assert gateway.requests[0].query["password"] == "hunter2-password"  # it was sent


def test_redact_url_hides_credentials_and_secret_parameters() -> None:
    backend = make("http://example.org")
    assert backend.redact_url("http://user:pw@host:13013/send?user=u&pass=p&api_key=k&to=1") == (
        "http://********@host:13013/send?user=u&pass=********&api_key=********&to=1")


def test_callback_url_adds_parameters_and_the_current_token() -> None:
    backend = make("http://example.org", inbound_secrets=["new-secret", "old-secret"])
    assert backend.callback_url("https://sms.example.org/backends/k/status/?a=1",
                                message_id="m 1") == (
        "https://sms.example.org/backends/k/status/?a=1&message_id=m+1&token=new-secret")
    assert make("http://example.org").callback_url("https://x.org/s/") == "https://x.org/s/"


def test_building_a_backend_opens_no_connection() -> None:
    backend = make("http://127.0.0.1:9/never")
    assert "session" not in vars(backend)


def test_prepare_request_is_required() -> None:
    backend = HttpBackendBase(None, "bare")
    with pytest.raises(NotImplementedError, match="prepare_request"):
        backend.send("m1", "hi", ["+1"], {})

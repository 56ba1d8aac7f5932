"""``ContractSuite``: the outgoing promises, against a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from rapidsms.errors import MessageSendingError
from rapidsms.router import lookup_connections, send
from rapidsms.testing.fake_gateway import Answer, RecordedRequest, unused_port
from rapidsms.testing.gateways.base import SECRET, GatewaySuite


class ContractSuite(GatewaySuite):
    """Outgoing promises, tested against the fake gateway over real HTTP.

    Hooks: :meth:`outgoing_options` (options that point the backend at
    ``url``), :meth:`sent_identities` and :meth:`sent_text` (read a recorded
    request). ``per_identity_requests``: the gateway gets one request per
    recipient, so a partial failure names exactly the failed recipient;
    a gateway that sends many recipients in one request and reports each in
    its answer implements :meth:`refusing_answer` instead.
    ``secret_options``: options holding secrets that must never be logged.
    """

    per_identity_requests = True
    secret_options: dict[str, Any] = {}

    def outgoing_options(self, url: str) -> dict[str, Any]:
        raise NotImplementedError

    def sent_identities(self, request: RecordedRequest) -> list[str]:
        raise NotImplementedError

    def sent_text(self, request: RecordedRequest) -> str:
        raise NotImplementedError

    def refusing_answer(self, request: RecordedRequest, refused: str) -> Answer | None:
        """Return the answer to ``request`` refusing ``refused`` for good, taking the rest.

        For a gateway that takes many recipients in one request and reports
        each one in its answer (Africa's Talking's ``Recipients``). Not
        overridden: the gateway cannot refuse one recipient of a request,
        and the partial-failure test needs ``per_identity_requests``.
        """
        return None

    def install_outgoing(self, url: str | None = None, **overrides: Any) -> Any:
        options = {**self.outgoing_options(url or self.gateway.url), **self.secret_options,
                   "read_timeout": 2, **overrides}
        return self.install(**options)

    def send_to(self, identities: list[str], text: str = "hello") -> Any:
        connections = lookup_connections(self.backend_name, identities)
        return send(text, connections)

    def test_one_send_per_message_reaches_every_identity_once(self, monkeypatch: Any) -> None:
        self.install_outgoing()
        calls = []
        original = type(self.backend).send

        def counting(backend: Any, *args: Any, **kwargs: Any) -> None:
            calls.append(kwargs.get("identities", args[2] if len(args) > 2 else None))
            original(backend, *args, **kwargs)

        monkeypatch.setattr(type(self.backend), "send", counting)
        self.send_to(["+15550000001", "+15550000002", "+15550000001"], "hello all")
        assert len(calls) == 1
        reached = [i for request in self.gateway.requests for i in self.sent_identities(request)]
        assert sorted(reached) == ["+15550000001", "+15550000002"]
        assert {self.sent_text(request) for request in self.gateway.requests} == {"hello all"}

    def test_every_recipient_gets_a_result(self) -> None:
        """A send reports each recipient: accepted, with the gateway's id when it gives one."""
        from rapidsms.backends.results import Accepted
        from rapidsms.router import get_router

        self.install_outgoing()
        identities = ["+15550000001", "+15550000002"]
        lookup_connections(self.backend_name, identities)
        results = get_router().send_to_backend(self.backend_name, "m-1", "hello", identities, {})
        assert list(results) == identities
        assert all(isinstance(result, Accepted) for result in results.values())

    def test_user_agent_names_the_project(self) -> None:
        self.install_outgoing()
        self.send_to(["+15550000001"])
        assert self.gateway.requests[0].headers["user-agent"].startswith("rapidsms/")

    def test_text_in_any_alphabet_arrives_unchanged(self) -> None:
        self.install_outgoing()
        text = "Ẹ ku àárọ̀ — здравствуйте 你好 👋🏽"
        self.send_to(["+15550000001"], text)
        assert self.sent_text(self.gateway.requests[0]) == text

    def test_partial_failure_names_only_the_failed_identity(self) -> None:
        from rapidsms.backends.results import Accepted

        one_request = not self.per_identity_requests
        self.install_outgoing()
        if one_request:
            if type(self).refusing_answer is ContractSuite.refusing_answer:
                pytest.skip("this gateway sends all recipients in one request and cannot "
                            "refuse one of them (no refusing_answer())")
            self.gateway.answer = lambda request: self.refusing_answer(request, "+15550000002")
        else:
            self.gateway.answer = lambda request: (
                Answer(400, "invalid number") if "+15550000002" in self.sent_identities(request)
                else Answer()
            )
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m1", "hi", ["+15550000001", "+15550000002", "+15550000003"], {})
        assert caught.value.failed_identities == ["+15550000002"]
        assert caught.value.retryable is False
        assert len(self.gateway.requests) == (1 if one_request else 3)
        if caught.value.results:
            assert isinstance(caught.value.results["+15550000001"], Accepted)
            assert isinstance(caught.value.results["+15550000003"], Accepted)

    @pytest.mark.parametrize("bad", ["+1555 0000002", "+15550000002\n+15550000003",
                                     "+15550000002\x00", "+15550000002\u202e", ""])
    def test_a_recipient_with_white_space_or_a_control_character_fails_alone(
            self, bad: str) -> None:
        self.install_outgoing()
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m1", "hi", ["+15550000001", bad, "+15550000004"], {})
        assert caught.value.failed_identities == [bad]
        assert caught.value.retryable is False
        reached = [i for request in self.gateway.requests for i in self.sent_identities(request)]
        assert sorted(reached) == ["+15550000001", "+15550000004"]

    @pytest.mark.parametrize("status, retryable", [(500, True), (503, True), (429, True),
                                                   (400, False), (401, False), (404, False)])
    def test_gateway_error_status(self, status: int, retryable: bool) -> None:
        self.install_outgoing()
        self.gateway.answer = lambda request: Answer(status, "no")
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m1", "hi", ["+15550000001"], {})
        assert caught.value.failed_identities == ["+15550000001"]
        assert caught.value.retryable is retryable
        assert caught.value.backend == self.backend_name
        assert str(status) in str(caught.value)

    def test_read_timeout_is_not_retried(self) -> None:
        self.install_outgoing(read_timeout=0.2)
        self.gateway.answer = lambda request: Answer(delay=1.0)
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m1", "hi", ["+15550000001"], {})
        assert caught.value.retryable is False
        assert caught.value.failed_identities == ["+15550000001"]
        assert "did not answer within 0.2 s" in str(caught.value)

    def test_dropped_connection_after_sending_is_not_retried(self) -> None:
        self.install_outgoing()
        self.gateway.answer = lambda request: Answer(drop=True)
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m1", "hi", ["+15550000001"], {})
        assert caught.value.retryable is False

    def test_refused_connection_is_retryable(self) -> None:
        self.install_outgoing(url=f"http://127.0.0.1:{unused_port()}/send")
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m1", "hi", ["+15550000001"], {})
        assert caught.value.retryable is True
        assert caught.value.failed_identities == ["+15550000001"]

    def test_secrets_never_reach_logs_or_errors(self, caplog: Any) -> None:
        self.install_outgoing()
        secrets = [SECRET, *self.backend.secret_values()]
        self.gateway.answer = lambda request: Answer(
            500, "echo: " + request.body.decode("utf-8", "replace") + str(request.query))
        caplog.set_level(logging.DEBUG, logger="rapidsms")
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m1", "hi", ["+15550000001"], {})
        text = caplog.text + str(caught.value)
        for secret in secrets:
            if len(secret) >= 4:
                assert secret not in text

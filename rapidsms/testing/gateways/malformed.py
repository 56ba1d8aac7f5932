"""``MalformedInputSuite``: a bad request is 4xx with a JSON error, and routes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import OperationalError

from rapidsms.backends.inbound.models import ReceivedMessage
from rapidsms.models import Connection
from rapidsms.testing.gateways.base import InboundSuite


class MalformedInputSuite(InboundSuite):
    """Bad requests get 400 (or 405/413) with a JSON error, never a 500, and route nothing."""

    def assert_refused(self, response: Any, status: int = 400, field: str | None = None) -> None:
        assert response.status_code == status, response.content
        body = response.json()
        assert body["error"]
        if field is not None:
            assert body.get("field") == field, body
        assert self.routed() == []

    def test_missing_identity_names_the_field(self) -> None:
        self.assert_refused(self.call(self.inbound_request(identity=None)),
                            field=self.identity_field)

    def test_missing_text_names_the_field(self) -> None:
        self.assert_refused(self.call(self.inbound_request(text=None)), field=self.text_field)

    def test_garbage_body_is_400(self) -> None:
        self.assert_refused(self.call(self.garbage))

    def test_wrong_method_is_405(self) -> None:
        allowed = type(self.backend).inbound_view
        from django.utils.module_loading import import_string

        view = import_string(allowed) if isinstance(allowed, str) else allowed
        method = "DELETE" if "delete" not in view.http_method_names else "PATCH"
        request = self.inbound_request()
        request.method = method
        assert self.call(request).status_code == 405
        assert self.routed() == []

    def test_oversized_body_is_413(self, settings: Any) -> None:
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
        request = self.inbound_request(text="x" * 5000)
        request.method = "POST" if request.method == "GET" else request.method
        response = self.call(request)
        if response.status_code == 405:
            pytest.skip("this gateway only uses GET")
        self.assert_refused(response, status=413)

    @pytest.mark.parametrize("content_type", [
        "multipart/form-data; boundary=limit", "application/octet-stream", "text/plain", "",
    ])
    def test_a_body_over_the_limit_is_413_whatever_its_content_type(
        self, settings: Any, content_type: str
    ) -> None:
        # Django enforces DATA_UPLOAD_MAX_MEMORY_SIZE only on bodies it parses,
        # and not on the files of a multipart form.
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
        request = self.inbound_request()
        if request.method == "GET":
            request.method = "POST"
        fields = b"".join(
            b'--limit\r\nContent-Disposition: form-data; name="%s"\r\n\r\n%s\r\n'
            % (name.encode(), value.encode())
            for name, value in ((self.identity_field, "+15550000001"), (self.text_field, "ping")))
        request.data = (fields + b'--limit\r\nContent-Disposition: form-data; name="f"; '
                        b'filename="f.bin"\r\n\r\n' + b"x" * 5000 + b"\r\n--limit--\r\n")
        request.content_type = content_type
        response = self.call(request)
        if response.status_code == 405:
            pytest.skip("this gateway only uses GET")
        self.assert_refused(response, status=413)

    def test_impossible_number_is_400_and_not_stored(self) -> None:
        self.install(default_region="US")
        response = self.call(self.inbound_request(identity="not-a-number"))
        self.assert_refused(response, field=self.identity_field)
        assert not Connection.objects.filter(identity__contains="not-a-number").exists()

    @pytest.mark.parametrize("sender", ["alice bob", "alice\tbob", "alice\x1bbob",
                                        "alice\u202ebob", "alice\u2028bob"])
    def test_a_sender_with_white_space_or_a_control_character_is_400_and_not_stored(
            self, sender: str) -> None:
        response = self.call(self.inbound_request(identity=sender))
        self.assert_refused(response, field=self.identity_field)
        assert not Connection.objects.filter(identity__startswith="alice").exists()
        assert self.routed() == []

    def test_number_is_stored_in_e164(self) -> None:
        self.install(default_region="NG")
        response = self.call(self.inbound_request(identity="0803 123 4567", text="ping"))
        assert response.status_code == 200
        assert self.routed() == [("+2348031234567", "ping")]

    def test_nul_character_is_400(self) -> None:
        self.assert_refused(self.call(self.inbound_request(text="pi\x00ng")),
                            field=self.text_field)

    def test_gateway_retry_is_answered_200_and_routed_once(self) -> None:
        if not self.has_external_id:
            pytest.skip("this gateway sends no message id")
        first = self.call(self.inbound_request(text="ping", external_id="retry-1"))
        again = self.call(self.inbound_request(text="ping", external_id="retry-1"))
        other = self.call(self.inbound_request(text="ping", external_id="retry-2"))
        assert (first.status_code, again.status_code, other.status_code) == (200, 200, 200)
        assert len(self.routed()) == 2
        assert ReceivedMessage.objects.filter(external_id="retry-1").count() == 1

    def test_id_seen_before_the_window_is_routed_again(self) -> None:
        if not self.has_external_id:
            pytest.skip("this gateway sends no message id")
        self.install(dedupe_window=60)
        self.call(self.inbound_request(external_id="old-1"))
        from datetime import timedelta

        from django.utils import timezone

        ReceivedMessage.objects.update(received_at=timezone.now() - timedelta(seconds=61))
        assert self.call(self.inbound_request(external_id="old-1")).status_code == 200
        assert len(self.routed()) == 2

    def test_failed_routing_is_503_and_the_retry_is_routed(self, monkeypatch: Any) -> None:
        if not self.has_external_id:
            pytest.skip("this gateway sends no message id")
        calls = []
        original = type(self.router).receive_incoming

        def flaky(router: Any, msg: Any) -> None:
            calls.append(msg.text)
            if len(calls) == 1:
                raise OperationalError("database went away")
            original(router, msg)

        monkeypatch.setattr(type(self.router), "receive_incoming", flaky)
        first = self.call(self.inbound_request(text="ping", external_id="flaky-1"))
        assert first.status_code == 503
        assert first["Retry-After"] == "30"
        again = self.call(self.inbound_request(text="ping", external_id="flaky-1"))
        assert again.status_code == 200
        assert calls == ["ping", "ping"]

"""``InboundSecuritySuite``: every inbound URL refuses what does not prove it is the gateway."""

from __future__ import annotations

import pytest

from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.testing.gateways.base import OLD_SECRET, SECRET, GatewayRequest, InboundSuite


class InboundSecuritySuite(InboundSuite):
    """Every inbound URL refuses requests that do not prove they come from the gateway."""

    signs = False  # set True with sign() for gateways that sign their requests

    def test_no_token_is_refused_and_not_routed(self) -> None:
        response = self.call(self.inbound_request(), token=None)
        assert response.status_code == 403
        assert "token" in response.json()["error"]
        assert self.routed() == []

    def test_wrong_token_is_refused_and_not_routed(self) -> None:
        response = self.call(self.inbound_request(), token="guess")
        assert response.status_code == 403
        assert self.routed() == []

    def test_token_in_header_is_accepted(self) -> None:
        response = self.call(self.inbound_request(text="ping"), token_in="header")
        assert response.status_code == 200
        assert self.routed() == [("+15550000001", "ping")]

    def test_token_in_query_is_accepted(self) -> None:
        response = self.call(self.inbound_request(text="ping"), token_in="query")
        assert response.status_code == 200
        assert self.routed() == [("+15550000001", "ping")]

    def test_rotated_secrets_accept_old_and_new_only(self) -> None:
        self.install(inbound_secrets=[SECRET, OLD_SECRET])
        assert self.call(self.inbound_request(external_id="a"), token=SECRET).status_code == 200
        assert self.call(self.inbound_request(external_id="b"),
                         token=OLD_SECRET).status_code == 200
        assert self.call(self.inbound_request(external_id="c"),
                         token="retired-secret").status_code == 403
        assert len(self.routed()) == 2

    def test_several_tokens_in_the_query_are_400_even_with_the_right_one(self) -> None:
        for tokens in (["guess-1", SECRET], [SECRET, "guess-2"], ["a", "b", "c", SECRET]):
            request = self.inbound_request()
            request.query = {**request.query, "token": tokens}
            response = self.call(request, token=None)
            assert response.status_code == 400, response.content
            assert response.json()["field"] == "token"
        assert self.routed() == []

    def test_a_header_and_a_different_query_token_are_400(self) -> None:
        for header, query in ((SECRET, "guess"), ("guess", SECRET)):
            request = self.inbound_request()
            request.query = {**request.query, "token": query}
            assert self.call(request, token=header).status_code == 400
        assert self.routed() == []

    def test_the_same_token_in_the_header_and_the_query_is_one_token(self) -> None:
        request = self.inbound_request(text="ping")
        request.query = {**request.query, "token": SECRET}
        assert self.call(request, token=SECRET).status_code == 200
        assert self.routed() == [("+15550000001", "ping")]

    def test_tokens_in_a_form_body_are_never_tried(self) -> None:
        request = self.inbound_request()
        if request.method != "POST" or not isinstance(request.data, dict):
            pytest.skip("this gateway does not post form bodies")
        request.data = {**request.data, "token": ["guess", SECRET]}
        assert self.call(request, token=None).status_code == 403
        assert self.routed() == []

    def test_authentication_runs_before_the_body_is_read(self) -> None:
        response = self.call(self.garbage, token="guess")
        assert response.status_code == 403  # not 400: nothing was parsed

    def test_signature_hook_can_refuse_a_request_with_a_valid_token(self) -> None:
        backend_class = type(self.backend)
        view_path = backend_class.inbound_view
        from django.utils.module_loading import import_string

        view = import_string(view_path) if isinstance(view_path, str) else view_path
        refusing_view = type("RefusingView", (view,), {"verify_signature": lambda s, r: False})
        refusing_backend = type("RefusingBackend", (backend_class,),
                                {"inbound_view": refusing_view, "__module__": __name__})
        self.install(engine=refusing_backend)
        response = self.call(self.inbound_request(), token=SECRET)
        assert response.status_code == 403
        assert "signature" in response.json()["error"]
        assert self.routed() == []

    def test_unsigned_request_is_refused_when_the_gateway_signs(self) -> None:
        if not self.signs:
            pytest.skip("this gateway does not sign its requests")
        response = self.call(self.inbound_request(), sign=False)
        assert response.status_code == 403
        assert self.routed() == []

    def test_status_url_is_secured_too(self) -> None:
        if getattr(type(self.backend), "status_view", None) is None:
            pytest.skip("this gateway has no delivery reports")
        response = self.call(self.status_request(), url_name="status", token=None)
        assert response.status_code == 403
        assert DeliveryReport.objects.count() == 0

    def status_request(self) -> GatewayRequest:
        """Return a delivery report as the gateway posts it (gateways with reports)."""
        raise NotImplementedError

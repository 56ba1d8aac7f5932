"""An identity holding the generic backend's batch separator names one recipient, never several."""

from __future__ import annotations

from typing import Any

import pytest

from rapidsms.errors import MessageSendingError
from rapidsms.models import Connection
from rapidsms.testing.fake_gateway import FakeGateway
from rapidsms.testing.gateways import SECRET, GatewayRequest, GatewaySuite

SMUGGLER = "15550102070,15559990001"


class TestSeparatorInIdentities(GatewaySuite):
    engine = "rapidsms.backends.http.GenericHttpBackend"
    options = {"identity_separator": ",", "identity_name": "to",
               "inbound_params": {"identity_name": "from", "text_name": "message"}}

    def test_an_outgoing_identity_with_the_separator_fails_alone(
            self, gateway: FakeGateway) -> None:
        self.install(url=gateway.url)
        with pytest.raises(MessageSendingError) as caught:
            self.backend.send("m1", "hi", ["15550102071", SMUGGLER, "15550102072"], {})
        assert caught.value.failed_identities == [SMUGGLER]
        assert caught.value.retryable is False
        assert "separator" in str(caught.value)
        assert [request.form["to"] for request in gateway.requests] == ["15550102071,15550102072"]

    @pytest.mark.parametrize("separator, sender", [(",", SMUGGLER), (";", "alice;bob"),
                                                   ("|", "15550102070|15559990001")])
    def test_a_sender_with_the_separator_is_400_and_no_connection_is_made(
            self, separator: str, sender: str) -> None:
        self.install(identity_separator=separator)
        response = self.call(GatewayRequest(data={"from": sender, "message": "hi"}),
                             token=SECRET)
        assert response.status_code == 400
        assert response.json()["field"] == "from"
        assert "separator" in response.json()["error"]
        assert not Connection.objects.exists()

    def test_without_a_separator_a_comma_is_an_ordinary_character(self) -> None:
        self.install(identity_separator=None)
        response = self.call(GatewayRequest(data={"from": "team,west", "message": "hi"}))
        assert response.status_code == 200
        assert Connection.objects.get().identity == "team,west"


def test_a_sender_is_checked_like_a_recipient(settings: Any) -> None:
    from rapidsms.backends.http import GenericHttpBackend
    from rapidsms.backends.phone_numbers import InvalidIdentity

    backend = GenericHttpBackend(None, "gw", identity_separator=",")
    with pytest.raises(InvalidIdentity):
        backend.normalize_identity(SMUGGLER)
    assert backend.normalize_identity("+1 555 010 2070") == "+15550102070"

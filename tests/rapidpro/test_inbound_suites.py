"""The RapidPro webhook held to the promises every gateway's inbound URL keeps."""

from __future__ import annotations

import json
from typing import Any

from rapidsms.testing.gateways import GatewayRequest, InboundSecuritySuite, MalformedInputSuite


class RapidProWebhook:
    """Hooks of the shared suites: the documented "Call webhook" body.

    Replies of the project's apps go to the suites' fake gateway, which
    answers 200, as RapidPro would.
    """

    engine = "rapidsms.backends.rapidpro.RapidProBackend"
    options = {"api_token": "suite-token", "coalesce_window": 0, "max_retries": 0}
    identity_field = "urn"
    text_field = "text"

    def install(self, engine: Any = None, **overrides: Any) -> Any:
        return super().install(engine, **{"url": self.gateway.url, **overrides})

    def inbound_request(self, identity: str | None = "+15550000001", text: str | None = "ping",
                        external_id: str | None = "gw-1") -> GatewayRequest:
        body: dict[str, Any] = {}
        if identity is not None:
            # The suites speak in phone numbers; RapidPro sends URNs.
            body["urn"] = identity if ":" in identity else f"tel:{identity}"
        if text is not None:
            body["text"] = text
        if external_id is not None:
            body["message_uuid"] = external_id
        return GatewayRequest(data=json.dumps(body).encode("utf-8"),
                              content_type="application/json")

    def routed(self) -> list[tuple[str, str]]:
        return [(msg.connections[0].identity.removeprefix("tel:"), msg.text)
                for msg in self.router.inbound]


class TestRapidProInboundSecurity(RapidProWebhook, InboundSecuritySuite):
    pass


class TestRapidProMalformedInput(RapidProWebhook, MalformedInputSuite):
    pass

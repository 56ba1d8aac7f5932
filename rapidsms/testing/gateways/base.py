"""The set-up every gateway suite shares: a backend mounted at real URLs, and requests to it.

A suite builds the backend from the subclass's ``engine`` and ``options``
(never from the project's settings) under the name ``gw``, mounts its URLs
at ``/backends/gw/`` with the ``mount`` fixture, and points nothing at a
real gateway: outgoing suites use the ``gateway`` fixture, a
:class:`~rapidsms.testing.fake_gateway.FakeGateway` on 127.0.0.1. Both
fixtures come from RapidSMS's pytest plugin.

Messages in the suites come from :data:`IDENTITY` (E.164, so no
``default_region`` is needed) and carry the token :data:`SECRET`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import reverse

from rapidsms.testing.fake_gateway import FakeGateway

#: The sender of every message the suites send, and the recipient of their sends.
IDENTITY = "+15550000001"

#: The backend's inbound secret in every suite (``inbound_secrets``), and a
#: previous one for the rotation tests.
SECRET = "current-secret-0123456789abcdef"
OLD_SECRET = "previous-secret-fedcba9876543210"


@dataclass
class GatewayRequest:
    """A request as a gateway would make it to one of our URLs."""

    method: str = "POST"
    data: Any = None  # a dict of form fields, or raw bytes with content_type
    content_type: str = "application/x-www-form-urlencoded"
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)


class GatewaySuite:
    """Shared set-up: a backend called ``gw`` mounted at ``/backends/gw/``.

    Hooks: ``engine`` (dotted path of the backend class), ``options`` (its
    options besides ``inbound_secrets``), :meth:`sign` for gateways whose
    requests carry a signature.
    """

    engine: str = ""
    options: dict[str, Any] = {}
    backend_name = "gw"

    @pytest.fixture(autouse=True)
    def _setup(self, mount: Any, gateway: FakeGateway) -> None:
        self.mount = mount
        self.gateway = gateway
        self.client = Client()
        self.router = self.install()

    def install(self, engine: Any = None, **overrides: Any) -> Any:
        """Mount the backend with ``overrides`` on top of the default options."""
        conf = {"ENGINE": engine or self.engine, **self.options,
                "inbound_secrets": [SECRET], **overrides}
        self.router = self.mount({self.backend_name: conf})
        return self.router

    @property
    def backend(self) -> Any:
        return self.router.backends[self.backend_name]

    def sign(self, request: GatewayRequest, url: str) -> GatewayRequest:
        """Return ``request`` with the gateway's signature added (gateways that sign)."""
        return request

    def call(self, request: GatewayRequest, *, url_name: str = "inbound",
             token: str | None = SECRET, token_in: str = "header", sign: bool = True) -> Any:
        """Make ``request`` to the backend's URL with ``token``; return the response."""
        url = reverse(f"{self.backend_name}-{url_name}")
        query = dict(request.query)
        headers = dict(request.headers)
        if token is not None and token_in == "query":
            query["token"] = token
        elif token is not None:
            headers["X-RapidSMS-Token"] = token
        if request.method == "GET":
            query = {**(request.data or {}), **query}
        if query:
            url = f"{url}?{urlencode(query, doseq=True)}"
        request = GatewayRequest(request.method, request.data, request.content_type, query,
                                 headers)
        if sign:
            request = self.sign(request, "http://testserver" + url)
        method = request.method.lower()
        kwargs: dict[str, Any] = {"headers": request.headers}
        if method == "get":
            return self.client.get(url, **kwargs)
        data = request.data if request.data is not None else {}
        if isinstance(data, dict) and request.content_type.startswith("application/x-www"):
            data = urlencode(data, doseq=True)
        return self.client.generic(method.upper(), url, data=data,
                                   content_type=request.content_type, **kwargs)

class InboundSuite(GatewaySuite):
    """Hooks for the inbound suites.

    ``inbound_request(identity, text, external_id)`` returns a
    :class:`GatewayRequest` as the gateway sends a message; a ``None``
    argument leaves that field out. ``identity_field``/``text_field`` are the
    gateway's names of those fields. ``has_external_id``: the gateway sends
    its own message id (de-duplication applies).
    """

    identity_field = "identity"
    text_field = "text"
    has_external_id = True
    #: A content type and body the gateway's parser cannot read.
    garbage = GatewayRequest(data=b"\xff\xfe\x00{not: valid", content_type="application/json")

    def inbound_request(self, identity: str | None = IDENTITY, text: str | None = "ping",
                        external_id: str | None = "gw-1") -> GatewayRequest:
        raise NotImplementedError

    def routed(self) -> list[tuple[str, str]]:
        """Return ``(identity, text)`` of every message the router received."""
        return [(msg.connections[0].identity, msg.text) for msg in self.router.inbound]

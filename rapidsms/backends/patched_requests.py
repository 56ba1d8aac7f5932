"""Let a test that mocks ``requests.get`` or ``requests.post`` still catch a backend's sends.

RapidSMS 2.x's Kannel and Vumi backends sent with ``requests.get(**kwargs)``
and ``requests.post(**kwargs)``, ``kwargs`` being what their
``prepare_request()`` returned, and tests written for 2.x (its own, and
projects') replace those functions with a mock to see what would be sent
without sending it. The backends now send through a ``requests.Session``
(connection reuse, timeouts), which such a mock does not replace: the test
would reach the real gateway, and could send real SMS. So while
``requests.<method>`` is a mock, :class:`~rapidsms.backends.http_base.HttpBackendBase`
calls the mock instead, as 2.x called the function, and warns.

Only a ``unittest.mock`` object counts: a function that wraps
``requests.post`` in production (an APM agent's, say) is not a test's mock,
and the backend keeps sending through its session.
"""

from __future__ import annotations

import logging
import warnings
from typing import Any

import requests

logger = logging.getLogger("rapidsms.backends.http")

MOCKED_REQUESTS = (
    "requests.{name} is a mock, so the message is given to it as RapidSMS 2.x's backends "
    "gave it, not sent. Mocking requests.{name} to catch what a RapidSMS backend sends is "
    "deprecated: backends send through requests.Session.request; mock that (or use a "
    "fake gateway) instead."
)


def mock_of(method: str) -> Any | None:
    """Return ``requests.<method>`` when a test replaced it with a mock, else None."""
    name = method.lower()
    current = getattr(requests, name, None)
    # requests.post is requests.api.post until something replaces it: one
    # identity test per send, and unittest.mock is looked at only after that.
    if current is None or current is getattr(requests.api, name, None):
        return None
    from unittest import mock

    if isinstance(current, mock.NonCallableMock):
        return current
    # mock.patch(..., autospec=True) puts a function there, with its mock attached.
    if isinstance(getattr(current, "mock", None), mock.NonCallableMock):
        return current
    return None


def call_mock(mocked: Any, method: str, backend_name: str, request_kwargs: dict[str, Any]) -> Any:
    """Call ``mocked`` with the request's keyword arguments, as RapidSMS 2.x did; warn."""
    text = MOCKED_REQUESTS.format(name=method.lower())
    logger.warning("%s: %s", backend_name, text)
    warnings.warn(text, DeprecationWarning, stacklevel=2)
    # 2.x passed prepare_request()'s keys unchanged: no method, no timeout.
    kwargs = {key: value for key, value in request_kwargs.items() if key != "method"}
    return mocked(**kwargs)

"""``GatewaySession``: a ``requests.Session`` that reads the environment once per gateway.

requests looks up proxies in the process environment before every request
(``trust_env``): it walks every environment variable and parses
``NO_PROXY`` each time. For a backend sending hundreds of messages a second
to the same gateway, that is about a quarter of the cost of a request. The
environment does not change while a process runs, so this session looks the
proxies up once per scheme and host and reuses the answer. It honours the
same variables as requests (``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY``,
``NO_PROXY``, ``REQUESTS_CA_BUNDLE``, ``CURL_CA_BUNDLE``).
"""

from __future__ import annotations

import os
import threading
from typing import Any
from urllib.parse import urlsplit

import requests
import requests.utils
from requests.sessions import merge_setting


class GatewaySession(requests.Session):
    """A session whose environment look-ups are cached per scheme and host."""

    def __init__(self) -> None:
        super().__init__()
        self._environment_proxies: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def environment_proxies(self, url: str) -> dict[str, str]:
        """Return the proxies the environment gives for ``url``'s scheme and host."""
        parts = urlsplit(url)
        key = f"{parts.scheme}://{parts.netloc}"
        found = self._environment_proxies.get(key)
        if found is None:
            found = requests.utils.get_environ_proxies(url)
            with self._lock:
                self._environment_proxies[key] = found
        return found

    def merge_environment_settings(
        self, url: str, proxies: Any, stream: Any, verify: Any, cert: Any
    ) -> dict[str, Any]:
        """Combine a request's settings with the environment's and the session's."""
        if not self.trust_env:
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        if proxies and proxies.get("no_proxy") is not None:
            # A per-request no_proxy changes the answer: look it up afresh.
            return super().merge_environment_settings(url, proxies, stream, verify, cert)
        proxies = dict(proxies or {})
        for scheme, proxy in self.environment_proxies(url).items():
            proxies.setdefault(scheme, proxy)
        if verify is True or verify is None:
            verify = (
                os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or verify
            )
        return {
            "proxies": merge_setting(proxies, self.proxies),
            "stream": merge_setting(stream, self.stream),
            "verify": merge_setting(verify, self.verify),
            "cert": merge_setting(cert, self.cert),
        }

"""``SinkBackend``: a small HTTP gateway backend for the tests, posting to :mod:`sink`.

Classifies failures the way real HTTP gateways need: connection errors, 429
and 5xx are retryable (with the gateway's ``Retry-After``), other 4xx are
permanent and carry the gateway's reason.
"""

from __future__ import annotations

import threading
from typing import Any

import requests

from rapidsms.backends.base import BackendBase
from rapidsms.backends.sessions import GatewaySession
from rapidsms.errors import MessageSendingError


class SinkBackend(BackendBase):
    """POST each message as JSON to ``url``; return the gateway's message ids."""

    def configure(self, url: str = "", timeout: float = 5.0, **options: Any) -> None:
        self.url = url
        self.timeout = timeout
        self._local = threading.local()
        super().configure(**options)

    @property
    def session(self) -> requests.Session:
        if not hasattr(self._local, "session"):
            self._local.session = GatewaySession()  # what the gateway backends use
        return self._local.session

    def send(
        self,
        id_: Any,
        text: str,
        identities: list[str],
        context: dict[str, Any] | None = None,
    ) -> dict[str, str]:
        sent: dict[str, str] = {}
        failed: list[str] = []
        errors: list[str] = []
        retryable: list[bool] = []
        retry_after = None
        for identity in identities:
            try:
                response = self.session.post(
                    self.url,
                    json={"id": str(id_), "to": identity, "text": text},
                    timeout=self.timeout,
                )
            except requests.ConnectionError as exc:
                failed.append(identity)
                errors.append(f"cannot connect: {exc}")
                retryable.append(True)
                continue
            if response.status_code == 200:
                sent[identity] = response.json()["message_id"]
                continue
            failed.append(identity)
            reason = response.json().get("error", response.reason)
            errors.append(f"gateway answered {response.status_code}: {reason}")
            retryable.append(response.status_code == 429 or response.status_code >= 500)
            retry_after = response.headers.get("Retry-After") or retry_after
        if failed:
            error = MessageSendingError(
                "; ".join(sorted(set(errors))),
                failed_identities=failed,
                backend=self.name,
                retryable=all(retryable),
            )
            error.retry_after = retry_after
            raise error
        return sent


class ScriptedBackend(BackendBase):
    """Record every send in ``sent``; raise the errors queued in ``failures`` first.

    For the tests that run everything in one process (eager mode).
    """

    def configure(self, **options: Any) -> None:
        self.sent: list[tuple[Any, str, list[str], dict[str, Any]]] = []
        self.failures: list[Exception] = []
        super().configure(**options)

    def send(
        self,
        id_: Any,
        text: str,
        identities: list[str],
        context: dict[str, Any] | None = None,
    ) -> dict[str, str]:
        if self.failures:
            raise self.failures.pop(0)
        self.sent.append((id_, text, list(identities), dict(context or {})))
        return {identity: f"gw-{id_}-{identity}" for identity in identities}

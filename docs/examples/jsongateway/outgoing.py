"""A backend for a gateway that takes messages as JSON over HTTP.

The gateway accepts ``POST <url>`` with ``{"id": ..., "text": ..., "to": [...]}``
and answers ``{"rejected": [...]}``, listing the numbers it refused.
"""

import requests
from django.core.exceptions import ImproperlyConfigured

from rapidsms.backends.base import BackendBase
from rapidsms.errors import MessageSendingError


class JsonGatewayBackend(BackendBase):
    """Send each message to all its identities with one JSON request."""

    def configure(self, url=None, token="", timeout=10, **options):
        if not url:
            raise ImproperlyConfigured(f"Backend {self.name!r} needs the option 'url'.")
        try:
            self.timeout = float(timeout)
        except (TypeError, ValueError):
            raise ImproperlyConfigured(
                f"Backend {self.name!r}: 'timeout' must be a number of seconds, not {timeout!r}."
            ) from None
        self.url = url
        self.token = token
        super().configure(**options)  # rejects every option not declared above

    def send(self, id_, text, identities, context=None):
        payload = {"id": id_, "text": text, "to": identities}
        if context and context.get("external_id"):
            payload["reply_to"] = context["external_id"]
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        try:
            response = requests.post(
                self.url, json=payload, headers=headers, timeout=self.timeout
            )
            response.raise_for_status()
            rejected = response.json().get("rejected", [])
        except requests.RequestException as exc:
            # The gateway may be back later: the whole message can be tried again.
            raise MessageSendingError(
                f"The gateway did not take message {id_}: {exc}",
                failed_identities=identities,
                backend=self.name,
                retryable=True,
            ) from exc
        if rejected:
            # A refused number stays refused: sending again would not help.
            raise MessageSendingError(
                "The gateway refused some numbers.",
                failed_identities=rejected,
                backend=self.name,
                retryable=False,
            )

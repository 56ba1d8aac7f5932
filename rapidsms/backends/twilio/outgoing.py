"""``TwilioBackend``: send through Twilio's Messages API, receive through its webhooks."""

from __future__ import annotations

import logging
import re
from functools import cached_property
from typing import Any

import requests
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse

from rapidsms.backends.http_base import HttpBackendBase
from rapidsms.backends.options import URL, Option, Text, is_http_url
from rapidsms.backends.results import Accepted, Results
from rapidsms.backends.twilio.errors import (
    KNOWN_CODES,
    TwilioSendingError,
    is_retryable,
    read_error,
)

logger = logging.getLogger("rapidsms.backends.twilio")

DEFAULT_API_URL = "https://api.twilio.com"
ACCOUNT_SID = re.compile(r"AC[0-9a-fA-F]{32}")
MESSAGING_SERVICE_SID = re.compile(r"MG[0-9a-fA-F]{32}")


class TwilioBackend(HttpBackendBase):
    """Send each message with Twilio's Messages API; receive SMS and status callbacks.

    One ``POST /2010-04-01/Accounts/<account_sid>/Messages.json`` per
    recipient (Twilio takes one ``To`` per message), authenticated with the
    account SID and auth token (https://www.twilio.com/docs/messaging/api/message-resource).

    Options, besides those of :class:`~rapidsms.backends.http_base.HttpBackendBase`:

    ``account_sid``, ``auth_token`` (required)
        The account's credentials, from the Twilio console. The auth token
        also checks the signature of every request Twilio makes to us.
    ``from_number`` or ``messaging_service_sid`` (exactly one)
        The sender: a Twilio number in E.164 (or a short code, or an
        alphanumeric sender id), or a Messaging Service (``MG...``) that
        picks one.
    ``public_url`` (none)
        The scheme and host (and any path prefix) Twilio uses to reach this
        site, such as ``"https://sms.example.org"``. Signatures are checked
        against it plus the request's path instead of the URL Django sees,
        which differs behind a proxy that terminates TLS or rewrites the host.
    ``status_callback`` (``False``)
        ``True`` asks Twilio to report each message's status to this
        backend's status URL (built from ``public_url``); a URL string
        names that URL explicitly. Our message id rides along in the URL.
    ``api_url`` (``"https://api.twilio.com"``)
        Where the API lives; tests point it at a local server.
    """

    inbound_view = "rapidsms.backends.twilio.views.TwilioInboundView"
    status_view = "rapidsms.backends.twilio.views.TwilioStatusView"
    max_identities_per_request = 1

    # Not quoted in errors: a value pasted into the wrong option may be the auth token.
    account_sid = Text(required=True, check=ACCOUNT_SID.fullmatch, quote=False,
                       expected="an Account SID ('AC' and 32 hex digits)",
                       hint="the Account SID from the Twilio console ('AC' and 32 hex digits)")
    auth_token = Text(required=True, hint="the Auth Token from the Twilio console")
    from_number = Text(expected="a Twilio number or sender id")
    messaging_service_sid = Text(check=MESSAGING_SERVICE_SID.fullmatch,
                                 expected="a Messaging Service SID ('MG' and 32 hex digits)")
    public_url = URL(base=True)
    status_callback = Option(False, expected="True, False or an http(s):// URL",
                             check=lambda value: isinstance(value, bool) or is_http_url(value))
    api_url = URL(DEFAULT_API_URL, base=True)

    def configure(self, **options: Any) -> None:
        super().configure(**options)
        if (self.from_number is None) == (self.messaging_service_sid is None):
            raise ImproperlyConfigured(
                f"Backend {self.name!r}: set exactly one of from_number (a Twilio number such "
                "as '+15017122661') and messaging_service_sid (a Messaging Service, 'MG...')."
            )
        if self.status_callback is True and self.public_url is None:
            raise ImproperlyConfigured(
                f"Backend {self.name!r}: status_callback = True needs public_url (the "
                "https://host Twilio reaches this site at), or give status_callback a full URL."
            )

    # Outgoing ----------------------------------------------------------------

    @property
    def messages_url(self) -> str:
        """The API URL a message is created at."""
        return f"{self.api_url}/2010-04-01/Accounts/{self.account_sid}/Messages.json"

    def build_session(self) -> requests.Session:
        """Return the base's session, authenticated with the account's credentials."""
        session = super().build_session()
        session.auth = (self.account_sid, self.auth_token)
        return session

    def prepare_request(
        self, id_: str, text: str, identities: list[str], context: dict[str, Any]
    ) -> dict[str, Any]:
        """Return the request creating one message to ``identities[0]``."""
        data = {"To": identities[0], "Body": text}
        if self.messaging_service_sid:
            data["MessagingServiceSid"] = self.messaging_service_sid
        else:
            data["From"] = str(self.from_number)
        if self.status_callback:
            data["StatusCallback"] = self.callback_url(self.status_callback_url,
                                                       message_id=id_)
        return {"method": "POST", "url": self.messages_url, "data": data,
                "headers": {"Accept": "application/json"}}

    @cached_property
    def status_callback_url(self) -> str:
        """The URL Twilio reports statuses to, without our message id."""
        if isinstance(self.status_callback, str):
            return self.status_callback
        try:
            path = reverse(f"{self.name}-status")
        except NoReverseMatch:
            raise ImproperlyConfigured(
                f"Backend {self.name!r}: status_callback = True, but the URL "
                f"{self.name + '-status'!r} is not mounted; include rapidsms.backends.urls "
                "in the URLconf, or give status_callback a full URL."
            ) from None
        return f"{self.public_url}{path}"

    def check_response(self, response: requests.Response, identities: list[str]) -> None:
        """Raise :class:`TwilioSendingError` with Twilio's code when it refused the message."""
        status = response.status_code
        if 200 <= status < 300:
            return
        code, message, more_info = read_error(self.answer_json(response))
        if not message:
            body = " ".join(self.redact(response.text).split())
            message = KNOWN_CODES.get(code or 0) or body[:200]
        about = f"error {code} (HTTP {status})" if code is not None else f"HTTP {status}"
        raise self.http_error(
            f"Twilio refused the message with {about}: "
            f"{self.redact(message or response.reason or 'no reason given')}",
            response, identities, retryable=is_retryable(status, code),
            error_class=TwilioSendingError, code=code, more_info=self.redact(more_info),
        )

    def parse_response(
        self, response: requests.Response, id_: str, identities: list[str],
        context: dict[str, Any],
    ) -> Results:
        """Return the recipient accepted under Twilio's message SID.

        Twilio refuses with an error status (:meth:`check_response`), so a
        2xx answer always accepts; its ``sid`` names the message in status
        callbacks.
        """
        answer = self.answer_json(response)
        sid = answer.get("sid") if isinstance(answer, dict) else None
        return {identities[0]: Accepted(sid if isinstance(sid, str) and sid else None)}

    # Inbound -----------------------------------------------------------------

    def has_inbound_authentication(self) -> bool:
        """Return True: Twilio signs every request with the auth token, which is required."""
        return bool(self.auth_token) or super().has_inbound_authentication()

    def secret_values(self) -> list[str]:
        """Return the base's secrets and the auth token, never to be logged."""
        return [*super().secret_values(), self.auth_token]


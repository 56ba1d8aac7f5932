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

    def configure(
        self,
        account_sid: str | None = None,
        auth_token: str | None = None,
        from_number: str | None = None,
        messaging_service_sid: str | None = None,
        public_url: str | None = None,
        status_callback: bool | str = False,
        api_url: str = DEFAULT_API_URL,
        **options: Any,
    ) -> None:
        if not isinstance(account_sid, str) or not ACCOUNT_SID.fullmatch(account_sid):
            # Not quoted: a value pasted into the wrong option may be the auth token.
            raise ImproperlyConfigured(
                f"Backend {self.name!r}: option account_sid is missing or is not an Account "
                "SID; set it to the Account SID from the Twilio console ('AC' and 32 hex "
                "digits)."
            )
        if not isinstance(auth_token, str) or not auth_token:
            # Never quote the value: it is a secret.
            raise ImproperlyConfigured(
                f"Backend {self.name!r}: option auth_token is missing or not a string; set it "
                "to the Auth Token from the Twilio console."
            )
        if (from_number is None) == (messaging_service_sid is None):
            raise ImproperlyConfigured(
                f"Backend {self.name!r}: set exactly one of from_number (a Twilio number such "
                "as '+15017122661') and messaging_service_sid (a Messaging Service, 'MG...')."
            )
        if from_number is not None and (not isinstance(from_number, str) or not from_number):
            raise self.bad_option("from_number", from_number, "a Twilio number or sender id")
        if messaging_service_sid is not None and not (
            isinstance(messaging_service_sid, str)
            and MESSAGING_SERVICE_SID.fullmatch(messaging_service_sid)
        ):
            raise self.bad_option("messaging_service_sid", messaging_service_sid,
                                  "a Messaging Service SID ('MG' and 32 hex digits)")
        for option, value in (("public_url", public_url), ("api_url", api_url)):
            if value is not None and not _is_http_url(value):
                raise self.bad_option(option, value, "an http:// or https:// URL")
        if isinstance(status_callback, str):
            if not _is_http_url(status_callback):
                raise self.bad_option("status_callback", status_callback,
                                      "True, False or an http(s):// URL")
        elif not isinstance(status_callback, bool):
            raise self.bad_option("status_callback", status_callback,
                                  "True, False or an http(s):// URL")
        elif status_callback and public_url is None:
            raise ImproperlyConfigured(
                f"Backend {self.name!r}: status_callback = True needs public_url (the "
                "https://host Twilio reaches this site at), or give status_callback a full URL."
            )
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.from_number = from_number
        self.messaging_service_sid = messaging_service_sid
        self.public_url = public_url.rstrip("/") if public_url else None
        self.status_callback = status_callback
        self.api_url = api_url.rstrip("/")
        super().configure(**options)

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
        try:
            payload = response.json()
        except ValueError:
            payload = None
        code, message, more_info = read_error(payload)
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
        try:
            sid = response.json().get("sid")
        except (ValueError, AttributeError):
            sid = None
        sid = sid if isinstance(sid, str) and sid else None
        return {identities[0]: Accepted(sid)}

    # Inbound -----------------------------------------------------------------

    def has_inbound_authentication(self) -> bool:
        """Return True: Twilio signs every request with the auth token, which is required."""
        return bool(self.auth_token) or super().has_inbound_authentication()

    def secret_values(self) -> list[str]:
        """Return the base's secrets and the auth token, never to be logged."""
        return [*super().secret_values(), self.auth_token]


def _is_http_url(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))

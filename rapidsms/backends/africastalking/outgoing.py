"""``AfricasTalkingBackend``: send through Africa's Talking's SMS API, receive its callbacks."""

from __future__ import annotations

import logging
from typing import Any

import requests
from django.core.exceptions import ImproperlyConfigured

from rapidsms.backends.africastalking.codes import SEND_STATUS_BY_NAME, send_status
from rapidsms.backends.http_base import HttpBackendBase
from rapidsms.backends.options import URL, Flag, Text
from rapidsms.backends.results import Accepted, Refused, Result, Results

logger = logging.getLogger("rapidsms.backends.africastalking")

LIVE_API_URL = "https://api.africastalking.com"
SANDBOX_API_URL = "https://api.sandbox.africastalking.com"
#: The one username AT's sandbox accepts, whatever the app is called there.
SANDBOX_USERNAME = "sandbox"


class AfricasTalkingBackend(HttpBackendBase):
    """Send with ``POST /version1/messaging``; receive SMS and delivery reports.

    One request carries up to :attr:`max_identities_per_request` recipients,
    comma-separated in ``to``; AT answers with a ``statusCode`` and a
    ``messageId`` per recipient (https://docs.africastalking.com/sms/sending),
    which become a result each. Delivery reports name only that
    ``messageId``, so they find our message through the table of sent ids.

    Options, besides those of :class:`~rapidsms.backends.http_base.HttpBackendBase`:

    ``username``, ``api_key`` (required)
        The AT application's username and API key (sent in the ``apiKey``
        header; never logged).
    ``sender_id`` (none)
        The registered short code or alphanumeric sender id, sent as
        ``from``; without it AT uses the account's default.
    ``sandbox`` (``False``)
        Send to AT's sandbox instead of the live API; the username must
        then be ``"sandbox"``.
    ``api_url`` (none)
        Where the API lives, instead of the live or sandbox one; tests
        point it at a local server.
    """

    inbound_view = "rapidsms.backends.africastalking.views.AfricasTalkingInboundView"
    status_view = "rapidsms.backends.africastalking.views.AfricasTalkingStatusView"
    # AT documents no limit; 100 keeps a request, its answer and what one
    # failed request costs small.
    max_identities_per_request = 100
    # Recipients are comma-separated in "to": an identity with a comma is refused.
    identity_separator = ","

    # The username is not quoted in errors either: it may be the key pasted in the wrong place.
    username = Text(required=True, quote=False,
                    hint="your Africa's Talking application's username ('sandbox' in the sandbox)")
    api_key = Text(required=True, hint="your Africa's Talking application's API key")
    sender_id = Text(expected="a short code or sender id")
    sandbox = Flag()
    api_url = URL(base=True)

    def configure(self, **options: Any) -> None:
        super().configure(**options)
        if self.sandbox and self.username != SANDBOX_USERNAME:
            raise ImproperlyConfigured(
                f"Backend {self.name!r}: the sandbox takes only the username "
                f"{SANDBOX_USERNAME!r}; set username to it, or sandbox to False."
            )
        self.api_url = self.api_url or (SANDBOX_API_URL if self.sandbox else LIVE_API_URL)

    @property
    def messaging_url(self) -> str:
        """The URL messages are sent to."""
        return f"{self.api_url}/version1/messaging"

    def build_session(self) -> requests.Session:
        """Return the base's session with the API key and a request for JSON answers."""
        session = super().build_session()
        # Without Accept, AT answers in XML.
        session.headers.update({"apiKey": str(self.api_key), "Accept": "application/json"})
        return session

    def prepare_request(
        self, id_: str, text: str, identities: list[str], context: dict[str, Any]
    ) -> dict[str, Any]:
        """Return the form request sending ``text`` to every identity of the batch.

        A reply to a premium (on-demand) message gives AT its ``linkId``
        back, with ``bulkSMSMode`` 0, as AT requires for premium replies.
        """
        data = {"username": self.username, "to": ",".join(identities), "message": text}
        if self.sender_id:
            data["from"] = self.sender_id
        link_id = context.get("link_id")
        if link_id and len(identities) == 1:
            data.update({"linkId": str(link_id), "bulkSMSMode": "0"})
        return {"method": "POST", "url": self.messaging_url, "data": data}

    def parse_response(
        self, response: requests.Response, id_: str, identities: list[str],
        context: dict[str, Any],
    ) -> Results:
        """Return each identity's result from the ``Recipients`` of AT's answer.

        A recipient is matched by its number's digits (AT may write it its
        own way). One AT leaves out is refused: for good when ``Message``
        names a permanent refusal of the whole request (``InvalidSenderId``
        comes with no recipients at all), else without knowing whether it may
        succeed later. An answer that is not AT's JSON accepts everybody
        without ids: the request was taken, and nothing says otherwise.
        """
        body = self.answer_json(response)
        data = body.get("SMSMessageData") if isinstance(body, dict) else None
        if not isinstance(data, dict):
            logger.warning("%s: the answer to message %s is not Africa's Talking's JSON; "
                           "its delivery reports will not find it.", self.name, id_)
            return {}
        found = self.recipient_entries(data.get("Recipients"), identities, "number")
        summary = str(data.get("Message") or "")[:200]
        return {identity: self.result_of(found.get(identity), summary)
                for identity in identities}

    def result_of(self, recipient: dict[str, Any] | None, summary: str) -> Result:
        """Return the result of one entry of ``Recipients`` (None: AT did not list it)."""
        if recipient is None:
            named = SEND_STATUS_BY_NAME.get(summary.strip())
            return Refused(f"Africa's Talking did not take it: {summary or 'no reason given'}",
                           retryable=named.retryable if named else None,
                           retry_after=named.retry_after if named else None)
        code = recipient.get("statusCode")
        status = send_status(code)
        if status.accepted:
            message_id = recipient.get("messageId")
            # A refused recipient's messageId is the string "None"
            # (https://github.com/AfricasTalkingLtd/africastalking-node.js/issues/160).
            ok = isinstance(message_id, str) and message_id not in ("", "None")
            return Accepted(message_id if ok else None)
        return Refused(f"Africa's Talking refused it: {recipient.get('status') or status.name} "
                       f"(statusCode {str(code)[:20]})", retryable=status.retryable,
                       retry_after=status.retry_after)


"""Twilio's API errors, and which of them are worth trying again.

Twilio answers a refused request with an HTTP error status and a JSON body
such as ``{"code": 21211, "message": "The 'To' number ... is not a valid
phone number.", "more_info": "https://www.twilio.com/docs/errors/21211",
"status": 400}`` (https://www.twilio.com/docs/usage/twilios-response).
The HTTP status decides most cases, as for every gateway (429 and 5xx may
succeed later, other 4xx never will); a few codes say more than their status:

* 20429 (HTTP 429): too many concurrent requests; never processed, safe to
  retry (https://www.twilio.com/docs/api/errors/20429).
* 21611 (HTTP 400): the ``From`` number's queue is full; it drains at the
  number's sending rate, so the same message can go later
  (https://www.twilio.com/docs/api/errors/21611).
"""

from __future__ import annotations

from typing import Any

from rapidsms.errors import GatewayHTTPError

#: Error codes worth trying again although their HTTP status is a 4xx.
RETRYABLE_CODES = frozenset({20429, 21611})

#: Codes a project commonly meets when sending, for readers of logs and errors.
KNOWN_CODES: dict[int, str] = {
    20003: "authentication failed: check account_sid and auth_token",
    20429: "too many concurrent requests",
    21211: "the 'To' number is not a valid phone number",
    21408: "sending to this region is not enabled on the account",
    21606: "the 'From' number cannot send SMS",
    21608: "a trial account can only send to verified numbers",
    21610: "the recipient replied STOP and is unsubscribed from this sender",
    21611: "the 'From' number has too many messages queued",
    21612: "Twilio cannot route to the 'To' number",
    21614: "the 'To' number is not a mobile number",
    21617: "the body is longer than Twilio accepts",
}

#: The recipient unsubscribed (replied STOP); sending again is refused until they opt in.
UNSUBSCRIBED = 21610


class TwilioSendingError(GatewayHTTPError):
    """Twilio refused a message; ``code`` is Twilio's error code (None if it gave none).

    ``status`` (and ``status_code``) is the HTTP status and ``more_info``
    Twilio's link to the code's page. ``unsubscribed`` is True for code
    21610, so that a project can record the opt-out (for example with
    ``rapidsms.contrib.optout``).
    """

    def __init__(self, message: str, failed_identities: list[str], *,
                 code: int | None = None, status: int | None = None,
                 more_info: str = "", **fields: Any) -> None:
        fields.setdefault("status_code", status)
        super().__init__(message, failed_identities, **fields)
        self.code = code
        self.status = self.status_code
        self.more_info = more_info

    @property
    def unsubscribed(self) -> bool:
        """Return True when the recipient has unsubscribed from the sender."""
        return self.code == UNSUBSCRIBED


def is_retryable(status: int, code: int | None) -> bool:
    """Return True when a request refused with ``status`` and ``code`` may succeed later."""
    return status == 429 or status >= 500 or code in RETRYABLE_CODES


def read_error(payload: Any) -> tuple[int | None, str, str]:
    """Return ``(code, message, more_info)`` from Twilio's JSON error body.

    Anything else (a proxy's HTML page, a body without a code) gives
    ``(None, "", "")``.
    """
    if not isinstance(payload, dict):
        return None, "", ""
    code = payload.get("code")
    if isinstance(code, str) and code.isdigit():
        code = int(code)
    if not isinstance(code, int) or isinstance(code, bool):
        code = None
    message = payload.get("message")
    more_info = payload.get("more_info")
    return (code, message if isinstance(message, str) else "",
            more_info if isinstance(more_info, str) else "")

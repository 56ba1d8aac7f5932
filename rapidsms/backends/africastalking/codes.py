"""Africa's Talking's words for a message's fate, and what each means here.

Two vocabularies:

* the ``statusCode`` of each recipient in the answer to a send
  (https://docs.africastalking.com/sms/sending): whether AT took the message
  for that number, and if not, whether sending it again later may succeed;
* the ``status`` of a delivery report
  (https://docs.africastalking.com/sms/notifications and
  https://docs.africastalking.com/sms/deliveryreports), in our
  :class:`~rapidsms.backends.status.Status`.
"""

from __future__ import annotations

from typing import NamedTuple

from rapidsms.backends.status import Status

#: ``statusCode`` values of ``POST /version1/messaging`` for a recipient AT took.
ACCEPTED = {100: "Processed", 101: "Sent", 102: "Queued"}

#: Refused for now, with the seconds to wait: the same message can go once
#: something outside it changes. 405: the account's balance (a top-up fixes
#: it, so wait minutes); 500 and 501: a fault inside AT or at its link to the
#: operator (AT's own articles say to resend,
#: http://help.africastalking.com/articles/742491).
REFUSED_FOR_NOW = {405: ("InsufficientBalance", 600), 500: ("InternalServerError", 60),
                   501: ("GatewayError", 60)}

#: Refused for good: about the number, the sender or the recipient's choice,
#: so the same message would be refused again. 401 is held by AT's fraud
#: checks until support releases the account, 402 is a sender id not
#: registered to the account, 406 means the recipient blocked the sender,
#: 409 is the recipient's do-not-disturb setting, and 502 the operator's refusal.
REFUSED = {401: "RiskHold", 402: "InvalidSenderId", 403: "InvalidPhoneNumber",
           404: "UnsupportedNumberType", 406: "UserInBlacklist", 407: "CouldNotRoute",
           409: "DoNotDisturbRejection", 502: "RejectedByGateway"}

#: Delivery-report ``status`` values in our vocabulary. ``Buffered`` means the
#: operator holds it (the phone is off), so it has left AT: sent.
REPORT_STATUSES: dict[str, Status] = {
    **dict.fromkeys(("Sent", "Submitted", "Buffered"), Status.SENT),
    "Success": Status.DELIVERED,
    **dict.fromkeys(("Rejected", "Failed", "AbsentSubscriber", "Expired"), Status.FAILED),
}


class SendStatus(NamedTuple):
    """What one ``statusCode`` says: its name, whether AT took the message, and may it later."""

    name: str
    accepted: bool = False
    retryable: bool = False
    #: Seconds to wait before sending a retryable refusal again.
    retry_after: float | None = None


SEND_STATUSES: dict[int, SendStatus] = {
    **{code: SendStatus(name, accepted=True) for code, name in ACCEPTED.items()},
    **{code: SendStatus(name, retryable=True, retry_after=wait)
       for code, (name, wait) in REFUSED_FOR_NOW.items()},
    **{code: SendStatus(name) for code, name in REFUSED.items()},
}
SEND_STATUS_BY_NAME = {status.name: status for status in SEND_STATUSES.values()}


def send_status(code: object) -> SendStatus:
    """Return what a recipient's ``statusCode`` (an int, or digits) says.

    A code AT adds later is read by its hundreds, as its list is built: 1xx
    took the message, 5xx is a fault on AT's side (retryable), anything
    else is refused for good.
    """
    if isinstance(code, str) and code.strip().isdigit():
        code = int(code)
    if not isinstance(code, int) or isinstance(code, bool):
        return SendStatus(f"statusCode {str(code)[:20]!r}")
    known = SEND_STATUSES.get(code)
    if known is not None:
        return known
    fault = 500 <= code < 600
    return SendStatus(f"statusCode {code}", accepted=100 <= code < 200, retryable=fault,
                      retry_after=60 if fault else None)

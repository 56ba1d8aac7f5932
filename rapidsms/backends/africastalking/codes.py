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

from dataclasses import dataclass

from rapidsms.backends.status import Status


@dataclass(frozen=True)
class SendStatus:
    """What one ``statusCode`` says: its name, whether AT took the message, and may it later."""

    name: str
    accepted: bool = False
    retryable: bool = False
    #: Seconds to wait before sending a retryable refusal again.
    retry_after: float | None = None


#: Per-recipient ``statusCode`` values of ``POST /version1/messaging``.
#:
#: Retryable, because the same message can go once something outside it
#: changes: 405 (the account's balance; a top-up fixes it, so wait minutes),
#: 500 and 501 (a fault inside AT or at its link to the operator; AT's own
#: articles say to resend, http://help.africastalking.com/articles/742491).
#: Every other refusal is about the number, the sender or the recipient's
#: choice, and sending the same message again would be refused again: 401
#: (held by AT's fraud checks until support releases the account), 402 (a
#: sender id not registered to the account), 403, 404, 406 (the recipient
#: blocked the sender), 407, 409 (the recipient's do-not-disturb setting) and
#: 502 (the operator refused this message).
SEND_STATUSES: dict[int, SendStatus] = {
    100: SendStatus("Processed", accepted=True),
    101: SendStatus("Sent", accepted=True),
    102: SendStatus("Queued", accepted=True),
    401: SendStatus("RiskHold"),
    402: SendStatus("InvalidSenderId"),
    403: SendStatus("InvalidPhoneNumber"),
    404: SendStatus("UnsupportedNumberType"),
    405: SendStatus("InsufficientBalance", retryable=True, retry_after=600),
    406: SendStatus("UserInBlacklist"),
    407: SendStatus("CouldNotRoute"),
    409: SendStatus("DoNotDisturbRejection"),
    500: SendStatus("InternalServerError", retryable=True, retry_after=60),
    501: SendStatus("GatewayError", retryable=True, retry_after=60),
    502: SendStatus("RejectedByGateway"),
}
SEND_STATUS_BY_NAME = {status.name: status for status in SEND_STATUSES.values()}


#: Delivery-report ``status`` values in our vocabulary. ``Buffered`` means the
#: operator holds it (the phone is off), so it has left AT: sent.
REPORT_STATUSES: dict[str, Status] = {
    "Sent": Status.SENT,
    "Submitted": Status.SENT,
    "Buffered": Status.SENT,
    "Success": Status.DELIVERED,
    "Rejected": Status.FAILED,
    "Failed": Status.FAILED,
    "AbsentSubscriber": Status.FAILED,
    "Expired": Status.FAILED,
}


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
    name = f"statusCode {code}"
    if 100 <= code < 200:
        return SendStatus(name, accepted=True)
    fault = 500 <= code < 600
    return SendStatus(name, retryable=fault, retry_after=60 if fault else None)

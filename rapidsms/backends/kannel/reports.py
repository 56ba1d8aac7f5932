"""Kannel's delivery reports: the dlr-url we hand Kannel and the codes it reports.

With ``dlr-mask`` set on a sendsms request, Kannel fetches ``dlr-url`` each
time the message changes state, after replacing its escape codes (Kannel
user guide, "Parameters (Escape Codes)") with the report's values. ``%d`` is
the report type, one bit of the mask:

====  ==========================================  ============
code  Kannel's meaning                            our status
====  ==========================================  ============
1     delivered to the phone                      delivered
2     not delivered to the phone                  failed
4     queued on the SMSC (buffered)               queued
8     delivered to the SMSC (submitted)           sent
16    not delivered to the SMSC (rejected)        failed
====  ==========================================  ============
"""

from __future__ import annotations

import re

from rapidsms.backends.status import Status

#: Ask Kannel for every report: 1 + 2 + 4 + 8 + 16.
DLR_MASK = 31

#: Report codes in the order they win when Kannel sets several bits at once:
#: a final answer from the phone before anything the SMSC said.
DLR_STATUSES: tuple[tuple[int, Status], ...] = (
    (1, Status.DELIVERED),
    (2, Status.FAILED),
    (16, Status.FAILED),
    (8, Status.SENT),
    (4, Status.QUEUED),
)

#: Parameters of the dlr-url and the escape code Kannel fills each with. The
#: first six are RapidSMS 2.x's names, so reports keep their shape.
DLR_PARAMETERS: tuple[tuple[str, str], ...] = (
    ("status", "%d"),        # report type, see DLR_STATUSES
    ("status_text", "%A"),   # the SMSC's answer, e.g. "id:... stat:DELIVRD err:000"
    ("smsc", "%i"),          # smsc-id of the connection
    ("sms_id", "%I"),        # Kannel's internal message id
    ("date_sent", "%t"),     # time of the report, "YYYY-MM-DD HH:MM:SS"
    ("identity", "%p"),      # the recipient of our message
    ("foreign_id", "%F"),    # the SMSC's message id
    ("timestamp", "%T"),     # time of the report, Unix epoch
)

#: An escape code a Kannel too old to know it leaves in the URL as it is.
UNFILLED = re.compile(r"%[A-Za-z]")


def status_for_code(raw: str) -> Status | None:
    """Return our status for Kannel's ``%d`` value, or None if it is not a report code."""
    try:
        code = int(raw.strip())
    except ValueError:
        return None
    if not 0 < code < 64:
        return None
    for bit, status in DLR_STATUSES:
        if code & bit:
            return status
    return None


def report_url(base: str) -> str:
    """Return the dlr-url for Kannel: ``base`` with every parameter's escape code added.

    ``base`` already holds our message id and token. Kannel treats every
    ``%`` as the start of an escape code, so a ``%`` of ``base`` (a
    percent-encoded character) is doubled to reach us unchanged.
    """
    codes = "&".join(f"{name}={code}" for name, code in DLR_PARAMETERS)
    separator = "&" if "?" in base else "?"
    return base.replace("%", "%%") + separator + codes


def filled(value: str | None) -> str:
    """Return a parameter's value, ``""`` when Kannel left its escape code unfilled."""
    if value is None or UNFILLED.fullmatch(value):
        return ""
    return value

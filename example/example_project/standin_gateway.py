"""A stand-in SMS gateway for the demo: it takes messages, and reports on them a moment later.

Nothing leaves the machine. Each message gets a gateway id; about two
seconds later the "handset" answers with a delivery report, so the message
log shows a message going from queued to sent to delivered. A number
ending in 0 does not exist: the gateway refuses it for good, as a real one
would, so failures show on the pages too.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

from django.db import close_old_connections

from rapidsms.backends.base import BackendBase
from rapidsms.backends.signals import delivery_report
from rapidsms.backends.status import Status
from rapidsms.errors import MessageSendingError

#: Seconds between accepting a message and its delivery report.
REPORT_AFTER = 2.0
_ids = itertools.count(1)


class StandInGateway(BackendBase):
    """Accept every number but those ending in 0; report delivery ``REPORT_AFTER`` s later."""

    def send(self, id_: Any, text: str, identities: list[str],
             context: dict[str, Any] | None = None) -> dict[str, str]:
        refused = [identity for identity in identities if identity.endswith("0")]
        accepted = {identity: f"standin-{next(_ids)}" for identity in identities
                    if identity not in refused}
        for identity in accepted:
            timer = threading.Timer(REPORT_AFTER, self.report, args=(id_, identity))
            timer.daemon = True
            timer.start()
        if refused:
            raise MessageSendingError("the gateway answered 400: unknown subscriber",
                                      failed_identities=refused, backend=self.name,
                                      retryable=False)
        return accepted

    def report(self, message_id: Any, identity: str) -> None:
        """Send the delivery report a real gateway would post to its status URL."""
        try:
            delivery_report.send(type(self), backend=self.name, message_id=str(message_id),
                                 identity=identity, status=Status.DELIVERED,
                                 raw_status="DELIVRD", error="", external_id="", raw={},
                                 report=None)
        finally:
            close_old_connections()

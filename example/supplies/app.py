"""The SMS app of the example: ``STOCK <item> <count>`` records a stock count.

A health worker sends, for example, ``STOCK ORS 12``; the app stores a
:class:`~supplies.models.StockReport` and confirms it, with the count the
same phone reported last time for that item. Every other message is left to
the other apps (and, in the end, to the default app).
"""

from __future__ import annotations

import logging
import re

from rapidsms.apps.base import AppBase
from rapidsms.messages.incoming import IncomingMessage
from supplies.models import ITEM_MAX_LENGTH, StockReport

logger = logging.getLogger(__name__)

STOCK_HELP = "To report stock, send STOCK, the item and the count, for example: STOCK ORS 12"
MAX_COUNT = 999_999

# "stock" as a word of its own ("stockpile" is not ours), then anything.
_KEYWORD = re.compile(r"^\s*stock(?:\s+(?P<rest>.*?))?\s*$", re.IGNORECASE | re.DOTALL)
# The item may be several words ("vitamin A"); the count is the last word.
_REPORT = re.compile(r"^(?P<item>.+?)\s+(?P<count>[0-9]+)$", re.DOTALL)


class SuppliesApp(AppBase):
    """Record ``STOCK <item> <count>`` reports and confirm each one."""

    def handle(self, msg: IncomingMessage) -> bool:
        match = _KEYWORD.match(msg.text)
        if match is None:
            return False
        rest = match.group("rest")
        if not rest:
            msg.respond(STOCK_HELP)
            return True
        report = _REPORT.match(rest)
        if report is None:
            msg.error(f"Sorry, that report has no count. {STOCK_HELP}")
            return True
        item = " ".join(report.group("item").split()).upper()
        digits = report.group("count")
        if not any(char.isalpha() for char in item):
            msg.error(f"Sorry, {item} is not an item name. {STOCK_HELP}")
        elif len(item) > ITEM_MAX_LENGTH:
            msg.error(f"Sorry, item names are at most {ITEM_MAX_LENGTH} characters long.")
        elif len(digits) > len(str(MAX_COUNT)) or int(digits) > MAX_COUNT:
            msg.error(
                f"Sorry, {digits} is more than {MAX_COUNT}; check the count and send it again."
            )
        else:
            self.record(msg, item, int(digits))
        return True

    def record(self, msg: IncomingMessage, item: str, count: int) -> None:
        """Store the report and reply with the count and the previous one."""
        connection = msg.connections[0]
        previous = StockReport.objects.filter(connection=connection, item=item).first()
        StockReport.objects.create(connection=connection, item=item, quantity=count)
        logger.info("%s reported %s %s in stock.", connection.identity, count, item)
        reply = f"Thank you. {item}: {count} in stock"
        if previous is not None:
            reply += f" (last report: {previous.quantity})"
        msg.respond(reply + ".")

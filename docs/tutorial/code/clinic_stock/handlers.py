"""The SMS side of the app: ``STOCK <item> <count>`` records a stock report."""

from __future__ import annotations

import re

from clinic_stock.models import Item, StockReport
from rapidsms.contrib.handlers import PatternHandler

#: The largest count a report may give: a typo of a few extra digits is caught.
MAX_COUNT = 100_000

# The replies. Each fits in one SMS (160 characters).
HELP = "To report stock, send STOCK, the item and the count, e.g. STOCK ORS 12"
UNKNOWN_ITEM = "Sorry, {item} is not an item we track. Send one of: {items}."
MISSING_COUNT = "Please add the count of {item}, e.g. STOCK {item} 12"
INVALID_COUNT = 'Sorry, "{count}" is not a count. Send a whole number, e.g. STOCK {item} 12'
TOO_LARGE = "Sorry, {count} is too large: the most is {max}."
THANKS = "Thank you. {name}: {quantity} in stock."


class StockHandler(PatternHandler):
    """Record ``STOCK <item> <count>`` and confirm it; say what is wrong otherwise."""

    pattern = re.compile(
        r"""
        ^\s*stock        # the keyword, in any case ("stockpile" does not match)
        (?:\s+(\S+))?    # the item: one word
        (?:\s+(.*?))?    # the count: the rest of the message
        \s*$
        """,
        re.IGNORECASE | re.VERBOSE | re.DOTALL,
    )

    def handle(self, item: str | None, count: str | None) -> None:
        """Reply to one STOCK message; ``item`` and ``count`` are the text as typed."""
        if not item:
            self.respond(HELP)
            return
        code = item.upper()
        if code not in Item.values:
            self.respond_error(UNKNOWN_ITEM.format(item=code[:20], items=", ".join(Item.values)))
            return
        if not count:
            self.respond_error(MISSING_COUNT.format(item=code))
            return
        # isdecimal() accepts the digits of every script (Arabic-Indic too), which int() reads.
        if not count.isdecimal():
            self.respond_error(INVALID_COUNT.format(count=count[:20], item=code))
            return
        if len(count) > len(str(MAX_COUNT)) or int(count) > MAX_COUNT:
            self.respond_error(TOO_LARGE.format(count=count[:20], max=MAX_COUNT))
            return
        connection = self.msg.connections[0]
        report = StockReport.objects.create(
            connection=connection, item=code, quantity=int(count)
        )
        self.respond(THANKS.format(name=report.get_item_display(), quantity=report.quantity))

"""The SMS app of the example: ``STOCK <item> <count>`` records a stock count.

A health worker sends, for example, ``STOCK ORS 12``; the app stores a
:class:`~supplies.models.StockReport` and confirms it, with the count the
same phone reported last time for that item. Every other message is left to
the other apps (and, in the end, to the default app).

Each reply is written in the sender's language: their contact's
``language`` (``LANG sw``), else the project's ``LANGUAGE_CODE``. The
translations are in this app's ``locale`` folder.
"""

from __future__ import annotations

import logging
import re

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from rapidsms.apps.base import AppBase
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.utils.translation import connection_language
from supplies.models import ITEM_MAX_LENGTH, StockReport

logger = logging.getLogger(__name__)

#: How to report, sent for ``STOCK`` alone and after a report that is refused.
#: Lazy: it is read in the language active where it is used.
STOCK_HELP = gettext_lazy(
    "To report stock, send STOCK, the item and the count, for example: STOCK ORS 12"
)
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
        connection = msg.connections[0] if msg.connections else None
        # gettext() inside this block writes in the sender's language.
        with translation.override(connection_language(connection)):
            self.answer(msg, match.group("rest"))
        return True

    def answer(self, msg: IncomingMessage, rest: str | None) -> None:
        """Reply to ``STOCK <rest>``: record a valid report, or say what is wrong."""
        if not rest:
            msg.respond(str(STOCK_HELP))
            return
        report = _REPORT.match(rest)
        if report is None:
            msg.error(with_help(_("Sorry, that report has no count.")))
            return
        item = " ".join(report.group("item").split()).upper()
        digits = report.group("count")
        if not any(char.isalpha() for char in item):
            msg.error(with_help(_("Sorry, %(item)s is not an item name.") % {"item": item}))
        elif len(item) > ITEM_MAX_LENGTH:
            msg.error(ngettext(
                "Sorry, item names are at most %(limit)d character long.",
                "Sorry, item names are at most %(limit)d characters long.",
                ITEM_MAX_LENGTH,
            ) % {"limit": ITEM_MAX_LENGTH})
        elif len(digits) > len(str(MAX_COUNT)) or int(digits) > MAX_COUNT:
            msg.error(
                _("Sorry, %(count)s is more than %(limit)d; check the count and send it again.")
                % {"count": digits, "limit": MAX_COUNT}
            )
        else:
            self.record(msg, item, int(digits))

    def record(self, msg: IncomingMessage, item: str, count: int) -> None:
        """Store the report and reply with the count and the previous one."""
        connection = msg.connections[0]
        previous = StockReport.objects.filter(connection=connection, item=item).first()
        StockReport.objects.create(connection=connection, item=item, quantity=count)
        logger.info("%s reported %s %s in stock.", connection.identity, count, item)
        values = {"item": item, "count": count}
        if previous is None:
            reply = _("Thank you. %(item)s: %(count)d in stock.") % values
        else:
            reply = _("Thank you. %(item)s: %(count)d in stock (last report: %(last)d).") % {
                **values, "last": previous.quantity}
        msg.respond(reply)


def with_help(text: str) -> str:
    """Return ``text`` followed by :data:`STOCK_HELP`, in the active language."""
    return f"{text} {STOCK_HELP}"

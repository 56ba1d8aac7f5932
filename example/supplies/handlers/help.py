"""``HELP``: replies with what the demo understands, in the sender's language."""

from __future__ import annotations

from django.utils.translation import gettext_lazy

from rapidsms.contrib.handlers.handlers.keyword import KeywordHandler

#: Lazy: the handlers app runs each handler with the sender's language active,
#: and the text is read there.
HELP_TEXT = gettext_lazy(
    "Send STOCK <item> <count> to report stock (e.g. STOCK ORS 12), "
    "ECHO <text> to get the text back, or ping."
)


class HelpHandler(KeywordHandler):
    """Answer ``HELP``, alone or followed by anything, with :data:`HELP_TEXT`."""

    # A whole word: "helpful" is not a request for help.
    keyword = r"help\b"

    def help(self) -> None:
        self.respond(str(HELP_TEXT))

    def handle(self, text: str) -> None:
        self.respond(str(HELP_TEXT))

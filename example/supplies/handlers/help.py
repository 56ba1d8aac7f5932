"""``HELP``: replies with what the demo understands."""

from __future__ import annotations

from rapidsms.contrib.handlers.handlers.keyword import KeywordHandler

HELP_TEXT = (
    "Send STOCK <item> <count> to report stock (e.g. STOCK ORS 12), "
    "ECHO <text> to get the text back, or ping."
)


class HelpHandler(KeywordHandler):
    """Answer ``HELP``, alone or followed by anything, with :data:`HELP_TEXT`."""

    # A whole word: "helpful" is not a request for help.
    keyword = r"help\b"

    def help(self) -> None:
        self.respond(HELP_TEXT)

    def handle(self, text: str) -> None:
        self.respond(HELP_TEXT)

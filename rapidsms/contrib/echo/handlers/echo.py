"""``ECHO <text>``: replies with the text."""

from __future__ import annotations

from django.utils.translation import gettext

from rapidsms.contrib.handlers.handlers.keyword import KeywordHandler


class EchoHandler(KeywordHandler):
    """Reply with whatever follows the keyword ``echo`` (any case).

    ``echo hello`` gets ``hello``; ``echo`` alone gets the help text, in the
    sender's language.
    """

    keyword = "echo"

    def help(self) -> None:
        self.respond(gettext("To echo some text, send: ECHO <ANYTHING>"))

    def handle(self, text: str) -> None:
        self.respond(text)

"""One class of its own, beside one it imports: what get_class() finds."""

from __future__ import annotations

from rapidsms.contrib.handlers import KeywordHandler


class ShoutHandler(KeywordHandler):
    keyword = "shout"

    def handle(self, text: str) -> None:
        self.respond(text.upper())

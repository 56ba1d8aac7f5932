"""``ECHO <text>``: replies with the text."""

from rapidsms.contrib.handlers.handlers.keyword import KeywordHandler


class EchoHandler(KeywordHandler):
    keyword = "echo"

    def help(self) -> None:
        self.respond("To echo some text, send: ECHO <ANYTHING>")

    def handle(self, text: str) -> None:
        self.respond(text)

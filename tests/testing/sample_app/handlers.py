"""A keyword handler, listed in RAPIDSMS_HANDLERS by the tests that use it."""

from rapidsms.contrib.handlers.handlers.keyword import KeywordHandler


class GreetHandler(KeywordHandler):
    keyword = "greet|welcome"

    def help(self):
        self.respond("To greet someone, send: GREET <NAME>")

    def handle(self, text):
        self.respond(f"Greetings, {text}!")

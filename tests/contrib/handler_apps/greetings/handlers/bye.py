from rapidsms.contrib.handlers import PatternHandler
from rapidsms.contrib.handlers.handlers.keyword import KeywordHandler  # noqa: F401  (imported, not defined here)


class ByeHandler(PatternHandler):
    pattern = r"^bye$"

    def handle(self):
        self.respond("Goodbye!")

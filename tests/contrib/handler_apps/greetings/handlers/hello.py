from rapidsms.contrib.handlers import KeywordHandler


class HelloHandler(KeywordHandler):
    keyword = "hello"

    def help(self):
        self.respond("Say hello to someone: HELLO <NAME>")

    def handle(self, text):
        self.respond(f"Hello, {text}!")

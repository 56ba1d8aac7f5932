from rapidsms.contrib.handlers import KeywordHandler


class RegisterHandler(KeywordHandler):
    keyword = "register|reg"

    def help(self):
        self.respond("To register, send REGISTER <NAME>")

    def handle(self, text):
        self.respond("Thank you, %s." % text.strip())

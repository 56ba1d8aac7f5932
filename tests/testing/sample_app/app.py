"""The SMS app: answers HELLO with a greeting that names the sender."""

from rapidsms.apps.base import AppBase


class HelloApp(AppBase):
    def handle(self, msg):
        if msg.text.strip().lower() != "hello":
            return False
        msg.respond(f"Hi {msg.connections[0].identity}")
        return True

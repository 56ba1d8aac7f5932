from rapidsms.apps.base import AppBase


class App(AppBase):
    """Answers STATUS; everything else goes on to the other apps."""

    def handle(self, msg):
        if msg.text.strip().lower() == "status":
            msg.respond("All clinics open.")
            return True

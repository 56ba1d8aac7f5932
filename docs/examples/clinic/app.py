"""The SMS app of a clinic: opening hours, and joining with a name."""

from rapidsms.apps.base import AppBase
from rapidsms.models import Contact

HOURS = "The clinic is open 8:00-17:00, Monday to Friday."
JOIN_HELP = "To join, send JOIN and your name, for example: JOIN Amina Diallo"


class ClinicApp(AppBase):
    """Answer HOURS and JOIN <name>; leave every other message to the other apps."""

    def filter(self, msg):
        # A message of blanks is noise from a phone: drop it before any app answers.
        return not msg.text.strip()

    def parse(self, msg):
        # Split once here, so every later phase (in any app) sees the same keyword.
        keyword, _, rest = msg.text.strip().partition(" ")
        msg.fields["keyword"] = keyword.upper()
        msg.fields["rest"] = rest.strip()

    def handle(self, msg):
        keyword = msg.fields.get("keyword")
        if keyword == "HOURS":
            msg.respond(HOURS)
            return True
        if keyword == "JOIN":
            name = msg.fields["rest"]
            if not name:
                msg.error(JOIN_HELP)
                return True
            connection = msg.connections[0]
            contact = connection.contact or Contact()
            contact.name = name
            contact.save()
            connection.contact = contact
            connection.save()
            msg.respond(f"Thank you for joining, {name}.")
            return True
        return False  # not ours: a later app, or the default app, answers it

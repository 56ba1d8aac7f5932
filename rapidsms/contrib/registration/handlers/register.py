"""``JOIN <name>`` (or ``REGISTER``, ``REG``): create the sender's contact."""

from __future__ import annotations

from django.utils.translation import gettext

from rapidsms.contrib.handlers.handlers.keyword import KeywordHandler
from rapidsms.models import Contact


class RegisterHandler(KeywordHandler):
    """Register the sender under a name: ``JOIN Adam Mckaig``.

    The sender's connection gets a new contact with that name, and the
    reply is ``Thank you for registering, Adam Mckaig!``. Names are not
    unique: two people may register as "John".

    Registering again renames the sender's existing contact (keeping its
    language and other connections); RapidSMS 2.x created a second contact
    and left the first one behind. Runs of whitespace in the name become
    one space, and surrounding whitespace is dropped.
    """

    keyword = "register|reg|join"

    def help(self) -> None:
        self.respond(gettext("To register, send JOIN <NAME>"))

    def handle(self, text: str) -> None:
        name = " ".join(text.split())
        max_length = Contact._meta.get_field("name").max_length or 100
        if len(name) > max_length:
            self.respond_error(
                gettext("Sorry, your name is too long: at most %(max)d characters.")
                % {"max": max_length}
            )
            return
        connection = self.msg.connections[0]
        contact = connection.contact
        if contact is None:
            contact = Contact.objects.create(name=name)
            connection.contact = contact
            connection.save(update_fields=["contact", "modified_on"])
        else:
            contact.name = name
            contact.save(update_fields=["name", "modified_on"])
        self.respond(gettext("Thank you for registering, %(name)s!") % {"name": contact.name})

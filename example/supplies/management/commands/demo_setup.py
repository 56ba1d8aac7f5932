"""``manage.py demo_setup``: create the demo login and say how to use the demo."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

USERNAME = "demo"
PASSWORD = "demo"
DEFAULT_URL = "http://127.0.0.1:8000/"

TRY_THIS = """\
In the message tester ({url}httptester/), send test messages as a phone number:
  echo hi        the echo handler replies "hi"
  ping           the ping handler replies "pong"
  help           what the demo understands
  stock ors 12   the supplies app records 12 ORS and confirms it
  join Amina     registers the number as the contact Amina
  stop           opts the number out of bulk messages (start opts back in)
  hello          no app understands it: the default app apologises
Every message is in the message log ({url}messagelog/); write to many contacts
at {url}messaging/ and manage them at {url}registration/. Stock reports are in
the admin at {url}admin/"""


class Command(BaseCommand):
    help = (
        f"Create the superuser {USERNAME!r} (password {PASSWORD!r}) unless it exists, "
        "then print the demo's address and login. Run migrate first."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--url",
            default=DEFAULT_URL,
            help=f"the address the demo is served at (default: {DEFAULT_URL})",
        )

    def handle(self, *args: Any, url: str, **options: Any) -> None:
        if not url.endswith("/"):
            url += "/"
        user_model = get_user_model()
        try:
            exists = user_model.objects.filter(username=USERNAME).exists()
            if not exists:
                user_model.objects.create_superuser(USERNAME, email="", password=PASSWORD)
        except DatabaseError as exc:
            raise CommandError(
                f"The database is not ready ({exc}). Run `python manage.py migrate` first."
            ) from exc
        if exists:
            self.stdout.write(f"The login {USERNAME!r} already exists; it was left as it is.")
        else:
            self.stdout.write(f"Created the login {USERNAME!r}.")
        self.stdout.write("")
        self.stdout.write(self.style.SUCCESS("The RapidSMS demo is ready."))
        self.stdout.write(f"  Open      {url}")
        self.stdout.write(f"  Login     {USERNAME}")
        self.stdout.write(f"  Password  {PASSWORD}")
        self.stdout.write("")
        self.stdout.write(TRY_THIS.format(url=url))

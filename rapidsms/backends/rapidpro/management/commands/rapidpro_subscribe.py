"""``manage.py rapidpro_subscribe``: subscribe the webhook URL to a RapidPro resthook."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapidsms.backends.rapidpro.errors import RapidProError


class Command(BaseCommand):
    help = (
        "Subscribe a URL to a resthook of the backend's RapidPro workspace, with the "
        "backend's first inbound secret added as ?token=..., so that flows calling the "
        "resthook post their messages to it. --list shows subscriptions; --delete ID ends one."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backend", help="The backend's name in INSTALLED_BACKENDS.")
        parser.add_argument("url", nargs="?", help="The public URL of /backends/<name>/.")
        parser.add_argument("--resthook", default="rapidsms",
                            help="The resthook's slug (default rapidsms).")
        parser.add_argument("--list", action="store_true", help="List the subscriptions.")
        parser.add_argument("--delete", type=int, metavar="ID", help="Delete a subscription.")

    def handle(self, *args: Any, **options: Any) -> None:
        from rapidsms.backends.rapidpro.management.commands.rapidpro_poll import get_backend

        backend = get_backend(options["backend"])
        client = backend.client
        try:
            if options["delete"] is not None:
                client.delete_resthook_subscriber(options["delete"])
                self.stdout.write(f"Deleted subscription {options['delete']}.")
            elif options["list"] or not options["url"]:
                for sub in client.get_resthook_subscribers(resthook=options["resthook"]).all():
                    self.stdout.write(f"{sub.id}\t{sub.resthook}\t{backend.redact(sub.target_url)}")
            else:
                if not backend.inbound_secrets:
                    raise CommandError(
                        f"Backend {backend.name!r} has no inbound_secrets: anyone could post "
                        "messages to the URL. Add one to INSTALLED_BACKENDS first."
                    )
                target = backend.callback_url(options["url"])
                sub = client.create_resthook_subscriber(options["resthook"], target)
                self.stdout.write(f"Subscribed (id {sub.id}) to resthook "
                                  f"{sub.resthook!r}: {backend.redact(sub.target_url)}")
        except RapidProError as exc:
            raise CommandError(f"RapidPro: {backend.redact(str(exc))}") from exc

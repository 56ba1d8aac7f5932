"""``manage.py rapidsms_status``: what the installed apps report about their messages.

The report comes from the installed apps (see
:func:`rapidsms.extensions.register_status_provider`); with the message
store (``rapidsms.router.db``): the messages by direction, status and
backend, and the queues the workers must serve.
"""

from __future__ import annotations

import json
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapidsms import extensions


class Command(BaseCommand):
    help = (
        "Print how many messages the message store holds by direction, status and backend, "
        "and the queues workers must serve. --recover resumes work lost in a crash."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")
        parser.add_argument(
            "--recover",
            action="store_true",
            help="First hand lost or due work to the workers again (what the periodic "
            "rapidsms.router.db.recover task does); in eager mode, send due retries now.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        providers = extensions.status_providers()
        if not providers:
            raise CommandError(
                "The message store is not installed: add 'rapidsms.router.db' to "
                "INSTALLED_APPS and use RAPIDSMS_ROUTER = 'rapidsms.router.db.DatabaseRouter'."
            )
        reports = {}
        for name, provider in providers.items():
            try:
                reports[name] = provider(recover=options["recover"])
            except ImproperlyConfigured as exc:
                raise CommandError(str(exc)) from exc
        if options["json"]:
            # One provider (the usual case) prints its data as it is.
            data = (next(iter(reports.values())).data if len(reports) == 1
                    else {name: report.data for name, report in reports.items()})
            self.stdout.write(json.dumps(data, indent=2))
            return
        for report in reports.values():
            for line in report.lines:
                self.stdout.write(line)

"""``manage.py rapidpro_poll <backend>``: fetch messages and statuses from RapidPro."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapidsms.backends.rapidpro.errors import RapidProError


def get_backend(name: str) -> Any:
    """Return the router's RapidPro backend called ``name``; raise ``CommandError``."""
    from rapidsms.backends.rapidpro.outgoing import RapidProBackend
    from rapidsms.router import get_router

    backend = getattr(get_router(), "backends", {}).get(name)
    if backend is None:
        raise CommandError(f"No backend named {name!r} in INSTALLED_BACKENDS.")
    if not isinstance(backend, RapidProBackend):
        raise CommandError(f"Backend {name!r} is a {type(backend).__name__}, not a "
                           "RapidProBackend.")
    return backend


class Command(BaseCommand):
    help = (
        "Send what waits in a RapidPro backend's outbox, route the incoming messages "
        "RapidPro received since the last run, and report delivery statuses. Safe to run "
        "from cron or beside a running copy: each message is routed once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("backend", help="The backend's name in INSTALLED_BACKENDS.")
        parser.add_argument("--no-incoming", action="store_true",
                            help="Do not fetch incoming messages.")
        parser.add_argument("--no-status", action="store_true",
                            help="Do not follow delivery statuses.")
        parser.add_argument("--loop", type=float, metavar="SECONDS", default=0,
                            help="Run again every SECONDS until interrupted.")

    def handle(self, *args: Any, **options: Any) -> None:
        from rapidsms.backends.rapidpro.poller import poll

        backend = get_backend(options["backend"])
        while True:
            try:
                summary = poll(backend, incoming=not options["no_incoming"],
                               statuses=not options["no_status"])
            except RapidProError as exc:
                if not options["loop"]:
                    raise CommandError(f"RapidPro: {exc}") from exc
                self.stderr.write(f"RapidPro: {exc}")
            else:
                self.report(summary)
            if not options["loop"]:
                return
            try:
                time.sleep(options["loop"])
            except KeyboardInterrupt:
                return

    def report(self, summary: dict[str, Any]) -> None:
        incoming = summary.get("incoming")
        if incoming is not None:
            self.stdout.write(
                f"incoming: {incoming.fetched} listed, {incoming.routed} routed, "
                f"{incoming.duplicates} already routed, {incoming.skipped} skipped; "
                f"cursor {incoming.cursor.isoformat() if incoming.cursor else 'not set'}"
            )
        statuses = summary.get("statuses")
        if statuses is not None:
            self.stdout.write(f"statuses: {statuses.followed} followed, {statuses.changed} "
                              "changed")
        if "outbox_waiting" in summary:
            self.stdout.write(f"outbox: {summary['outbox_waiting']} waiting")

"""``manage.py rapidsms_prune``: delete what the installed apps no longer need.

A busy service stores a row per message, one per recipient and one per
status change, and a row per gateway message id it received: at a hundred
messages a second that is tens of millions of rows a month. Run this daily
(the ``rapidsms.router.db.prune`` task under Celery beat, cron or a systemd
timer) to keep the tables, and the work of every query on them, small.

What is deleted comes from the installed apps (see
:func:`rapidsms.extensions.register_prune_step`): the message store's
finished messages older than ``--days``, and the inbound views' expired
gateway message ids.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from rapidsms import extensions


class Command(BaseCommand):
    help = (
        "Delete what the installed apps no longer need: finished messages older than --days "
        "from the message store, and the gateway message ids the inbound views remember "
        "once their de-duplication window has passed."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--days",
            type=int,
            default=90,
            help="Keep the message store's finished messages this many days (default 90).",
        )
        parser.add_argument(
            "--dry-run", action="store_true", help="Count what would go; delete nothing."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        days = options["days"]
        if days < 1:
            raise CommandError(f"--days must be at least 1, not {days}.")
        dry_run = options["dry_run"]
        verb = "would delete" if dry_run else "deleted"
        steps = {step.name: step for step in extensions.prune_steps()}
        if not steps:
            self.stdout.write("Nothing to prune: no installed app keeps such rows.")
        for name, count in prune(days, dry_run).items():
            self.stdout.write(steps[name].describe(count, days, verb))


def prune(days: int = 90, dry_run: bool = False) -> dict[str, int]:
    """Run every registered prune step; return how many rows each deleted, by step name.

    With the bundled apps: ``messages`` (when ``rapidsms.router.db`` is
    installed) and ``received_ids`` (when ``rapidsms.backends.inbound`` is).
    ``dry_run`` counts without deleting.
    """
    return {step.name: step.run(days, dry_run) for step in extensions.prune_steps()}

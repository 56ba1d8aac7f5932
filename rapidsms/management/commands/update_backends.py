"""``manage.py update_backends``: create a Backend row for each configured backend."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from rapidsms.conf import get_setting
from rapidsms.models import Backend


class Command(BaseCommand):
    help = "Create a Backend row for every name in INSTALLED_BACKENDS that has none."

    def handle(self, *args: Any, **options: Any) -> None:
        backends = get_setting("INSTALLED_BACKENDS")
        if not isinstance(backends, dict):
            raise CommandError("INSTALLED_BACKENDS must be a dict; run manage.py check.")
        for name in backends:
            _, created = Backend.objects.get_or_create(name=name)
            if created:
                self.stdout.write(f"Added persistent backend {name}")

"""Django app configuration of the handlers app."""

from __future__ import annotations

from django.apps import AppConfig


class HandlersConfig(AppConfig):
    name = "rapidsms.contrib.handlers"
    label = "handlers"
    verbose_name = "Handlers"

    def ready(self) -> None:
        from rapidsms.contrib.handlers import checks  # noqa: F401  (registers the checks)

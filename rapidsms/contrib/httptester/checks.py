"""System checks of the message tester: its backend and the table it reads."""

from __future__ import annotations

from typing import Any

from django.apps import apps as django_apps
from django.core import checks

from rapidsms.conf import get_setting
from rapidsms.contrib.httptester import BACKEND_NAME, SETTINGS_HINT

E001 = checks.Error(
    "The message tester needs the database backend's table.",
    hint='Add "rapidsms.backends.database" to INSTALLED_APPS and run manage.py migrate.',
    id="httptester.E001",
)
W001 = checks.Warning(
    f"The message tester has no backend named {BACKEND_NAME!r}; replies cannot appear on "
    "its page.",
    hint=f"Add to settings.py: {SETTINGS_HINT}",
    id="httptester.W001",
)


@checks.register()
def check_tester_backend(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Report a missing database backend app or ``message_tester`` backend."""
    errors: list[checks.CheckMessage] = []
    if not django_apps.is_installed("rapidsms.backends.database"):
        errors.append(E001)
    backends = get_setting("INSTALLED_BACKENDS")
    if not isinstance(backends, dict) or BACKEND_NAME not in backends:
        errors.append(W001)
    return errors

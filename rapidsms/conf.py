"""Settings of the core, with their defaults.

Settings are read when an object is built or a message is handled, never at
import time, so ``override_settings`` in tests takes effect.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULTS: dict[str, Any] = {
    "RAPIDSMS_ROUTER": "rapidsms.router.blocking.BlockingRouter",
    "INSTALLED_BACKENDS": {},
    "PROJECT_NAME": "RapidSMS",
    "DEFAULT_RESPONSE": "Sorry, %(project_name)s could not understand your message.",
}


def get_setting(name: str) -> Any:
    """Return the project's value of setting ``name``, or our default."""
    return getattr(settings, name, DEFAULTS.get(name))

"""Settings of the core, with their defaults.

Settings are read when an object is built or a message is handled, never at
import time, so ``override_settings`` in tests takes effect.
"""

from __future__ import annotations

import copy
from datetime import UTC, datetime
from typing import Any

from django.conf import settings as django_settings
from django.core.signals import setting_changed
from django.utils import timezone

DEFAULTS: dict[str, Any] = {
    "RAPIDSMS_ROUTER": "rapidsms.router.blocking.BlockingRouter",
    "INSTALLED_BACKENDS": {},
    "PROJECT_NAME": "RapidSMS",
    "DEFAULT_RESPONSE": "Sorry, %(project_name)s could not understand your message.",
    # Read by the pages' tables and RapidSMS 2.x's deprecated paginated() and
    # {% paginator %} (whose default was 12).
    "PAGINATOR_OBJECTS_PER_PAGE": 25,
    "PAGINATOR_BORDER_LINKS": 2,
    "PAGINATOR_ADJACENT_LINKS": 2,
    # Read only by the deprecated discovery of handlers.
    "INSTALLED_HANDLERS": None,
    "EXCLUDED_HANDLERS": [],
    "RAPIDSMS_HANDLERS_EXCLUDE_APPS": [],
}


#: Names of settings the project leaves out, found so far. Asking Django for a
#: missing setting raises and catches an AttributeError, which costs more than
#: routing a message; the set is emptied whenever a setting changes (Django's
#: ``setting_changed``, which ``override_settings`` and test fixtures send).
_missing: set[str] = set()
_UNSET = object()


def get_setting(name: str, default: Any = _UNSET) -> Any:
    """Return the project's value of setting ``name``, or ``default`` (else our default)."""
    if default is _UNSET:
        default = DEFAULTS.get(name)
    if name in _missing:
        return default
    value = getattr(django_settings, name, _UNSET)
    if value is _UNSET:
        _missing.add(name)
        return default
    return value


#: Values of Django's settings read for every message (see :func:`hot_setting`).
_hot: dict[str, Any] = {}


def hot_setting(name: str) -> Any:
    """Return Django's setting ``name``, remembered until a setting changes.

    For the few settings read several times per message (``LANGUAGE_CODE``,
    ``USE_TZ``): each read through Django's lazy settings object costs more
    than a dictionary look-up. Forgotten on ``setting_changed``, which
    ``override_settings`` and the test fixtures send.
    """
    try:
        return _hot[name]
    except KeyError:
        value = _hot[name] = getattr(django_settings, name)
        return value


_django_now = timezone.now


def now() -> datetime:
    """Return what ``django.utils.timezone.now()`` returns, without reading ``USE_TZ`` each time.

    A test that replaces ``timezone.now`` (to freeze the clock) is obeyed.
    """
    if timezone.now is not _django_now:
        return timezone.now()
    return datetime.now(UTC) if hot_setting("USE_TZ") else datetime.now()


def forget_missing_settings(**kwargs: Any) -> None:
    """Forget which settings were missing, and the settings remembered (``setting_changed``)."""
    _missing.clear()
    _hot.clear()


setting_changed.connect(forget_missing_settings, dispatch_uid="rapidsms.conf.forget_missing")


class SettingsWithDefaults:
    """Django's settings, falling back to :data:`DEFAULTS` for a setting the project leaves out.

    RapidSMS 2.x apps read ``rapidsms.conf.settings.PROJECT_NAME`` and the
    like, which ``djappsettings`` filled with each app's defaults. Each
    attribute is looked up in ``django.conf.settings`` when it is read, so
    ``override_settings`` applies.
    """

    def __getattr__(self, name: str) -> Any:
        try:
            return getattr(django_settings, name)
        except AttributeError:
            if name in DEFAULTS:
                # A copy, so code that appends to a list default cannot change it.
                return copy.copy(DEFAULTS[name])
            raise

    def __dir__(self) -> list[str]:
        return sorted(set(dir(django_settings)) | set(DEFAULTS))


#: ``from rapidsms.conf import settings`` as in RapidSMS 2.x.
settings = SettingsWithDefaults()

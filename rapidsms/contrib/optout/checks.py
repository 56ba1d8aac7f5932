"""System checks of the opt-out app (ids ``optout.E00x`` and ``optout.W00x``)."""

from __future__ import annotations

from typing import Any

from django.apps import apps as django_apps
from django.conf import settings
from django.core import checks

from rapidsms.contrib.optout import keywords

_NAME = "rapidsms.contrib.optout"


@checks.register()
def check_keywords(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Return the problems with ``RAPIDSMS_OPTOUT_KEYWORDS`` and ``RAPIDSMS_OPTIN_KEYWORDS``."""
    problems: list[checks.CheckMessage] = []
    normalized: dict[str, set[str]] = {}
    for setting, default in (
        ("RAPIDSMS_OPTOUT_KEYWORDS", keywords.DEFAULT_OPTOUT_KEYWORDS),
        ("RAPIDSMS_OPTIN_KEYWORDS", keywords.DEFAULT_OPTIN_KEYWORDS),
    ):
        value = getattr(settings, setting, default)
        valid = isinstance(value, list | tuple) and all(
            isinstance(word, str) and keywords.normalize(word) for word in value
        )
        if not valid:
            problems.append(
                checks.Error(
                    f"{setting} must be a list of words, not {value!r}.",
                    hint=f"For example {setting} = {default[:3]!r}.",
                    id="optout.E001",
                )
            )
            continue
        normalized[setting] = {keywords.normalize(word) for word in value}
    both = normalized.get("RAPIDSMS_OPTOUT_KEYWORDS", set()) & normalized.get(
        "RAPIDSMS_OPTIN_KEYWORDS", set()
    )
    if both:
        problems.append(
            checks.Error(
                f"{', '.join(sorted(both))} is both an opt-out and an opt-in keyword.",
                hint="Remove it from RAPIDSMS_OPTOUT_KEYWORDS or RAPIDSMS_OPTIN_KEYWORDS.",
                id="optout.E002",
            )
        )
    return problems


@checks.register()
def check_app_order(app_configs: Any = None, **kwargs: Any) -> list[checks.CheckMessage]:
    """Warn when the opt-out app is installed where it cannot do its job."""
    names = [config.name for config in django_apps.get_app_configs()]
    position = names.index(_NAME) if _NAME in names else None
    if position is None:
        return []
    problems: list[checks.CheckMessage] = []
    if "rapidsms.contrib.messagelog" in names[position:]:
        problems.append(
            checks.Warning(
                "rapidsms.contrib.messagelog comes after rapidsms.contrib.optout in "
                "INSTALLED_APPS, so the message log records sends to opted-out "
                "connections that are then not made.",
                hint="Move rapidsms.contrib.messagelog before rapidsms.contrib.optout.",
                id="optout.W001",
            )
        )
    if "rapidsms.contrib.handlers" in names[:position]:
        problems.append(
            checks.Warning(
                "rapidsms.contrib.handlers comes before rapidsms.contrib.optout in "
                "INSTALLED_APPS, so a handler may answer STOP before the sender is opted out.",
                hint="Move rapidsms.contrib.optout before rapidsms.contrib.handlers.",
                id="optout.W002",
            )
        )
    return problems

"""``{% rapidsms_languages as languages %}``: the languages the switcher offers.

Each is a dict with ``code``, ``name`` (the language's own name, such as
``Kiswahili``), ``bidi`` (written right to left) and ``current``.
"""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.utils import translation

register = template.Library()


@register.simple_tag
def rapidsms_languages() -> list[dict[str, Any]]:
    """Return ``settings.LANGUAGES``, each named in its own language, in order.

    A code Django does not know (a project's own language) keeps the name
    ``LANGUAGES`` gives it, instead of failing the page.
    """
    try:
        active = translation.get_supported_language_variant(
            translation.get_language() or settings.LANGUAGE_CODE
        )
    except LookupError:
        active = ""
    languages = []
    for code, name in settings.LANGUAGES:
        try:
            info = translation.get_language_info(code)
        except KeyError:
            info = {"name_local": str(name), "bidi": code in settings.LANGUAGES_BIDI}
        languages.append({
            "code": code,
            "name": info["name_local"],
            "bidi": info["bidi"],
            "current": code == active,
        })
    return languages

"""``{% rapidsms_pages as pages %}``: the pages the installed apps add to the navigation.

Each is a dict with ``title``, ``description`` and ``url``; see
:func:`rapidsms.extensions.register_page`.
"""

from __future__ import annotations

from typing import Any

from django import template

from rapidsms import extensions

register = template.Library()


@register.simple_tag(takes_context=True)
def rapidsms_pages(context: dict[str, Any]) -> list[dict[str, Any]]:
    """Return the registered pages the current user may see, in order."""
    request = context.get("request")
    user = getattr(request, "user", None) or context.get("user")
    return extensions.pages(user)

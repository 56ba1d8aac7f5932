"""``{% render_form form %}``: RapidSMS 2.x's form tag, deprecated.

Render a form with Django's own ``{{ form }}`` (or ``{{ field.as_field_group }}``
per field) instead. The tag renders ``rapidsms/templatetags/form.html``,
which a project may override as in RapidSMS 2.x.
"""

from __future__ import annotations

from typing import Any

from django import template

from rapidsms.deprecation import warn_deprecated

register = template.Library()


@register.inclusion_tag("rapidsms/templatetags/form.html")
def render_form(form: Any) -> dict[str, Any]:
    """Render ``form``'s errors and fields, each field with its label, help and errors."""
    # Level 2 is Django's rendering of the template that uses the tag.
    warn_deprecated("{% render_form %} (forms_tags)", "{{ form }}")
    return {"form": form}

"""``{% paginator page [prefix] %}``: RapidSMS 2.x's page links, deprecated.

Use a django-tables2 table with ``template_name = "rapidsms/table.html"``,
paginated by :func:`rapidsms.views.configure_table`, instead. The tag
renders ``rapidsms/templatetags/paginator.html`` with the context RapidSMS
2.x gave it (``dom_id``, ``page_links``, ``prev_page_link``,
``next_page_link``), so a project's override of that template keeps working.

RapidSMS 2.x refused to load this library unless the ``request`` context
processor was configured. Now the tag works without the request: its links
then change only the page number and drop the rest of the query string, and
it warns.
"""

from __future__ import annotations

import warnings
from typing import Any
from urllib.parse import urlencode

from django import template
from django.core.paginator import Page

from rapidsms.conf import get_setting
from rapidsms.deprecation import warn_deprecated

register = template.Library()

NO_REQUEST = (
    "{%% paginator %%} in %s has no request in its context: its links keep only the page "
    "number. Add 'django.template.context_processors.request' to the context_processors "
    "of TEMPLATES."
)


@register.inclusion_tag("rapidsms/templatetags/paginator.html", takes_context=True)
def paginator(context: template.Context, page: Page, prefix: str = "") -> dict[str, Any]:
    """Return the links to the pages around ``page`` of a Django paginator.

    The first and last ``PAGINATOR_BORDER_LINKS`` pages are linked, and the
    ``PAGINATOR_ADJACENT_LINKS`` pages on each side of the current one; a
    gap of more than one page becomes an ellipsis (``None`` in
    ``page_links``). The page number goes in the ``<prefix>page`` query
    parameter; the other parameters of the request are kept.
    """
    # Level 2 is Django's rendering of the template that uses the tag.
    warn_deprecated(
        "{% paginator %} (paginator_tags)",
        'a django-tables2 table with template_name = "rapidsms/table.html"',
    )
    param = f"{prefix}page"
    request = context.get("request")
    if request is None:
        template_name = getattr(context, "template_name", None) or "a template"
        warnings.warn(NO_REQUEST % template_name, RuntimeWarning, stacklevel=1)

    def link(number: int) -> str:
        if request is None:
            return "?" + urlencode({param: number})
        query = request.GET.copy()
        query[param] = str(number)
        return f"{request.path}?{query.urlencode()}"

    page_links = [
        None if number is None
        else {"number": number, "link": link(number), "active": number == page.number}
        for number in page_numbers(
            page.number,
            page.paginator.num_pages,
            int(get_setting("PAGINATOR_BORDER_LINKS")),
            int(get_setting("PAGINATOR_ADJACENT_LINKS")),
        )
    ]
    result: dict[str, Any] = {"dom_id": f"{prefix}paginator", "page_links": page_links}
    if page.has_previous():
        result["prev_page_link"] = link(page.previous_page_number())
    if page.has_next():
        result["next_page_link"] = link(page.next_page_number())
    return result


def page_numbers(current: int, last: int, border: int, adjacent: int) -> list[int | None]:
    """Return the page numbers to link, in order, with ``None`` for a gap of several pages.

    A gap of a single page shows that page rather than an ellipsis.
    """
    shown = {current}
    shown.update(range(1, min(border, last) + 1))
    shown.update(range(max(1, last - border + 1), last + 1))
    shown.update(range(max(1, current - adjacent), min(last, current + adjacent) + 1))
    numbers: list[int | None] = []
    previous: int | None = None
    for number in sorted(shown):
        if previous is not None and number - previous == 2:
            numbers.append(previous + 1)
        elif previous is not None and number - previous > 2:
            numbers.append(None)
        numbers.append(number)
        previous = number
    return numbers

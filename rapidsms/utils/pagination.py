"""RapidSMS 2.x's ``paginated()`` helper, kept as a deprecated module.

Use Django's :class:`~django.core.paginator.Paginator` (or, for a
django-tables2 table, :func:`rapidsms.views.configure_table`). Importing
this module raises a ``DeprecationWarning``; ``paginated()`` works as in
RapidSMS 2.x, and its page renders with ``{% paginator %}`` from the
``paginator_tags`` library.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.paginator import InvalidPage, Page, Paginator
from django.http import HttpRequest

from rapidsms.conf import get_setting
from rapidsms.deprecation import warn_module_imported

warn_module_imported(
    "rapidsms.utils.pagination",
    "django.core.paginator.Paginator or rapidsms.views.configure_table()",
)

__all__ = ["paginated"]


def paginated(
    req: HttpRequest,
    query_set: Any,
    per_page: int | None = None,
    default_page: int = 1,
    prefix: str = "",
    wrapper: Callable[[Any], Any] | None = None,
) -> Page:
    """Return the page of ``query_set`` that ``req`` asks for.

    The page number is the ``page`` query parameter, and ``per-page``
    overrides ``per_page`` (default ``PAGINATOR_OBJECTS_PER_PAGE``).
    With ``prefix``, the parameters are ``<prefix>-page`` and
    ``<prefix>-per-page``, so one page can hold several lists. Without a
    page parameter the page is ``default_page``; a negative one counts from
    the end (``-1`` is the last page). ``wrapper`` is applied to each object
    of the page; the unwrapped objects stay in ``raw_object_list``.

    The page carries ``prefix`` and ``request`` for the ``paginator`` tag.
    Raise ``ValueError`` for a page or page size that is not valid, as
    RapidSMS 2.x did.
    """
    if per_page is None:
        per_page = int(get_setting("PAGINATOR_OBJECTS_PER_PAGE"))
    prefix = f"{prefix}-" if prefix else ""
    page_param, per_page_param = f"{prefix}page", f"{prefix}per-page"
    if per_page_param in req.GET:
        try:
            per_page = int(req.GET[per_page_param])
        except ValueError:
            raise ValueError(f"Invalid per-page parameter: {req.GET[per_page_param]!r}") from None
    paginator = Paginator(query_set, per_page)
    try:
        if page_param in req.GET:
            number = int(req.GET[page_param])
        elif default_page >= 0:
            number = default_page
        else:
            number = paginator.num_pages + default_page + 1
        page = paginator.page(number)
    except (ValueError, InvalidPage):
        raise ValueError(f"Invalid Page: {req.GET.get(page_param, default_page)!r}") from None
    if wrapper is not None:
        page.raw_object_list = page.object_list  # type: ignore[attr-defined]
        page.object_list = [wrapper(obj) for obj in page.object_list]
    page.prefix = prefix  # type: ignore[attr-defined]
    page.request = req  # type: ignore[attr-defined]
    return page

"""The dashboard (the project's home page, linking the pages), and what the pages share."""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.core.exceptions import ImproperlyConfigured
from django.core.paginator import EmptyPage
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from rapidsms.models import Backend, Connection, Contact
from rapidsms.router import get_router

logger = logging.getLogger(__name__)

#: Rows per page of the pages' tables unless ``PAGINATOR_OBJECTS_PER_PAGE`` says otherwise.
DEFAULT_PER_PAGE = 25
#: The most rows a ``?per_page=`` in the address may ask for.
MAX_PER_PAGE = 500


def page_size() -> int:
    """Return ``PAGINATOR_OBJECTS_PER_PAGE`` (the RapidSMS 2.x setting), or 25."""
    return int(getattr(settings, "PAGINATOR_OBJECTS_PER_PAGE", DEFAULT_PER_PAGE))


def configure_table(request: HttpRequest, table: Any, paginate: bool = True) -> Any:
    """Sort and paginate a django-tables2 ``table`` from the request's query string.

    Like django-tables2's ``RequestConfig``, but a page number or page size
    that makes no sense (``page=0``, ``per_page=-1``, ``per_page=10**9``)
    gives the nearest sensible page instead of an error. Return the table.
    """
    table.request = request
    # Column names have no dots; django-tables2 would warn about a dotted one.
    order_by = [name for name in request.GET.getlist(table.prefixed_order_by_field)
                if "." not in name]
    if order_by:
        table.order_by = order_by
    if not paginate:
        return table
    per_page = _positive_int(request.GET.get(table.prefixed_per_page_field)) or page_size()
    page = _positive_int(request.GET.get(table.prefixed_page_field)) or 1
    try:
        table.paginate(page=page, per_page=min(per_page, MAX_PER_PAGE))
    except EmptyPage:
        table.paginate(page=table.paginator.num_pages, per_page=min(per_page, MAX_PER_PAGE))
    return table


def _positive_int(value: str | None) -> int | None:
    if value and value.isdigit() and len(value) < 10 and int(value) > 0:
        return int(value)
    return None


class RapidSMSLoginView(LoginView):
    """The login page, ``rapidsms/login.html`` (``rapidsms-login``); a logged-in user goes on."""

    template_name = "rapidsms/login.html"
    redirect_authenticated_user = True


class RapidSMSLogoutView(LogoutView):
    """The logged-out page (``rapidsms-logout``); logging out is a POST.

    A project's own ``rapidsms/loggedout.html``, RapidSMS 2.x's name of the
    template, is used when it exists; otherwise ``rapidsms/logged_out.html``.
    """

    template_name = "rapidsms/logged_out.html"

    def get_template_names(self) -> list[str]:
        return ["rapidsms/loggedout.html", self.template_name]


def _dotted_path(obj: object) -> str:
    cls = type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Show links to the pages, the SMS apps in routing order, the backends and a few counts.

    A router that cannot be built (a misconfigured backend) is reported on
    the page, with the error, instead of failing it.
    """
    apps: list[tuple[str, str]] = []
    backends: list[tuple[str, str]] = []
    router_error = ""
    unavailable: list[tuple[str, str]] = []
    try:
        router = get_router()
    except (ImproperlyConfigured, ValueError) as exc:
        logger.error("The dashboard could not build the router: %s", exc)
        router_error = str(exc)
    else:
        apps = [(app.name, _dotted_path(app)) for app in router.apps]
        backends = [(name, _dotted_path(backend)) for name, backend in router.backends.items()]
        unavailable = sorted(getattr(router, "unavailable_backends", {}).items())
    context = {
        "apps": apps,
        "backends": backends,
        "unavailable_backends": unavailable,
        "router_error": router_error,
        "counts": {
            "contacts": Contact.objects.count(),
            "connections": Connection.objects.count(),
            "backends": Backend.objects.count(),
        },
    }
    return render(request, "rapidsms/dashboard.html", context)

"""The dashboard (the project's home page, linking the pages), and what the pages share."""

from __future__ import annotations

import functools
import hashlib
import logging
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView, redirect_to_login
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.core.paginator import EmptyPage
from django.http import HttpRequest, HttpResponse, HttpResponseNotModified, JsonResponse
from django.shortcuts import render, resolve_url
from django.template.loader import render_to_string
from django.urls import NoReverseMatch
from django.utils import timezone, translation
from django.utils.cache import patch_vary_headers
from django.utils.http import parse_etags, quote_etag

from rapidsms import extensions
from rapidsms.models import Connection, Contact
from rapidsms.router import get_router
from rapidsms.traffic import dashboard_traffic

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


def login_url() -> str:
    """Return the site's login page: ``rapidsms-login`` when mounted, else ``LOGIN_URL``.

    A project that mounts neither (only the durable router's pages, say)
    falls back to the admin's login.
    """
    for candidate in ("rapidsms-login", settings.LOGIN_URL, "admin:login"):
        try:
            return resolve_url(candidate)
        except NoReverseMatch:
            continue
    return str(settings.LOGIN_URL)


def staff_required(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """Let staff users in; send others to the site's login, and answer 403 to non-staff.

    Unlike the admin's ``staff_member_required``, a logged-out user goes to
    the pages' own login, and a logged-in user who is not staff is told
    the page is not for them (403) instead of being asked to log in again.
    """

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect_to_login(request.get_full_path(), login_url())
        if not (user.is_active and user.is_staff):
            raise PermissionDenied("This page is for staff users.")
        return view(request, *args, **kwargs)

    return wrapper


#: The header the pages' script sends when it asks for a live update.
LIVE_HEADER = "X-RapidSMS-Live"


def wants_live_update(request: HttpRequest) -> bool:
    """Return True when the page's script asks for its live regions (``rapidsms/js/live.js``)."""
    return request.headers.get(LIVE_HEADER) == "1"


def live_response(
    request: HttpRequest,
    regions: dict[str, str],
    context: dict[str, Any] | Callable[[], dict[str, Any]],
    version: str | None = None,
) -> HttpResponse:
    """Answer a live update: ``{"regions": {element id: HTML}}`` rendered from templates.

    ``regions`` maps the id of each element the page marks ``data-live``
    to the template that draws its content. ``context`` is the templates'
    context, or a function that returns it (called only when they are drawn).

    ``version`` (see :func:`live_version`) says what the regions show. It
    is sent as the ``ETag``; when the script's ``If-None-Match`` names it,
    nothing changed and the answer is an empty ``304 Not Modified``, without
    drawing anything. The pages' script asks every second, so a page whose
    parts are costly to draw should give a version.
    """
    if version is not None:
        etag = quote_etag(version)
        if _names_etag(request.headers.get("If-None-Match", ""), etag):
            unchanged = HttpResponseNotModified()
            unchanged["ETag"] = etag
            unchanged["Cache-Control"] = "no-store"
            return unchanged
    values = context() if callable(context) else context
    rendered = {
        element: render_to_string(template, values, request=request)
        for element, template in regions.items()
    }
    response = JsonResponse({"regions": rendered})
    response["Cache-Control"] = "no-store"
    if version is not None:
        response["ETag"] = etag
    return response


def live_version(request: HttpRequest, *shown: Any) -> str:
    """Return a version of a page's live regions for :func:`live_response`.

    ``shown`` is what the regions show, or anything that changes whenever
    that does (the newest row's id and the number of rows, say): values with
    a stable ``repr()``. The page's address (its filters, its page number),
    the active language and the time zone are part of the version too,
    since the regions are drawn for them.
    """
    digest = hashlib.blake2b(digest_size=16)
    for part in (request.get_full_path(), translation.get_language(),
                 timezone.get_current_timezone_name(), *shown):
        digest.update(repr(part).encode("utf-8", "backslashreplace"))
        digest.update(b"\0")
    return digest.hexdigest()


def _names_etag(header: str, etag: str) -> bool:
    # A weak comparison, as for If-None-Match in RFC 9110: a proxy or a
    # compressing middleware may have weakened the tag (W/"...").
    return any(tag.removeprefix("W/") == etag for tag in parse_etags(header)) if header else False


def vary_on_live(response: HttpResponse) -> HttpResponse:
    """Tell caches that a page and its live update differ by :data:`LIVE_HEADER`."""
    patch_vary_headers(response, [LIVE_HEADER])
    return response


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


#: The dashboard's parts its script redraws, and their templates.
DASHBOARD_REGIONS = {"dashboard-live": "rapidsms/_dashboard_live.html"}


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """Show the traffic, the plug-ins' figures, links to the pages, the SMS apps and backends.

    A router that cannot be built (a misconfigured backend) is reported on
    the page, with the error, instead of failing it. With
    :data:`LIVE_HEADER` the traffic and figures are answered as JSON, for
    the page's script to redraw without a reload.
    """
    context = {"traffic": traffic_or_none(), "panels": panel_figures(request)}
    if wants_live_update(request):
        return vary_on_live(live_response(request, DASHBOARD_REGIONS, context))
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
    context.update({
        "apps": apps,
        "backends": backends,
        "unavailable_backends": unavailable,
        "router_error": router_error,
        "counts": {
            "contacts": Contact.objects.count(),
            "connections": Connection.objects.count(),
            # The backends configured, loaded or not: the Backend table only
            # gets a row once a message went through one.
            "backends": len(getattr(settings, "INSTALLED_BACKENDS", None) or {}),
        },
    })
    return vary_on_live(render(request, "rapidsms/dashboard.html", context))


def traffic_or_none() -> dict[str, Any] | None:
    """Return the dashboard's traffic, or ``None`` (logged) when counting fails."""
    try:
        return dashboard_traffic()
    except Exception:
        logger.exception("The dashboard could not count the traffic.")
        return None


def panel_figures(request: HttpRequest) -> list[tuple[Any, list[extensions.Figure]]]:
    """Return ``(title, figures)`` of each dashboard panel the user may see.

    A panel that fails is logged and left out: the dashboard is where an
    operator looks when something is wrong.
    """
    shown = []
    for panel in extensions.dashboard_panels(request.user):
        try:
            shown.append((panel.title, list(panel.figures())))
        except Exception:
            logger.exception("The dashboard panel %s failed.", panel.name)
    return shown

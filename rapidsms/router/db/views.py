"""Operations pages: the messages by status, and the health check."""

from __future__ import annotations

import enum
import hmac
import logging
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.db import DatabaseError, connection
from django.db.models import Count, Min
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from rapidsms.router.db.conf import celery_is_eager
from rapidsms.router.db.forms import TransmissionFilterForm
from rapidsms.router.db.models import Transmission
from rapidsms.router.db.operations import queue_again
from rapidsms.router.db.queues import all_queues
from rapidsms.router.db.status import PENDING
from rapidsms.router.db.tables import TransmissionTable
from rapidsms.views import (
    configure_table,
    live_response,
    staff_required,
    vary_on_live,
    wants_live_update,
)

logger = logging.getLogger("rapidsms.router.db")

#: Seconds a caller is asked to wait when a dependency is down (the 503's Retry-After).
HEALTH_RETRY_AFTER = 30
#: Seconds the health check waits for the broker.
BROKER_TIMEOUT = 2.0


#: The parts of the messages page its script redraws, and their templates.
LIVE_REGIONS = {"store-live": "db/_message_list_live.html"}


@staff_required
@require_http_methods(["GET", "POST"])
def message_list(request: HttpRequest) -> HttpResponse:
    """Show the messages by status with filters; POST ``retry_failed`` queues failed ones again.

    POST ``resend_unknown`` queues again the messages whose outcome is
    unknown (their worker died while the gateway had them). For staff
    only: anyone else logs in first, or gets 403.
    """
    form = TransmissionFilterForm(request.GET or None)
    queryset = form.filter(Transmission.objects.select_related("message")
                           .order_by("-date", "-pk"))
    if request.method == "POST":
        if request.POST.get("action") == "resend_unknown":
            return resend_unknown(request, form, queryset)
        return retry_failed(request, form, queryset)
    table = TransmissionTable(queryset)
    # The pages' own paging: a page size that makes no sense gives the
    # nearest sensible one, and no page shows more than 500 rows.
    configure_table(request, table)
    counts = (
        Transmission.objects.values("direction", "status")
        .annotate(count=Count("pk"))
        .order_by("direction", "status")
    )
    failed = queryset.filter(direction="O", status="failed").count()
    unknown = queryset.filter(direction="O", status="unknown").count()
    context = {"form": form, "table": table, "counts": counts, "failed": failed,
               "unknown": unknown}
    if wants_live_update(request):
        return vary_on_live(live_response(request, LIVE_REGIONS, context))
    return vary_on_live(render(request, "db/message_list.html", context))


def retry_failed(request: HttpRequest, form: TransmissionFilterForm, queryset: Any) -> HttpResponse:
    """Queue the failed outgoing transmissions matching the filters again."""
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Fix the filters first; nothing was retried."))
        return redirect(request.get_full_path())
    ids = queue_again(queryset, unknown=False, note=f"queued again by {request.user}")
    logger.info("%s queued %s failed transmission(s) again.", request.user, len(ids))
    messages.success(request, ngettext(
        "%(count)d failed message queued again.", "%(count)d failed messages queued again.",
        len(ids)) % {"count": len(ids)})
    return redirect(request.get_full_path())


def resend_unknown(
    request: HttpRequest, form: TransmissionFilterForm, queryset: Any
) -> HttpResponse:
    """Queue the outgoing transmissions of unknown outcome matching the filters again."""
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Fix the filters first; nothing was resent."))
        return redirect(request.get_full_path())
    ids = queue_again(queryset, unknown=True,
                      note=f"resent by {request.user}; it may arrive twice")
    logger.info("%s resent %s transmission(s) of unknown outcome.", request.user, len(ids))
    messages.success(request, ngettext(
        "%(count)d message of unknown outcome queued again.",
        "%(count)d messages of unknown outcome queued again.", len(ids)) % {"count": len(ids)})
    return redirect(request.get_full_path())


@never_cache
def health(request: HttpRequest) -> JsonResponse:
    """Report whether the database and the broker answer: 200 and ``{"ok": true}``, or 503.

    A load balancer or a monitor can use it as it is. Anyone gets only
    ``ok``; a logged-in staff user, or a caller sending one of
    ``RAPIDSMS_HEALTH_TOKENS`` as ``Authorization: Bearer <token>``, also
    gets each dependency's state, the backlog and the depth of each queue.
    A token that is not one of them is refused with 403. Names no host and
    no credential.
    """
    access = health_access(request)
    if access is HealthAccess.REFUSED:
        response = JsonResponse({"ok": False, "error": "The health token is not valid."},
                                status=403)
    elif access is HealthAccess.DETAILS:
        report: dict[str, Any] = {"database": check_database(), "broker": check_broker()}
        if report["database"]["ok"]:
            report["backlog"] = backlog()
        report["ok"] = report["database"]["ok"] and report["broker"]["ok"]
        response = JsonResponse(report, status=200 if report["ok"] else 503)
    else:
        # No queue depths here: an anonymous caller should cost one query
        # and one broker connection at most.
        healthy = check_database()["ok"] and check_broker(queue_depths=False)["ok"]
        response = JsonResponse({"ok": healthy}, status=200 if healthy else 503)
    if response.status_code == 503:
        response["Retry-After"] = str(HEALTH_RETRY_AFTER)
    patch_vary_headers(response, ["Authorization", "Cookie"])
    return response


class HealthAccess(enum.Enum):
    """What a caller of the health URL may see."""

    OK_ONLY = "ok"
    DETAILS = "details"
    REFUSED = "refused"


def health_access(request: HttpRequest) -> HealthAccess:
    """Return what the caller may see: staff and a valid token see details."""
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() == "bearer" and presented.strip():
        if token_is_valid(presented.strip()):
            return HealthAccess.DETAILS
        return HealthAccess.REFUSED
    user = getattr(request, "user", None)
    if user is not None and user.is_active and user.is_staff:
        return HealthAccess.DETAILS
    return HealthAccess.OK_ONLY


@never_cache
def metrics(request: HttpRequest) -> HttpResponse:
    """Answer Prometheus's scrape with the store's counts per backend (see :mod:`.metrics`).

    For a caller sending one of ``RAPIDSMS_METRICS_TOKENS`` (or of
    ``RAPIDSMS_HEALTH_TOKENS``) as ``Authorization: Bearer <token>``, and
    for logged-in staff. Anyone else gets 401, a wrong token 403.
    """
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    presented = presented.strip()
    if scheme.lower() == "bearer" and presented:
        allowed = token_is_valid(presented, "RAPIDSMS_METRICS_TOKENS") or token_is_valid(
            presented)
        if not allowed:
            return JsonResponse({"error": "The metrics token is not valid."}, status=403)
    else:
        user = getattr(request, "user", None)
        if user is None or not (user.is_active and user.is_staff):
            response = JsonResponse(
                {"error": "Send a token of RAPIDSMS_METRICS_TOKENS as a bearer token."},
                status=401)
            response["WWW-Authenticate"] = 'Bearer realm="rapidsms metrics"'
            return response
    try:
        from rapidsms.router.db.metrics import render_metrics

        body, content_type = render_metrics()
    except ImportError:
        logger.error("The metrics URL needs prometheus-client: pip install 'rapidsms[metrics]'.")
        return unavailable("prometheus-client is not installed on the server.")
    except DatabaseError:
        # The counts come from the message store: the scrape may be retried.
        logger.exception("The metrics could not be read from the database.")
        return unavailable("The database is unavailable; the metrics cannot be read now.")
    response = HttpResponse(body, content_type=content_type)
    patch_vary_headers(response, ["Authorization", "Cookie"])
    return response


def unavailable(error: str) -> JsonResponse:
    """Return a 503 JSON answer saying ``error``, with ``Retry-After`` as every 503 has."""
    response = JsonResponse({"error": error}, status=503)
    response["Retry-After"] = str(HEALTH_RETRY_AFTER)
    return response


def token_is_valid(presented: str, setting: str = "RAPIDSMS_HEALTH_TOKENS") -> bool:
    """Return whether ``presented`` is one of the tokens of ``setting``, in constant time."""
    tokens = getattr(settings, setting, None) or []
    if isinstance(tokens, str):
        tokens = [tokens]  # a bare string is one token, not one per character
    found = False
    for token in tokens:
        if token:
            # Every token is compared, so the time taken does not tell which matched.
            found |= hmac.compare_digest(str(token).encode(), presented.encode())
    return found


def check_database() -> dict[str, Any]:
    """Return ``{"ok": bool}`` after a trivial query."""
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return {"ok": True}
    except Exception as exc:
        logger.warning("Health check: the database does not answer: %s", exc)
        return {"ok": False, "error": type(exc).__name__}


def check_broker(queue_depths: bool = True) -> dict[str, Any]:
    """Return the broker's reachability and each queue's depth (``None`` when unknown)."""
    if celery_is_eager():
        return {"ok": True, "eager": True, "queues": {}}
    from rapidsms.router.db.dispatch import celery_app

    queues: dict[str, int | None] = {}
    try:
        with celery_app().connection_for_read() as conn:
            conn.ensure_connection(max_retries=1, timeout=BROKER_TIMEOUT)
            for name in all_queues() if queue_depths else []:
                queues[name] = queue_depth(conn, name)
    except Exception as exc:
        logger.warning("Health check: the broker does not answer: %s", exc)
        return {"ok": False, "error": type(exc).__name__, "queues": queues}
    return {"ok": True, "eager": False, "queues": queues}


def queue_depth(conn: Any, name: str) -> int | None:
    """Return the number of messages waiting in queue ``name``; None if it does not exist."""
    channel = conn.channel()
    try:
        return int(channel.queue_declare(queue=name, passive=True).message_count)
    except Exception:
        return None  # RabbitMQ answers a passive declare of an unknown queue with an error
    finally:
        try:
            channel.close()
        except Exception:
            pass


def backlog() -> dict[str, Any]:
    """Return the pending transmissions by status and the age of the oldest, in seconds."""
    pending = Transmission.objects.filter(status__in=PENDING)
    by_status = {
        row["status"]: row["count"]
        for row in pending.values("status").annotate(count=Count("pk")).order_by()
    }
    oldest = pending.aggregate(oldest=Min("date"))["oldest"]
    age = round((timezone.now() - oldest).total_seconds(), 1) if oldest else 0
    return {"pending": by_status, "oldest_pending_seconds": age}

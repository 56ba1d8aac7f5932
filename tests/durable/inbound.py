"""A minimal inbound HTTP endpoint for the tests: ``POST /inbound/`` with ``from`` and ``text``.

It does what every inbound view must with the durable router: answer 2xx
only once the message is stored, and 503 (the gateway retries) when the
database is unavailable.
"""

from __future__ import annotations

from django.contrib import admin
from django.db import OperationalError
from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_POST

from rapidsms.router import lookup_connections, receive
from rapidsms.router.db import unavailable_response


@csrf_exempt
@require_POST
def inbound(request: HttpRequest) -> JsonResponse:
    identity = request.POST.get("from", "").strip()
    text = request.POST.get("text", "")
    if not identity or not text:
        return JsonResponse({"error": "'from' and 'text' are required"}, status=400)
    try:
        connection = lookup_connections("sink", [identity])[0]
        msg = receive(text, connection, fields={"external_id": request.POST.get("id", "")})
    except OperationalError:  # MessageStoreUnavailable is one
        return unavailable_response()
    return JsonResponse({"id": msg.id})


urlpatterns = [
    path("admin/", admin.site.urls),
    path("inbound/", inbound),
    path("rapidsms/", include("rapidsms.router.db.urls")),
]

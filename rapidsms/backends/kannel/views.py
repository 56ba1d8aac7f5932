"""Inbound views of the Kannel gateway, with RapidSMS 2.x's names.

``KannelBackendView`` is the URL of Kannel's ``sms-service`` (``get-url``):
a GET whose query carries the sender (``id``) and the text, plus
``charset`` and ``coding`` to read the text with. It answers ``200`` with an
empty body, because Kannel would send any text in the answer back to the
phone as an SMS.

``KannelStatusView`` is the URL of the ``dlr-url`` that
:class:`~rapidsms.backends.kannel.KannelBackend` hands Kannel with each
message; :mod:`rapidsms.backends.kannel.reports` lists its parameters.
``DeliveryReportView`` is the same view under RapidSMS 2.x's name, usable
at one URL for every Kannel backend (see ``rapidsms.backends.kannel.urls``).

Both run on :mod:`rapidsms.backends.inbound.views`: the backend's
``inbound_secrets`` are checked first (Kannel can only template a URL, so
the secret goes in its ``token`` parameter), a bad request is refused with
400 and a JSON error naming the field, and Kannel's retry of a message with
the same ``msgid`` is routed once.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus, unquote_to_bytes

from django.http import HttpRequest, HttpResponse

from rapidsms.backends.http.views import BaseHttpBackendView
from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.backends.inbound.security import TOKEN_PARAM
from rapidsms.backends.inbound.views import BadRequest, NotFound, StatusView, raw_data
from rapidsms.backends.kannel.forms import KannelForm
from rapidsms.backends.kannel.reports import filled, status_for_code
from rapidsms.backends.kannel.text import TextNotDecodable, decode_text
from rapidsms.backends.status import Status


def empty_response() -> HttpResponse:
    """Return the answer Kannel gets: 200 and nothing it could forward to the phone."""
    return HttpResponse(b"", content_type="text/plain; charset=utf-8")


def raw_query(query: str) -> dict[str, bytes]:
    """Return the fields of a query string with their values as bytes (the last one wins).

    Django decodes the query as UTF-8, which garbles the UTF-16 text of a
    UCS-2 message; the bytes are decoded later, per field.
    """
    fields: dict[str, bytes] = {}
    for pair in query.split("&"):
        if not pair:
            continue
        name, _, value = pair.partition("=")
        fields[unquote_plus(name)] = unquote_to_bytes(value.replace("+", " "))
    return fields


def read_query(request: HttpRequest) -> dict[str, str]:
    """Return the request's query fields as text, ``text`` decoded per ``charset``/``coding``.

    Raise :class:`BadRequest` naming a field that is not valid in its charset.
    """
    request.GET  # noqa: B018  (applies Django's limits on the number of fields)
    raw = raw_query(request.META.get("QUERY_STRING", ""))
    fields: dict[str, str] = {}
    for name, value in raw.items():
        if name in ("text", TOKEN_PARAM):
            continue
        try:
            fields[name] = value.decode("utf-8")
        except UnicodeDecodeError:
            raise BadRequest(f"The field {name!r} is not valid UTF-8.", field=name) from None
    if "text" in raw:
        try:
            fields["text"] = decode_text(raw["text"], fields.get("charset"), fields.get("coding"))
        except TextNotDecodable as exc:
            raise BadRequest(f"The field 'text' cannot be read: {exc}", field="text") from None
    return fields


class KannelBackendView(BaseHttpBackendView):
    """Receive a message from Kannel's sms-service ``get-url`` (GET only)."""

    http_method_names = ["get"]
    form_class = KannelForm
    identity_field = "id"
    text_field = "text"
    external_id_field = "msgid"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {"data": read_query(self.request), "backend_name": self.backend_name,
                **self.get_params()}

    def success_response(self, request: HttpRequest, items: list[Any]) -> HttpResponse:
        return empty_response()


class KannelStatusView(StatusView):
    """Receive a delivery report from Kannel's ``dlr-url`` (GET only).

    Reads ``status`` (``%d``, required), ``message_id`` (ours),
    ``identity`` (``%p``), ``foreign_id`` (``%F``, the SMSC's id, kept as
    ``external_id``) and ``status_text`` (``%A``, kept as ``error`` for a
    failure); every parameter is kept in ``raw``.
    """

    http_method_names = ["get"]
    identity_field = "identity"
    status_field = "status"

    def parse_report(self, request: HttpRequest) -> DeliveryReport:
        data = self.read_form(request)
        raw_status = self.require(data, "status").strip()
        status = status_for_code(raw_status)
        if status is None:
            raise BadRequest(
                f"The field 'status' has {raw_status[:40]!r}, which is not a Kannel delivery "
                "report code (1, 2, 4, 8 or 16).", field="status",
            )
        status_text = filled(data.get("status_text"))
        raw = raw_data(data)  # without our token
        return DeliveryReport(
            status=status,
            raw_status=raw_status,
            error=status_text if status == Status.FAILED else "",
            message_id=filled(data.get("message_id")),
            external_id=filled(data.get("foreign_id")),
            identity=filled(data.get("identity")),
            raw=raw,
        )

    def success_response(self, request: HttpRequest, items: list[Any]) -> HttpResponse:
        return empty_response()


class DeliveryReportView(KannelStatusView):
    """RapidSMS 2.x's delivery report view: one URL for every Kannel backend.

    The backend is the one named by ``as_view(backend_name=...)``, else by
    the ``backend`` query parameter (which :class:`KannelBackend` adds to
    the dlr-url it builds for this URL), else the only Kannel backend
    configured.
    """

    def get_backend(self) -> Any:
        from rapidsms.backends.kannel.outgoing import KannelBackend

        if not self.backend_name:
            self.backend_name = self.request.GET.get("backend") or self.only_kannel_backend()
        backend = super().get_backend()
        # The name comes from the request: never let it pick a backend that
        # is not Kannel's (one without inbound_secrets would skip the token check).
        if not isinstance(backend, KannelBackend):
            raise NotFound(f"No Kannel backend named {self.backend_name!r} is configured.")
        return backend

    def only_kannel_backend(self) -> str:
        """Return the name of the one configured Kannel backend; else :class:`NotFound`."""
        from rapidsms.backends.kannel.outgoing import KannelBackend
        from rapidsms.router import get_router

        names = [name for name, backend in getattr(get_router(), "backends", {}).items()
                 if isinstance(backend, KannelBackend)]
        if len(names) != 1:
            raise NotFound(
                f"{len(names)} Kannel backends are configured; add backend=<name> to the "
                "delivery report URL to say which one the report is for."
            )
        return names[0]

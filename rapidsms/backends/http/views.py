"""Inbound views of the generic HTTP gateway, with RapidSMS 2.x's names.

``GenericHttpBackendView`` answers GET and POST: form fields (or a JSON
object) named by ``params`` carry the sender and the text; it answers
``200 OK``. It runs on :class:`~rapidsms.backends.inbound.views.InboundView`,
so it checks the backend's ``inbound_secrets``, refuses a bad request with
400 and a JSON error naming the field (RapidSMS 2.x answered a bare
"form failed to validate"), and routes a gateway retry once.

``GenericHttpStatusView`` takes delivery reports: ``status`` (required),
``message_id``, ``external_id``, ``identity`` and ``error``.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import transaction
from django.http import HttpRequest, HttpResponse, QueryDict

from rapidsms.backends.http.forms import BaseHttpForm, GenericHttpForm
from rapidsms.backends.inbound.intake import logger as intake_logger
from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.backends.inbound.views import (
    BadRequest,
    GatewayMessage,
    InboundView,
    StatusView,
    raw_data,
)


def read_data(view: Any, request: HttpRequest) -> QueryDict | dict[str, Any]:
    """Return the request's fields: a JSON object body, else the form data."""
    if request.content_type == "application/json" and request.method != "GET":
        return view.read_json(request)
    return view.read_form(request)


class BaseHttpBackendView(InboundView):
    """Receive a message through a Django form (RapidSMS 2.x's contract).

    Set :attr:`form_class` to a :class:`~rapidsms.backends.http.forms.BaseHttpForm`;
    ``params`` are passed to the form as keyword arguments. A valid form
    goes to :meth:`form_valid`, an invalid one to :meth:`form_invalid`.
    """

    http_method_names = ["post"]
    form_class: type[BaseHttpForm] | None = None
    #: Keyword arguments for the form, passed only when set (``as_view(params=...)``
    #: works too); RapidSMS 2.x passed none by default, so a form of one's own
    #: need not accept any.
    params: dict[str, Any] = {}
    # The URLconf entry is the configuration, as in RapidSMS 2.x.
    serves_unconfigured_backend = True

    def handle(self, request: HttpRequest) -> HttpResponse:
        # Through get()/post(), so that a RapidSMS 2.x subclass overriding them still runs.
        handler = getattr(self, request.method.lower(), None) if request.method else None
        if handler is None:
            return self.http_method_not_allowed(request)
        return handler(request, *self.args, **self.kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Handle a GET like a POST: gateways send messages with either."""
        return self.post(request, *args, **kwargs)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        """Validate the request with the form, then route it or refuse it."""
        form = self.get_form()
        if form.is_valid():
            return self.form_valid(form)
        return self.form_invalid(form)

    def get_form_class(self) -> type[BaseHttpForm]:
        """Return the form class."""
        if self.form_class is None:
            raise NotImplementedError(f"{type(self).__name__} must set form_class.")
        return self.form_class

    def get_params(self) -> dict[str, Any]:
        """Return the form's extra keyword arguments from :attr:`params`."""
        return dict(self.params or {})

    def get_form_kwargs(self) -> dict[str, Any]:
        """Return the arguments to build the form: data, ``backend_name``, params."""
        return {"data": read_data(self, self.request), "backend_name": self.backend_name,
                **self.get_params()}

    def get_form(self, form_class: type[BaseHttpForm] | None = None) -> BaseHttpForm:
        """Return the form bound to the request's data."""
        return (form_class or self.get_form_class())(**self.get_form_kwargs())

    def form_valid(self, form: BaseHttpForm) -> HttpResponse:
        """Route the message of a valid form and answer the gateway."""
        from rapidsms.router import get_router

        # The form creates the connection before the message is checked: a
        # message refused by the check must not leave a connection behind.
        if getattr(get_router(), "stores_incoming_first", False):
            # The router only stores the message: the connection, the claim
            # on the gateway's id and the message go in one transaction.
            message = self.route_in_one_transaction(form)
        else:
            with transaction.atomic():
                message = self.message_of(form)
            self.route(message)
        return self.success_response(self.request, [message])

    def message_of(self, form: BaseHttpForm) -> GatewayMessage:
        """Return the checked message of a valid form (its connection found or made)."""
        data = form.get_incoming_data()
        fields = dict(data.get("fields") or {})
        connection = data["connection"]
        message = GatewayMessage(
            identity=connection.identity,
            text=data["text"],
            external_id=str(fields.get("external_id") or ""),
            fields=fields,
            connection=connection,
        )
        return self.clean_message(message)

    def route_in_one_transaction(self, form: BaseHttpForm) -> GatewayMessage:
        """Read, check and route the form's message in one transaction; return the message.

        Work the router does once the message is committed (in eager mode)
        may fail after that: the message is stored, so the gateway is
        answered 200 and the failure logged, as the intake does.
        """
        stored: list[bool] = []
        try:
            with transaction.atomic():
                transaction.on_commit(lambda: stored.append(True))
                message = self.message_of(form)
                self.route(message)
        except Exception:
            if not stored:
                raise
            intake_logger.exception("Backend %s: message %s was stored, then failed.",
                             self.backend_name, message.external_id)
        return message

    def form_invalid(self, form: BaseHttpForm) -> HttpResponse:
        """Refuse the request with 400, naming the first invalid field."""
        name, errors = next(iter(form.errors.items()))
        if name == "__all__":
            raise BadRequest(f"The request is invalid: {' '.join(errors)}")
        raise BadRequest(f"The field {name!r} is invalid: {' '.join(errors)}", field=name)


class GenericHttpBackendView(BaseHttpBackendView):
    """Receive a message as GET or POST fields (or a JSON object), RapidSMS 2.x style.

    Field names come from :attr:`params` (``identity_name``, ``text_name``,
    ``id_name``), overridden by the backend's ``inbound_params`` option; the
    form's defaults are ``identity``, ``text`` and ``id``. Only the names
    that are set are passed to the form, as in RapidSMS 2.x, so a subclass
    with a :attr:`form_class` of its own gets no arguments it does not know.
    """

    http_method_names = ["get", "post"]
    form_class = GenericHttpForm
    params: dict[str, Any] = {}

    def get_params(self) -> dict[str, Any]:
        configured = {key: value for key, value in
                      (getattr(self.backend, "inbound_params", None) or {}).items()
                      if value is not None}
        params = {**super().get_params(), **configured}
        self.identity_field = params.get("identity_name") or "identity"
        self.text_field = params.get("text_name") or "text"
        self.external_id_field = params.get("id_name") or "id"
        return params


class GenericHttpStatusView(StatusView):
    """Receive a delivery report as GET or POST fields, or a JSON object.

    Fields: ``status`` (a word of the backend's ``status_map``), and
    optionally ``message_id`` (ours, as sent with ``id_name`` or in the
    ``status_url``), ``external_id``, ``identity`` and ``error``.
    """

    http_method_names = ["get", "post"]

    def parse_report(self, request: HttpRequest) -> DeliveryReport:
        data = read_data(self, request)
        raw_status = self.require(data, "status")
        map_status = getattr(self.backend, "map_status", None)
        status = map_status(raw_status) if map_status else raw_status.strip().lower()
        if status is None:
            raise BadRequest(
                f"The field 'status' has an unknown status {raw_status[:40]!r}; map it with the "
                "backend's status_map option.", field="status",
            )
        raw = raw_data(data)  # without our token
        return DeliveryReport(
            status=status,
            raw_status=raw_status,
            message_id=self.optional(data, "message_id") or self.optional(
                request.GET, "message_id"),  # a POST to the status_url: ours is in its query
            external_id=self.optional(data, "external_id"),
            identity=self.optional(data, "identity"),
            error=self.optional(data, "error"),
            raw=json.loads(json.dumps(raw, default=str)),
        )

    def optional(self, data: Any, name: str) -> str:
        """Return field ``name`` as text, ``""`` when absent."""
        value = data.get(name)
        return "" if value in (None, "") else self.require(data, name)

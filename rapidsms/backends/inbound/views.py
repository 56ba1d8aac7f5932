"""Base views that receive messages and delivery reports from gateways.

Every request goes through the same steps, in this order:

1. the method is one the gateway uses (:attr:`GatewayView.http_method_names`),
   else 405;
2. the backend named in the URL is configured, else 404 (503 when its
   ENGINE could not be loaded; RapidSMS 2.x-style views serve an
   unconfigured name, see :attr:`GatewayView.serves_unconfigured_backend`);
3. the authentication chain (:mod:`~rapidsms.backends.inbound.auth`): the
   shared secret and the gateway's own signature, **before the body is
   read**; a failure is 403;
4. the gateway's hook parses the request: :meth:`InboundView.parse_message`
   or :meth:`StatusView.parse_report`, with the readers of
   :mod:`~rapidsms.backends.inbound.request`; a malformed body or a missing
   field is 400 with ``{"error": "...", "field": "..."}``;
5. identities are normalised (an impossible phone number is 400), then each
   message goes through the :mod:`~rapidsms.backends.inbound.intake`
   (de-duplicated and routed), or each report is stored and signalled;
6. :meth:`GatewayView.success_response` answers the gateway.

Nothing a sender puts in a request produces a 500: a request that cannot be
read is 400 (413 when its body is larger than allowed, whatever its content
type). A fault of ours is never blamed on the sender: when a dependency is
down (the database, the broker) the answer is 503 with ``Retry-After``, and
any other exception is logged with its traceback and answered 500; either
way the gateway sends the request again later and nothing is lost.

A gateway's views subclass :class:`InboundView` and :class:`StatusView`::

    class AcmeInboundView(InboundView):
        http_method_names = ["post"]
        identity_field, text_field, external_id_field = "from", "body", "id"

        def parse_message(self, request):
            data = self.read_json(request)
            return GatewayMessage(
                identity=self.require(data, "from"),
                text=self.require(data, "body"),
                external_id=str(data.get("id") or ""),
            )

The errors (:class:`~rapidsms.errors.InboundError` and its subclasses),
:class:`GatewayMessage` and the readers are importable from here too, where
gateways written for earlier releases import them.
"""

from __future__ import annotations

import functools
import logging
from typing import Any

from django.core.exceptions import BadRequest as DjangoBadRequest
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import Error as AnyDatabaseError  # DatabaseError, InterfaceError
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from rapidsms.backends.http_base import DEFAULT_DEDUPE_WINDOW
from rapidsms.backends.inbound import request as reading
from rapidsms.backends.inbound.auth import (
    Authenticator,
    GatewaySignature,
    SharedSecret,
    TokenSource,
    header_token,
    query_tokens,
)
from rapidsms.backends.inbound.intake import GatewayMessage, Intake
from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.backends.inbound.reports import record_delivery_report
from rapidsms.backends.inbound.request import (
    MAX_FIELD_LENGTH,
    MAX_JSON_DEPTH,
    json_depth,
    raw_data,
    storable,
)
from rapidsms.backends.status import Status
from rapidsms.errors import (
    BadRequest,
    Forbidden,
    InboundError,
    NotFound,
    PayloadTooLarge,
    ServerError,
    Unavailable,
)

__all__ = [
    "MAX_FIELD_LENGTH", "MAX_JSON_DEPTH", "BadRequest", "Forbidden", "GatewayMessage",
    "GatewayView", "InboundError", "InboundView", "NotFound", "PayloadTooLarge", "ServerError",
    "StatusView", "Unavailable", "is_dependency_error", "json_depth", "raw_data",
    "record_delivery_report", "storable", "unconfigured_backend",
]

logger = logging.getLogger("rapidsms.backends.inbound")


class GatewayView(View):
    """What inbound and status views share: backend lookup, authentication, errors.

    Hooks: :attr:`http_method_names`, :attr:`authenticators`,
    :attr:`token_sources`, :meth:`verify_signature`, :meth:`handle` (the
    view's work), :meth:`success_response`. Readers for parsing hooks:
    :meth:`read_form`, :meth:`read_json`, :meth:`require`.
    """

    #: The backend this view serves; set by ``as_view(backend_name=...)`` or the URL.
    backend_name: str | None = None
    #: The methods the gateway uses; any other gets 405.
    http_method_names: list[str] = ["post"]
    #: The authentication chain, run in order before the body is read.
    #: Extend it (``[*InboundView.authenticators, AcmeApiKey()]``), never copy it.
    authenticators: list[Authenticator] = [SharedSecret(), GatewaySignature()]
    #: Where :class:`~rapidsms.backends.inbound.auth.SharedSecret` looks for
    #: the token; extend it for a gateway that sends the token its own way.
    token_sources: list[TokenSource] = [header_token, query_tokens]
    #: What a request without a valid token is told.
    missing_token_message = (
        "Missing or wrong token: send one of the backend's inbound_secrets in the "
        "X-RapidSMS-Token header or the token query parameter."
    )
    #: Serve a ``backend_name`` that is not in ``INSTALLED_BACKENDS`` (as
    #: RapidSMS 2.x's views did: the URLconf entry was the configuration)
    #: instead of answering 404. System check ``rapidsms.backends.W003``
    #: reports every such URL.
    serves_unconfigured_backend = False
    #: Largest body accepted, in bytes, whatever its content type; None
    #: means Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE``. Larger bodies get 413
    #: before they are read.
    max_body_size: int | None = None

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        # Gateways cannot send Django's CSRF token; the shared secret replaces it.
        return csrf_exempt(super().as_view(**initkwargs))

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if kwargs.get("backend_name"):
            self.backend_name = kwargs["backend_name"]
        if request.method is None or request.method.lower() not in self.http_method_names:
            return self.http_method_not_allowed(request, *args, **kwargs)
        try:
            reading.check_readable(request)
            self.backend = self.get_backend()
            self.authenticate(request)
            self.check_body_size(request)
            return self.handle(request)
        except InboundError as exc:
            return self.refuse(request, exc)
        except RequestDataTooBig:
            return self.refuse(request, PayloadTooLarge("The request body is too large."))
        # Django's own refusals of a body it cannot parse: a form in another
        # charset than UTF-8, a multipart body without a valid boundary.
        except (SuspiciousOperation, DjangoBadRequest, MultiPartParserError) as exc:
            return self.refuse(request, BadRequest(f"The request was refused: {exc}"))
        except UnicodeEncodeError:
            # Encoding is something we do to text we hold: a fault of ours.
            return self.fail(request, ServerError("The request could not be handled."))
        except UnicodeError as exc:
            # Decoding the sender's bytes failed (UnicodeDecodeError, or the
            # plain UnicodeError of codecs such as idna).
            return self.refuse(request, BadRequest(f"The request cannot be decoded: {exc}"))
        except Exception as exc:
            if is_dependency_error(exc):
                return self.fail(request, Unavailable(
                    "Temporarily unable to accept the request; send it again later."))
            fault = Unavailable if self.faults_answer_unavailable else ServerError
            return self.fail(request, fault(
                "The request could not be handled because of an error of ours; "
                "send it again later."))

    #: Answer a fault of ours 503 with ``Retry-After`` instead of 500, for a
    #: gateway that retries only such answers (RapidPro's webhooks).
    faults_answer_unavailable = False

    def check_body_size(self, request: HttpRequest) -> None:
        """Raise :class:`PayloadTooLarge` for a body over :attr:`max_body_size`, unread."""
        reading.check_body_size(request, self.max_body_size)

    def fail(self, request: HttpRequest, error: InboundError) -> HttpResponse:
        """Log a fault of ours (with the traceback being handled) and return its JSON answer.

        Called from an ``except`` block. The log names the backend, the
        method and the path, never the query string (it may hold the token).
        """
        logger.exception(
            "Backend %s: a %s request to %s failed with %s: %s",
            self.backend_name, request.method, request.path, error.status_code, error.message,
        )
        return error.as_response()

    def refuse(self, request: HttpRequest, error: InboundError) -> HttpResponse:
        """Log a refused request (never its secrets) and return its JSON answer."""
        logger.warning(
            "Backend %s refused a %s request from %s with %s: %s",
            self.backend_name, request.method, request.META.get("REMOTE_ADDR", "?"),
            error.status_code, error.message,
        )
        return error.as_response()

    def get_backend(self) -> Any:
        """Return the router's backend object for :attr:`backend_name`.

        A backend whose ENGINE could not be loaded is our fault: 503, so the
        gateway sends again once it is fixed. A backend that is not
        configured at all is 404, unless :attr:`serves_unconfigured_backend`.
        """
        from rapidsms.router import get_router

        router = get_router()
        name = self.backend_name or ""
        backend = getattr(router, "backends", {}).get(name)
        if backend is not None:
            return backend
        if name in getattr(router, "unavailable_backends", {}):
            logger.error("Backend %s could not be loaded; its gateway is told to retry: %s",
                         name, router.unavailable_backends[name])
            raise Unavailable(f"The backend {name!r} is not available now.")
        if self.serves_unconfigured_backend and name:
            return unconfigured_backend(name)
        raise NotFound(f"No backend named {self.backend_name!r} is configured.")

    def authenticate(self, request: HttpRequest) -> None:
        """Run every one of :attr:`authenticators`; the first that refuses raises.

        Runs before anything reads the body. To add a check, extend
        :attr:`authenticators` rather than overriding this method.
        """
        for authenticator in self.authenticators:
            authenticator.authenticate(self, request)

    def verify_signature(self, request: HttpRequest) -> bool | None:
        """Return whether the gateway's own signature of the request is valid.

        Called by :class:`~rapidsms.backends.inbound.auth.GatewaySignature`
        after the shared-secret check, before any parsing hook. Return True
        for a valid signature, False for a missing or wrong one (the request
        gets 403), or None when this gateway does not sign requests (the
        default). Compare in constant time (``hmac.compare_digest``).
        """
        return None

    def get_inbound_secrets(self) -> list[str]:
        """Return the backend's ``inbound_secrets`` (none for a backend without the option)."""
        secrets = getattr(self.backend, "inbound_secrets", None)
        if secrets is None:
            # A RapidSMS 2.x add-on's configure(**kwargs) ignores the option,
            # but it is kept in _config: the add-on's view can be secured too.
            secrets = getattr(self.backend, "_config", {}).get("inbound_secrets")
        if isinstance(secrets, str):
            secrets = [secrets]
        return [secret for secret in secrets or [] if isinstance(secret, str) and secret]

    def handle(self, request: HttpRequest) -> HttpResponse:
        """Do the view's work on an authenticated request and return the answer."""
        raise NotImplementedError

    def success_response(self, request: HttpRequest, items: list[Any]) -> HttpResponse:
        """Return the answer to a request that was handled (or was a duplicate).

        ``items`` are the messages or reports of the request. The default is
        ``200 OK`` with the body ``OK``, as RapidSMS 2.x answered. A gateway
        that would forward the body as an SMS (Kannel) answers an empty one.
        """
        return HttpResponse("OK", content_type="text/plain; charset=utf-8")

    # Readers for the parsing hooks (rapidsms.backends.inbound.request) ---------

    def read_form(self, request: HttpRequest) -> QueryDict:
        """Return the form data: the query string for GET, the body for POST."""
        return reading.read_form(request)

    def read_json(self, request: HttpRequest) -> dict[str, Any]:
        """Return the JSON object in the body; raise :class:`BadRequest` otherwise."""
        return reading.read_json(request)

    def require(self, data: Any, name: str) -> str:
        """Return field ``name`` of ``data`` as text; raise :class:`BadRequest` naming it."""
        return reading.require(data, name)

    def clean_text(
        self, value: Any, name: str, *, required: bool = True, max_length: int | None = None
    ) -> str:
        """Return ``value`` if it is storable text; raise :class:`BadRequest` naming the field."""
        return reading.clean_text(value, name, required=required, max_length=max_length)

    def clean_identity(self, value: Any, name: str) -> str:
        """Return the identity normalised by the backend (E.164); else :class:`BadRequest`."""
        return reading.clean_identity(value, name, self.backend)


class InboundView(GatewayView):
    """Receive messages from a gateway and route them.

    Subclasses implement :meth:`parse_message` (or :meth:`parse_messages`
    for a gateway that posts several at once) and may set the field names
    used in error messages. A message whose ``external_id`` was routed within
    the backend's ``dedupe_window`` is answered like a new one but not routed
    again.
    """

    #: The gateway's names of the sender, text and message-id fields, for errors.
    identity_field = "identity"
    text_field = "text"
    external_id_field = "id"
    #: What claims, de-duplicates and routes the messages (subclass it to do
    #: more for every message of a gateway, polled or posted).
    intake_class: type[Intake] = Intake

    def parse_message(self, request: HttpRequest) -> GatewayMessage:
        """Return the message in ``request``; raise :class:`BadRequest` naming a bad field.

        Called after authentication. Use :meth:`read_form`, :meth:`read_json`
        and :meth:`require`. The view normalises and checks the result.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement parse_message().")

    def parse_messages(self, request: HttpRequest) -> list[GatewayMessage]:
        """Return every message in ``request``; the default wraps :meth:`parse_message`."""
        return [self.parse_message(request)]

    def handle(self, request: HttpRequest) -> HttpResponse:
        messages = [self.clean_message(message) for message in self.parse_messages(request)]
        if not messages:
            raise BadRequest("The request holds no message.")
        for message in messages:
            self.route(message)
        return self.success_response(request, messages)

    def clean_message(self, message: GatewayMessage) -> GatewayMessage:
        """Return ``message`` checked and with its identity normalised."""
        message.text = self.clean_text(message.text, self.text_field)
        message.external_id = self.clean_text(
            message.external_id, self.external_id_field, required=False,
            max_length=MAX_FIELD_LENGTH,
        )
        if message.connection is None:
            message.identity = self.clean_identity(message.identity, self.identity_field)
        if not storable(message.fields):
            raise BadRequest("A field contains a value that cannot be stored "
                             "(NUL, an unpaired surrogate, NaN or Infinity).")
        return message

    def get_dedupe_window(self) -> int:
        """Return the backend's ``dedupe_window`` in seconds (0: no de-duplication)."""
        return int(getattr(self.backend, "dedupe_window", DEFAULT_DEDUPE_WINDOW) or 0)

    def get_intake(self) -> Intake:
        """Return the :attr:`intake_class` for this backend, routing with :meth:`pass_to_router`."""
        return self.intake_class(self.backend, self.get_dedupe_window(),
                                 hand_over=self.pass_to_router)

    def route(self, message: GatewayMessage) -> bool:
        """Pass ``message`` through the intake; return False for a duplicate left unrouted."""
        try:
            return self.get_intake().route(message)
        except UnicodeError as exc:
            # The sender's bytes were read and decoded before this: a
            # UnicodeError from the claim, the router or an app is a fault of
            # ours, to be answered 500 (so the gateway retries), not 400.
            raise RuntimeError(f"Routing the message failed: {exc!r}") from exc

    def pass_to_router(self, message: GatewayMessage) -> None:
        """Hand a claimed message to the router (override to do something first)."""
        self.get_intake().pass_to_router(message)


class StatusView(GatewayView):
    """Receive delivery reports from a gateway, store them and send the signal.

    Subclasses implement :meth:`parse_report` (or :meth:`parse_reports`),
    returning unsaved :class:`~rapidsms.backends.inbound.models.DeliveryReport`
    objects with the gateway's status already mapped to
    :class:`~rapidsms.backends.status.Status`.
    """

    #: The gateway's names of the recipient, status and message-id fields, for errors.
    identity_field = "identity"
    status_field = "status"
    external_id_field = "external_id"

    def parse_report(self, request: HttpRequest) -> DeliveryReport:
        """Return the report in ``request`` (unsaved); raise :class:`BadRequest`.

        Called after authentication. Set ``status`` (a :class:`Status`),
        ``raw_status``, ``error``, ``message_id``, ``external_id``,
        ``identity`` and ``raw`` (use :func:`raw_data` for form data).
        """
        raise NotImplementedError(f"{type(self).__name__} must implement parse_report().")

    def parse_reports(self, request: HttpRequest) -> list[DeliveryReport]:
        """Return every report in ``request``; the default wraps :meth:`parse_report`."""
        return [self.parse_report(request)]

    def handle(self, request: HttpRequest) -> HttpResponse:
        reports = [self.clean_report(report) for report in self.parse_reports(request)]
        if not reports:
            raise BadRequest("The request holds no delivery report.")
        for report in reports:
            record_delivery_report(self.backend, report)
        return self.success_response(request, reports)

    def clean_report(self, report: DeliveryReport) -> DeliveryReport:
        """Return ``report`` checked, with its identity normalised when it has one."""
        if report.status not in Status.values:
            raise BadRequest(
                f"The field {self.status_field!r} has an unknown status "
                f"{str(report.raw_status or report.status)[:40]!r}.", field=self.status_field,
            )
        for name in ("message_id", "external_id", "raw_status"):
            field = self.external_id_field if name == "external_id" else name
            setattr(report, name, self.clean_text(getattr(report, name), field, required=False,
                                                  max_length=MAX_FIELD_LENGTH))
        report.error = self.clean_text(report.error, "error", required=False)
        if report.identity:
            report.identity = self.clean_identity(report.identity, self.identity_field)
        if not storable(report.raw):
            raise BadRequest("A field contains a value that cannot be stored "
                             "(NUL, an unpaired surrogate, NaN or Infinity).")
        return report


def is_dependency_error(exc: BaseException) -> bool:
    """Return True when ``exc`` (or an error it was raised from) says a service is down.

    The services are the database and Celery's broker; a connection or a
    timeout that failed counts too. Such a request is answered 503 with
    ``Retry-After``; any other exception is a fault of ours (500).
    """
    try:
        from kombu.exceptions import OperationalError as BrokerError
    except ImportError:  # Celery is an extra
        BrokerError = AnyDatabaseError  # noqa: N806
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, AnyDatabaseError | ConnectionError | TimeoutError | BrokerError):
            return True
        seen = seen.__cause__
    return False


@functools.cache
def unconfigured_backend(name: str) -> Any:
    """Return a stand-in for backend ``name``, which a URLconf names but settings do not.

    It has no options: no secret, the default de-duplication window, E.164
    identities. Messages are routed; replies fail until the backend is added
    to ``INSTALLED_BACKENDS`` (the router logs each).
    """
    from rapidsms.backends.base import BackendBase

    logger.warning(
        "Backend %r is served by a URL but is not in INSTALLED_BACKENDS: its messages are "
        "routed without a secret, and replies cannot be sent. Add INSTALLED_BACKENDS[%r] "
        "with its ENGINE and 'inbound_secrets' (system check rapidsms.backends.W003).",
        name, name,
    )
    return BackendBase(None, name)

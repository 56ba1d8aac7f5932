"""Base views that receive messages and delivery reports from gateways.

Every request goes through the same steps, in this order:

1. the method is one the gateway uses (:attr:`GatewayView.http_method_names`),
   else 405;
2. the backend named in the URL is configured, else 404 (503 when its
   ENGINE could not be loaded; RapidSMS 2.x-style views serve an
   unconfigured name, see :attr:`GatewayView.serves_unconfigured_backend`);
3. :meth:`GatewayView.authenticate`: the shared secret
   (:mod:`~rapidsms.backends.inbound.security`) and the gateway's own
   signature (:meth:`GatewayView.verify_signature`), **before the body is
   read**; a failure is 403;
4. the gateway's hook parses the request: :meth:`InboundView.parse_message`
   or :meth:`StatusView.parse_report`; a malformed body or a missing field is
   400 with ``{"error": "...", "field": "..."}``;
5. identities are normalised (an impossible phone number is 400), then each
   message is de-duplicated and routed, or each report stored and signalled;
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
"""

from __future__ import annotations

import functools
import json
import logging
import math
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import BadRequest as DjangoBadRequest
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db import Error as AnyDatabaseError  # DatabaseError, InterfaceError
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from rapidsms.backends.http_base import DEFAULT_DEDUPE_WINDOW
from rapidsms.backends.inbound import dedupe, tables_installed
from rapidsms.backends.inbound.models import DeliveryReport
from rapidsms.backends.inbound.reports import record_delivery_report
from rapidsms.backends.inbound.security import TOKEN_PARAM, TooManyTokens, request_has_secret
from rapidsms.backends.phone_numbers import InvalidIdentity, normalize_identity
from rapidsms.backends.status import Status
from rapidsms.middleware import unreadable_request

logger = logging.getLogger("rapidsms.backends.inbound")

#: Longest identity, gateway id or raw status stored (the columns' size).
MAX_FIELD_LENGTH = 255
#: Deepest nesting of a JSON body accepted; gateways send a few levels, and
#: deeper bodies would exhaust the stack of the code that walks them.
MAX_JSON_DEPTH = 64


class InboundError(Exception):
    """A request refused with a JSON error; raise a subclass from a parsing hook."""

    status_code = 400

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

    def as_response(self) -> JsonResponse:
        """Return the JSON answer the gateway gets."""
        body = {"error": self.message}
        if self.field:
            body["field"] = self.field
        return JsonResponse(body, status=self.status_code)


class BadRequest(InboundError):
    """The body is malformed or a field is missing or invalid (400)."""


class Forbidden(InboundError):
    """The request did not prove it comes from the gateway (403)."""

    status_code = 403


class NotFound(InboundError):
    """No backend of that name is configured (404)."""

    status_code = 404


class PayloadTooLarge(InboundError):
    """The body is larger than Django's ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (413)."""

    status_code = 413


class ServerError(InboundError):
    """A fault of ours, not of the request: logged with its traceback (500).

    The gateway sends the request again later; nothing it sent is lost.
    """

    status_code = 500


class Unavailable(InboundError):
    """We could not handle a valid request now; the gateway should retry (503).

    The answer carries ``Retry-After`` so that a gateway that honours it
    waits rather than hammering a service that is down.
    """

    status_code = 503
    #: Seconds the gateway is asked to wait before it sends again.
    retry_after = 30

    def as_response(self) -> JsonResponse:
        response = super().as_response()
        response["Retry-After"] = str(self.retry_after)
        return response


@dataclass
class GatewayMessage:
    """A message as a gateway delivered it, before it is routed.

    ``identity`` is the sender as the gateway wrote it (normalised by the
    view), ``external_id`` the gateway's id of the message (used to route a
    retry once; ``""`` if the gateway gives none), ``fields`` extra data for
    the apps (``msg.fields``). ``connection`` is set only by parsers that
    look the connection up themselves (RapidSMS 2.x forms).
    """

    identity: str
    text: str
    external_id: str = ""
    fields: dict[str, Any] = field(default_factory=dict)
    connection: Any = None


class GatewayView(View):
    """What inbound and status views share: backend lookup, authentication, errors.

    Hooks: :attr:`http_method_names`, :meth:`verify_signature`,
    :meth:`handle` (the view's work), :meth:`success_response`.
    Helpers for parsing hooks: :meth:`read_form`, :meth:`read_json`,
    :meth:`require`.
    """

    #: The backend this view serves; set by ``as_view(backend_name=...)`` or the URL.
    backend_name: str | None = None
    #: The methods the gateway uses; any other gets 405.
    http_method_names: list[str] = ["post"]
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
            reason = unreadable_request(request)
            if reason is not None:
                raise BadRequest(reason)
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
            return self.fail(request, ServerError(
                "The request could not be handled because of an error of ours; "
                "send it again later."))

    def check_body_size(self, request: HttpRequest) -> None:
        """Raise :class:`PayloadTooLarge` for a body larger than the limit, before it is read.

        The limit is :attr:`max_body_size`, else Django's
        ``DATA_UPLOAD_MAX_MEMORY_SIZE`` (None: no limit). It applies to
        every content type: Django itself enforces its limit only on some
        (not on the files of a multipart form, nor on a body it does not
        parse).
        """
        limit = self.max_body_size
        if limit is None:
            limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        if limit is None:
            return
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            raise BadRequest("The Content-Length header is not a number.") from None
        if length > limit:
            raise PayloadTooLarge(f"The request body is larger than {limit} bytes.")

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
        """Raise :class:`Forbidden` unless the request proves it comes from the gateway.

        Runs before anything reads the body. When the backend has
        ``inbound_secrets``, one must be in the request (and only one:
        several different tokens are refused with :class:`BadRequest`); when
        :meth:`verify_signature` returns False, the request is refused too.
        """
        secrets = self.get_inbound_secrets()
        if secrets:
            try:
                valid = request_has_secret(request, secrets, self.extra_tokens(request))
            except TooManyTokens:
                raise BadRequest("The request carries several different tokens; send one.",
                                 field=TOKEN_PARAM) from None
            if not valid:
                raise Forbidden(self.missing_token_message)
        if self.verify_signature(request) is False:
            raise Forbidden("Missing or wrong signature.")

    #: What a request without a valid token is told.
    missing_token_message = (
        "Missing or wrong token: send one of the backend's inbound_secrets in the "
        "X-RapidSMS-Token header or the token query parameter."
    )

    def extra_tokens(self, request: HttpRequest) -> list[str | None]:
        """Return the tokens a gateway sends its own way, besides the header and the query.

        Called by :meth:`authenticate`; none by default (Vumi's view returns
        the HTTP Basic password). A request may carry only one token in all.
        """
        return []

    def verify_signature(self, request: HttpRequest) -> bool | None:
        """Return whether the gateway's own signature of the request is valid.

        Called by :meth:`authenticate` after the shared-secret check, before
        any parsing hook. Return True for a valid signature, False for a
        missing or wrong one (the request gets 403), or None when this
        gateway does not sign requests (the default). Compare in constant
        time (``hmac.compare_digest``).
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

    def refuse(self, request: HttpRequest, error: InboundError) -> HttpResponse:
        """Log a refused request (never its secrets) and return its JSON answer."""
        logger.warning(
            "Backend %s refused a %s request from %s with %s: %s",
            self.backend_name, request.method, request.META.get("REMOTE_ADDR", "?"),
            error.status_code, error.message,
        )
        return error.as_response()

    # Helpers for the parsing hooks -------------------------------------------

    def read_form(self, request: HttpRequest) -> QueryDict:
        """Return the form data: the query string for GET, the body for POST."""
        return request.GET if request.method == "GET" else request.POST

    def read_json(self, request: HttpRequest) -> dict[str, Any]:
        """Return the JSON object in the body; raise :class:`BadRequest` otherwise."""
        try:
            data = json.loads(request.body)
        except (ValueError, RecursionError) as exc:
            raise BadRequest(f"The body is not valid JSON: {exc}") from None
        if not isinstance(data, dict):
            raise BadRequest("The body must be a JSON object.")
        if json_depth(data) > MAX_JSON_DEPTH:
            raise BadRequest(f"The JSON body is nested deeper than {MAX_JSON_DEPTH} levels.")
        return data

    def require(self, data: Any, name: str) -> str:
        """Return field ``name`` of ``data`` as text; raise :class:`BadRequest` naming it."""
        value = data.get(name) if hasattr(data, "get") else None
        if value is None or value == "":
            raise BadRequest(f"The field {name!r} is missing.", field=name)
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise BadRequest(f"The field {name!r} must be text.", field=name)
        return str(value)

    def clean_text(
        self, value: Any, name: str, *, required: bool = True, max_length: int | None = None
    ) -> str:
        """Return ``value`` if it is storable text; raise :class:`BadRequest` naming the field.

        Refuses non-text, an empty value when ``required``, text longer than
        ``max_length``, and characters no database column takes (NUL, lone
        surrogates).
        """
        if value is None:
            value = ""
        if not isinstance(value, str):
            raise BadRequest(f"The field {name!r} must be text.", field=name)
        if required and value == "":
            raise BadRequest(f"The field {name!r} is missing or empty.", field=name)
        if max_length is not None and len(value) > max_length:
            raise BadRequest(f"The field {name!r} is longer than {max_length} characters.",
                             field=name)
        if not storable(value):
            raise BadRequest(
                f"The field {name!r} contains characters that cannot be stored "
                "(NUL or an unpaired surrogate).", field=name,
            )
        return value

    def clean_identity(self, value: Any, name: str) -> str:
        """Return the identity normalised by the backend (E.164); else :class:`BadRequest`."""
        identity = self.clean_text(value, name, max_length=MAX_FIELD_LENGTH)
        normalize = getattr(self.backend, "normalize_identity", None)
        try:
            identity = normalize(identity) if normalize else normalize_identity(identity)
        except InvalidIdentity as exc:
            raise BadRequest(f"The field {name!r} is not a valid sender: {exc}",
                             field=name) from None
        return identity


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

    def route(self, message: GatewayMessage) -> bool:
        """Pass ``message`` to the router; return False for a duplicate left unrouted.

        When routing fails, the claim on the message's id is released and
        the exception raised again: the gateway is answered 503 or 500 and
        its retry is routed.
        """
        from rapidsms.router import get_router

        window = self.get_dedupe_window() if tables_installed() else 0
        if message.external_id and window and get_router().stores_incoming_first:
            return self.route_in_one_transaction(message, window)
        claimed_at = None
        if message.external_id and window:
            claimed_at = self.claim_id(message, window)
            if claimed_at is None:
                return False
        try:
            self.pass_to_router(message)
        except Exception:
            # Answered 503 or 500 by dispatch(), which logs the traceback.
            if claimed_at is not None:
                try:
                    dedupe.release(self.backend.name, message.external_id, claimed_at)
                except AnyDatabaseError:
                    logger.exception("Backend %s: could not release the claim on %s.",
                                     self.backend.name, message.external_id)
            raise
        if claimed_at is not None:
            try:
                dedupe.mark_routed(self.backend.name, message.external_id, claimed_at)
            except AnyDatabaseError:
                # Routed, but not marked: a late retry may route it again.
                logger.exception("Backend %s: could not mark %s as routed.",
                                 self.backend.name, message.external_id)
        return True

    def route_in_one_transaction(self, message: GatewayMessage, window: int) -> bool:
        """Claim the message's id and store the message in one transaction.

        For a router that only stores the message in ``receive()`` (the
        durable router): one commit instead of three, and a failure rolls
        back the claim with the message. A retry arriving meanwhile waits
        for that commit, then is a duplicate.
        """
        stored: list[bool] = []
        try:
            with transaction.atomic():
                # Registered first, so it runs first once the message is
                # committed: work the router does after the commit (eager
                # mode) may fail, but the message is stored by then.
                transaction.on_commit(lambda: stored.append(True))
                if self.claim_id(message, window, routed=True) is None:
                    return False
                self.pass_to_router(message)
        except Unavailable:
            raise
        except Exception:
            if stored:
                logger.exception("Backend %s: message %s was stored, then failed.",
                                 self.backend.name, message.external_id)
                return True
            raise  # nothing was stored: dispatch() answers 503 or 500
        return True

    def claim_id(self, message: GatewayMessage, window: int, routed: bool = False) -> Any:
        """Claim the message's gateway id; return the claim's time, or None for a duplicate.

        Raise :class:`Unavailable` while another request is routing it.
        """
        try:
            claimed_at = dedupe.claim(self.backend.name, message.external_id,
                                      timedelta(seconds=window), routed=routed)
        except dedupe.ClaimInProgress as exc:
            logger.info("Backend %s: message %s is being routed by another request.",
                        self.backend.name, message.external_id)
            raise Unavailable("This message is being received right now; "
                              "send it again later.") from exc
        if claimed_at is None:
            logger.info("Backend %s: message %s was already received; not routed again.",
                        self.backend.name, message.external_id)
        return claimed_at

    def pass_to_router(self, message: GatewayMessage) -> None:
        """Find the message's connection and hand the message to ``receive()``."""
        from rapidsms.router import lookup_connections, receive

        connection = message.connection or lookup_connections(
            self.backend.name, [message.identity]
        )[0]
        fields = dict(message.fields)
        if message.external_id:
            fields.setdefault("external_id", message.external_id)
        receive(message.text, connection, fields=fields)


class StatusView(GatewayView):
    """Receive delivery reports from a gateway, store them and send the signal.

    Subclasses implement :meth:`parse_report` (or :meth:`parse_reports`),
    returning unsaved :class:`~rapidsms.backends.inbound.models.DeliveryReport`
    objects with the gateway's status already mapped to
    :class:`~rapidsms.backends.status.Status`.
    """

    #: The gateway's names of the recipient and status fields, for errors.
    identity_field = "identity"
    status_field = "status"

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
            setattr(report, name, self.clean_text(getattr(report, name), name, required=False,
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


def raw_data(data: QueryDict | dict[str, Any]) -> dict[str, Any]:
    """Return form data as a plain dict for ``DeliveryReport.raw`` (lists only when repeated)."""
    if isinstance(data, QueryDict):
        return {key: values[0] if len(values) == 1 else values for key, values in data.lists()}
    return dict(data)


def storable(value: Any) -> bool:
    """Return False when ``value`` holds a string or number no database column takes.

    PostgreSQL refuses NUL characters in text and JSON, no database stores
    an unpaired UTF-16 surrogate, and JSON columns refuse NaN and Infinity
    (which Python's JSON parser accepts).
    """
    if isinstance(value, float):
        return math.isfinite(value)
    if isinstance(value, str):
        if "\x00" in value:
            return False
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return False
        return True
    if isinstance(value, dict):
        return all(storable(key) and storable(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return all(storable(item) for item in value)
    return True


def json_depth(value: Any) -> int:
    """Return how deeply ``value`` nests lists and objects (without recursing: it may be deep)."""
    deepest = 0
    pending = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            deepest = max(deepest, depth)
            pending.extend((inner, depth + 1) for inner in item)
    return deepest

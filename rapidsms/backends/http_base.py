"""``HttpBackendBase``: what every gateway reached over HTTP shares.

A gateway backend (Kannel, Vumi, Twilio, a generic HTTP aggregator) fills in
two small hooks; this base owns everything else:

Outgoing
    One ``requests.Session`` per backend (connection reuse, the environment's
    proxy settings read once: :mod:`rapidsms.backends.sessions`), explicit connect
    and read timeouts, a ``User-Agent: rapidsms/<version>`` header, one HTTP
    request per batch of identities, a result per identity (accepted with the
    gateway's id, or refused: :mod:`rapidsms.backends.results`), and every
    gateway failure turned into :class:`~rapidsms.errors.MessageSendingError`
    naming the identities that did not get the message and whether trying
    again may help.
Inbound
    The options the inbound views read (``inbound_secrets``,
    ``default_region``, ``dedupe_window``) and the views that serve the
    backend's URLs (:attr:`HttpBackendBase.inbound_view`,
    :attr:`HttpBackendBase.status_view`), mounted by ``rapidsms.backends.urls``.

A minimal gateway, its options declared (:mod:`rapidsms.backends.options`)::

    class AcmeBackend(HttpBackendBase):
        inbound_view = "acme.views.AcmeInboundView"
        url = URL(required=True)
        api_key = Text(required=True)

        def prepare_request(self, id_, text, identities, context):
            return {"method": "POST", "url": self.url,
                    "json": {"to": identities, "body": text, "key": self.api_key}}

How a failure is classified (``retryable`` on the error; the error is a
:class:`~rapidsms.errors.GatewayHTTPError` for an answer and a
:class:`~rapidsms.errors.GatewayConnectionError` for no answer):

=====================================================  ==========
what happened                                          retryable
=====================================================  ==========
could not connect (refused, DNS, connect timeout)      True
gateway answered 429 or 5xx (with its Retry-After)     True
gateway answered another 4xx (or a 3xx)                False
no answer within the read timeout, or the connection   False
dropped after the request was sent (the gateway may
have taken the message: retrying could send it twice)
=====================================================  ==========

Secrets never reach a log line or an error message: option values whose name
looks secret (``password``, ``token``, ``key``, ...), the inbound secrets, the
``Basic`` encoding of the session's credentials, and request parameters,
headers or JSON members with such names are replaced by ``********``
wherever this base writes a URL or a gateway's answer
(:mod:`rapidsms.redaction`).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Sequence
from functools import cached_property
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import requests
from django.core.exceptions import ImproperlyConfigured
from urllib3.exceptions import ConnectTimeoutError, MaxRetryError, NewConnectionError

from rapidsms.__version__ import __version__
from rapidsms.backends import patched_requests
from rapidsms.backends.base import BackendBase
from rapidsms.backends.options import Option
from rapidsms.backends.phone_numbers import (
    InvalidIdentity,
    check_region,
    invalid_identity_reason,
    normalize_identity,
)
from rapidsms.backends.results import (
    Accepted,
    Refused,
    Results,
    raise_refusals,
    read_results,
    results_of_error,
)
from rapidsms.backends.sessions import GatewaySession
from rapidsms.errors import (
    GatewayConnectionError,
    GatewayHTTPError,
    MessageSendingError,
    combine_failures,
)
from rapidsms.redaction import (
    REDACTED,
    SECRET_NAME,
    basic_forms,
    option_secrets,
    redact,
    remember_secrets,
)

logger = logging.getLogger("rapidsms.backends.http")

USER_AGENT = f"rapidsms/{__version__}"
#: Characters of a gateway's answer quoted in an error message.
BODY_EXCERPT = 200

DEFAULT_CONNECT_TIMEOUT = 5.0
DEFAULT_READ_TIMEOUT = 30.0
DEFAULT_DEDUPE_WINDOW = 24 * 60 * 60


class HttpBackendBase(BackendBase):
    """Base class of a backend that talks to its gateway over HTTP.

    Options (every subclass accepts them besides its own):

    ``connect_timeout`` (seconds, default 5) and ``read_timeout`` (default 30)
        How long to wait for the gateway to accept the connection, and then
        for its answer.
    ``inbound_secrets`` (list of strings, default none)
        Secrets a request to the backend's inbound and status URLs must
        carry, in the ``X-RapidSMS-Token`` header or the ``token`` query
        parameter. Several may be listed so that a secret can be rotated;
        the first is the one :meth:`callback_url` puts into URLs it gives
        the gateway.
    ``default_region`` (ISO 3166 code such as ``"NG"``, default none)
        Region of phone numbers written without a country code; see
        :mod:`rapidsms.backends.phone_numbers`.
    ``dedupe_window`` (seconds, default 86400)
        How long a gateway message id is remembered, so that a gateway's
        retry of the same message is routed only once. 0 turns it off.

    Hooks, in the order :meth:`send` calls them, once per batch:

    * :meth:`identity_batches` splits the identities into requests;
    * :meth:`prepare_request` builds the request (**required**);
    * :meth:`check_response` turns a non-2xx answer into an error;
    * :meth:`parse_response` reads a 2xx answer: the result of each identity.

    Also: :meth:`build_session` (auth, adapters), :meth:`secret_values`
    (extra values to hide), :meth:`has_inbound_authentication` (for the
    system check), :meth:`callback_url` (a status URL for the gateway).
    """

    #: The view serving ``/backends/<name>/`` (a class or a dotted path); ``None``: no inbound.
    inbound_view: type | str | None = None
    #: The view serving ``/backends/<name>/status/`` (delivery reports); ``None``: none.
    status_view: type | str | None = None
    #: The most identities one request may carry; ``None``: all in one request.
    max_identities_per_request: int | None = None
    #: What separates the recipients of one request (``","``), if anything: an
    #: identity that holds it is refused, as a recipient and as a sender.
    identity_separator: str | None = None

    def configure(
        self,
        connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
        read_timeout: float = DEFAULT_READ_TIMEOUT,
        inbound_secrets: Sequence[str] | str | None = None,
        default_region: str | None = None,
        dedupe_window: int = DEFAULT_DEDUPE_WINDOW,
        **options: Any,
    ) -> None:
        """Store the declared options and those every HTTP gateway shares; reject unknown ones.

        Each option declared on the class (see :meth:`declared_options`) is
        read and checked first, and stored on the backend under its name.
        A subclass with checks that involve several options overrides this,
        calls ``super().configure(**options)`` first, then reads ``self``.
        """
        for name, option in self.declared_options().items():
            setattr(self, name, option.read(self, options.pop(name, None)))
        self.connect_timeout = _positive_number(self.name, "connect_timeout", connect_timeout)
        self.read_timeout = _positive_number(self.name, "read_timeout", read_timeout)
        self.inbound_secrets = _secret_list(self.name, inbound_secrets)
        self.default_region = check_region(default_region, self.name)
        self.dedupe_window = int(_positive_number(self.name, "dedupe_window", dedupe_window,
                                                  allow_zero=True))
        super().configure(**options)
        # Errors and log lines written away from this object (the router, a worker) too.
        remember_secrets(self.name, [*self.inbound_secrets, *option_secrets(self._config)])

    @classmethod
    def declared_options(cls) -> dict[str, Option]:
        """Return the options declared on the class and its bases, by name.

        The extension point for a gateway's own options: declare each as a
        class attribute, an :class:`~rapidsms.backends.options.Option` of
        the kind its value is (``Text``, ``Flag``, ``URL``, ``Choice``,
        ``Dict``, or a subclass of your own)::

            class AcmeBackend(HttpBackendBase):
                api_key = Text(required=True, hint="the key from Acme's dashboard")
                sandbox = Flag()

        :meth:`configure` reads them, bases' first, each in the order it was
        declared; the backend then has ``self.api_key`` and ``self.sandbox``.
        A subclass that assigns anything else to the name drops the option.
        """
        found: dict[str, Option] = {}
        for klass in reversed(cls.__mro__):
            for name, value in vars(klass).items():
                if isinstance(value, Option):
                    found[name] = value
                elif name in found:
                    del found[name]
        return found

    @classmethod
    def accepted_options(cls) -> set[str]:
        """Return the option names of the ``configure`` methods and the declared ones."""
        return super().accepted_options() | set(cls.declared_options())

    def bad_option(
        self, option: str, value: Any, expected: str, *, quote: bool = True
    ) -> ImproperlyConfigured:
        """Return the error for an option whose value is not valid; ``configure()`` raises it.

        It names the backend, the option, the value and what was ``expected``
        ("an http:// or https:// URL"). With ``quote=False`` the value is
        left out: pass it for any value that may be a secret.
        """
        shown = f"option {option} = {value!r}" if quote else f"option {option}"
        return ImproperlyConfigured(
            f"Backend {self.name!r}: {shown} is not valid; expected {expected}."
        )

    # Hooks ------------------------------------------------------------------

    def build_session(self) -> requests.Session:
        """Return the session every request of this backend goes through.

        Called once, on the first send. Override to add authentication or
        mount adapters; call ``super()`` to keep the User-Agent.
        """
        session = GatewaySession()
        session.headers["User-Agent"] = USER_AGENT
        return session

    def identity_batches(self, identities: list[str]) -> list[list[str]]:
        """Return the identities grouped into one list per request.

        The default honours :attr:`max_identities_per_request`. A gateway that
        takes one recipient per request sets it to 1.
        """
        size = self.max_identities_per_request
        if not size:
            return [identities] if identities else []
        return [identities[i:i + size] for i in range(0, len(identities), size)]

    def prepare_request(
        self, id_: str, text: str, identities: list[str], context: dict[str, Any]
    ) -> dict[str, Any]:
        """Return the keyword arguments of ``requests.Session.request`` for one batch.

        Must contain ``url``; ``method`` defaults to POST and ``timeout`` to
        the backend's timeouts. Called once per batch from :meth:`send`.
        ``context`` is the message's ``extra_backend_context()`` (a reply
        carries ``in_response_to`` and the gateway's ``external_id``). Raise
        ``MessageSendingError`` when the message cannot be sent at all.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement prepare_request().")

    def check_response(self, response: requests.Response, identities: list[str]) -> None:
        """Raise ``MessageSendingError`` when the gateway did not accept the batch.

        Called for every answer before :meth:`parse_response`. The default
        accepts 2xx, marks 429 and 5xx retryable and any other status
        permanent. Override to read a gateway's error codes from the body.
        """
        status = response.status_code
        if 200 <= status < 300:
            return
        raise self.http_error(
            f"Gateway answered {status} {response.reason or ''}".rstrip()
            + f" to {self.describe_request(response.request)}: "
            f"{_excerpt(self.redact(response.text))}",
            response, identities,
        )

    def http_error(
        self, message: str, response: requests.Response, identities: list[str],
        retryable: bool | None = None, **fields: Any,
    ) -> GatewayHTTPError:
        """Return the error of a refused request: its status, Retry-After and answer.

        ``retryable`` defaults to True for 429 and 5xx, False otherwise.
        ``message`` must already be redacted. ``fields`` are further keyword
        arguments of the error class (``error_class``, default
        :class:`~rapidsms.errors.GatewayHTTPError`).
        """
        status = response.status_code
        error_class = fields.pop("error_class", GatewayHTTPError)
        return error_class(
            message,
            identities,
            backend=self.name,
            retryable=(status == 429 or status >= 500) if retryable is None else retryable,
            retry_after=response.headers.get("Retry-After"),
            response=response,
            status_code=status,
            **fields,
        )

    def parse_response(
        self,
        response: requests.Response,
        id_: str,
        identities: list[str],
        context: dict[str, Any],
    ) -> Results | list[str] | None:
        """Return the result of each identity of the batch from a 2xx answer.

        Called after :meth:`check_response` passed. Return a mapping of
        identity to :class:`~rapidsms.backends.results.Accepted` (with the
        gateway's id of the message, when the answer gives one) or
        :class:`~rapidsms.backends.results.Refused` (permanent, or
        ``retryable`` with a ``retry_after``); an identity left out is
        accepted without an id. The default trusts the status code and
        returns None: all accepted. A list (the form of earlier versions)
        names the identities refused for good.
        """
        return None

    def secret_values(self) -> list[str]:
        """Return values that must never be logged, besides those found by pattern.

        The default returns the inbound secrets, every option value whose
        option (or nested dict key) name looks secret, the ``Basic``
        encoding of user and password options, and that of the session's
        credentials once the session is built. Extend it with secrets the
        options do not show.
        """
        found = [*self.inbound_secrets, *option_secrets(self._config)]
        auth = getattr(self.__dict__.get("session"), "auth", None)
        if isinstance(auth, tuple) and len(auth) == 2 and all(isinstance(a, str) for a in auth):
            found.extend([auth[1], *basic_forms(*auth)])
        return found

    def check_identity(self, identity: str) -> str | None:
        """Return why ``identity`` cannot be a recipient of this gateway, or None if it can.

        Called by :meth:`send` for every identity before any request; a
        refused identity fails for good (``retryable=False``) and the others
        are still sent. The default refuses an empty identity, one with
        white space or control characters, which a gateway could read as
        several recipients or as another field, and one holding
        :attr:`identity_separator`. Extend it (call ``super()``) for what
        else a gateway would misread.
        """
        reason = invalid_identity_reason(identity)
        separator = self.identity_separator
        if reason is None and separator and separator in identity:
            reason = (f"the identity contains the separator {separator!r}, which would "
                      "name several recipients")
        return reason

    def has_inbound_authentication(self) -> bool:
        """Return True when inbound requests are authenticated (for the system check).

        The default: when ``inbound_secrets`` is set. A gateway that verifies
        its own signature returns True when that is configured too.
        """
        return bool(self.inbound_secrets)

    # What the hooks build on ------------------------------------------------

    def send(
        self,
        id_: str,
        text: str,
        identities: list[str],
        context: dict[str, Any] | None = None,
    ) -> Results:
        """Send ``text`` to every identity, one request per batch; return each one's result.

        Every batch is tried even when an earlier one fails. Return
        ``{identity: Accepted(gateway_id)}`` when every identity was
        accepted. Otherwise raise one ``MessageSendingError`` listing the
        identities of every failed batch, with every identity's result in
        ``results``; ``retryable`` is combined by
        :func:`~rapidsms.errors.combine_retryable`.
        """
        context = dict(context or {})
        failures: list[MessageSendingError] = []
        results: Results = {}
        sendable, refused = self.sort_identities(identities)
        if refused:
            failures.append(MessageSendingError(
                f"Message {id_} was not sent to {len(refused)} recipient(s): "
                + "; ".join(f"{identity!r}: {reason}" for identity, reason in refused.items()),
                failed_identities=list(refused), backend=self.name, retryable=False,
            ))
        for batch in self.identity_batches(sendable):
            try:
                results.update(self.send_batch(id_, text, batch, context))
            except MessageSendingError as exc:
                exc.backend = exc.backend or self.name
                if not exc.failed_identities:
                    exc.failed_identities = list(batch)
                failures.append(exc)
        if failures:
            for failure in failures:
                results.update(results_of_error(failure, failure.failed_identities))
            error = combine_failures(
                failures, f"{len(failures)} requests to the gateway failed: "
                + "; ".join(failure.message for failure in failures), backend=self.name,
            )
            # In the order of ``identities``, accepted ones included with their ids.
            error.results = {i: results.get(i, Accepted()) for i in identities}
            # Whatever a hook wrote into the message, it leaves here redacted.
            error.message = self.redact(error.message)
            error.args = (error.message,)
            raise error
        return {identity: results.get(identity, Accepted()) for identity in identities}

    def sort_identities(self, identities: Iterable[str]) -> tuple[list[str], dict[str, str]]:
        """Return the identities :meth:`check_identity` accepts, and why each other is refused."""
        sendable: list[str] = []
        refused: dict[str, str] = {}
        for identity in identities:
            reason = self.check_identity(identity)
            if reason is None:
                sendable.append(identity)
            else:
                refused[identity] = reason
        return sendable, refused

    def send_batch(
        self, id_: str, text: str, identities: list[str], context: dict[str, Any]
    ) -> Results:
        """Send one request for ``identities``; return each one's result.

        Raise ``MessageSendingError`` (with ``results``) when the gateway
        refused any of them.
        """
        request_kwargs = self.prepare_request(id_, text, identities, context)
        response = self.perform_request(request_kwargs, identities)
        if not isinstance(response, requests.Response):
            # A test's mock of requests.post answered: RapidSMS 2.x took that as sent.
            return {identity: Accepted() for identity in identities}
        self.check_response(response, identities)
        parsed = self.parse_response(response, id_, identities, context)
        if isinstance(parsed, list | tuple | set | frozenset):
            parsed = {identity: Refused("refused by the gateway") for identity in parsed}
        results = read_results(parsed, identities)
        raise_refusals(
            results,
            f"Gateway refused {sum(isinstance(r, Refused) for r in results.values())} of "
            f"{len(identities)} recipient(s) of message {id_}:",
            backend=self.name,
        )
        return results

    @cached_property
    def session(self) -> requests.Session:
        """The backend's HTTP session, built by :meth:`build_session` on first use."""
        session = self.build_session()
        auth = session.auth
        if isinstance(auth, tuple) and len(auth) == 2 and all(isinstance(a, str) for a in auth):
            remember_secrets(f"{self.name}.session", [auth[1], *basic_forms(*auth)])
        return session

    def perform_request(
        self, request_kwargs: dict[str, Any], identities: list[str]
    ) -> requests.Response:
        """Make the request; turn a transport failure into ``MessageSendingError``."""
        kwargs = dict(request_kwargs)
        method = str(kwargs.pop("method", "POST")).upper()
        mocked = patched_requests.mock_of(method)
        if mocked is not None:
            return patched_requests.call_mock(mocked, method, self.name, request_kwargs)
        url = kwargs.pop("url")
        kwargs.setdefault("timeout", (self.connect_timeout, self.read_timeout))
        where = f"{method} {self.redact_url(url)}"
        started = time.monotonic()
        try:
            response = self.session.request(method, url, **kwargs)
        except requests.ConnectTimeout as exc:
            raise self._transport_error(
                f"Could not connect to the gateway within {self.connect_timeout:g} s "
                f"({where}).", identities, True, exc
            ) from exc
        except requests.ReadTimeout as exc:
            raise self._transport_error(
                f"The gateway did not answer within {self.read_timeout:g} s ({where}); it may "
                "have taken the message, so it is not sent again automatically.",
                identities, False, exc,
            ) from exc
        except requests.ConnectionError as exc:
            if _never_connected(exc):
                raise self._transport_error(
                    f"Could not connect to the gateway ({where}).", identities, True, exc
                ) from exc
            raise self._transport_error(
                f"The connection to the gateway broke after the request was sent ({where}); "
                "it may have taken the message, so it is not sent again automatically.",
                identities, False, exc,
            ) from exc
        except requests.RequestException as exc:
            raise self._transport_error(
                f"The request to the gateway could not be made ({where}).", identities, False, exc
            ) from exc
        logger.debug(
            "%s: %s answered %s in %.0f ms.",
            self.name, where, response.status_code, (time.monotonic() - started) * 1000,
        )
        return response

    def callback_url(self, url: str, **params: Any) -> str:
        """Return ``url`` with ``params`` and the current inbound secret as ``token``.

        Use it for URLs handed to the gateway (a delivery-report URL), so the
        gateway's call back is authenticated like any inbound request.
        """
        parts = urlsplit(url)
        query = parse_qsl(parts.query, keep_blank_values=True)
        query.extend((key, str(value)) for key, value in params.items() if value is not None)
        if self.inbound_secrets and not any(key == "token" for key, _ in query):
            query.append(("token", self.inbound_secrets[0]))
        return urlunsplit(parts._replace(query=urlencode(query)))

    def normalize_identity(self, identity: str) -> str:
        """Return ``identity`` in E.164 per ``default_region``; raise ``InvalidIdentity``.

        The inbound views call it for every sender. An identity that
        :meth:`check_identity` would refuse as a recipient is refused here
        too, so no connection is ever made for it.
        """
        normalized = normalize_identity(identity, self.default_region)
        reason = self.check_identity(normalized)
        if reason is not None:
            raise InvalidIdentity(f"{normalized[:40]!r}: {reason}.")
        return normalized

    def redact(self, text: str) -> str:
        """Return ``text`` with every secret replaced by ``********``.

        Secrets are found by value (:meth:`secret_values`, those of every
        configured backend) and by pattern; see :mod:`rapidsms.redaction`.
        """
        return redact(text, self.secret_values())

    def redact_url(self, url: str) -> str:
        """Return ``url`` safe to log: credentials and secret-named parameters hidden."""
        try:
            parts = urlsplit(str(url))
            netloc = parts.netloc
            if "@" in netloc:
                netloc = REDACTED + "@" + netloc.rsplit("@", 1)[1]
            query = [
                (key, REDACTED if SECRET_NAME.search(key) else value)
                for key, value in parse_qsl(parts.query, keep_blank_values=True)
            ]
            safe = urlunsplit(parts._replace(netloc=netloc, query=urlencode(query, safe="*")))
        except ValueError:
            safe = "<unparseable URL>"
        return self.redact(safe)

    def answer_json(self, response: requests.Response) -> Any:
        """Return the gateway's answer parsed as JSON, or None when it is not JSON.

        For :meth:`check_response` and :meth:`parse_response`: a gateway that
        answers JSON may still answer a proxy's HTML page, or nothing.
        """
        try:
            return response.json()
        except ValueError:
            return None

    def recipient_entries(
        self, entries: Any, identities: list[str], number: str
    ) -> dict[str, dict[str, Any]]:
        """Return the gateway's entry about each identity, from its answer's list of them.

        For a gateway that answers one object per recipient, such as
        ``{"number": "+254711000001", "status": "Sent", "id": "..."}``:
        ``number`` names the member holding the recipient as the gateway
        wrote it. A gateway may write a number its own way
        (``254711000001``, ``+254 711 000 001``), so an entry belongs to the
        identity with the same digits. An identity without an entry is left
        out; anything in ``entries`` that is not an object with a number is
        ignored.
        """
        by_digits = {
            _digits(entry.get(number)): entry
            for entry in (entries if isinstance(entries, list) else [])
            if isinstance(entry, dict)
        }
        by_digits.pop("", None)
        found = {identity: by_digits.get(_digits(identity)) for identity in identities}
        return {identity: entry for identity, entry in found.items() if entry is not None}

    def describe_request(self, request: Any) -> str:
        """Return ``METHOD url`` of a sent request, safe to log."""
        if request is None:
            return "the gateway"
        return f"{request.method} {self.redact_url(request.url)}"

    def _transport_error(
        self, message: str, identities: list[str], retryable: bool, exc: Exception
    ) -> MessageSendingError:
        detail = _excerpt(self.redact(str(exc)))
        logger.warning("%s: %s %s", self.name, message, detail)
        return GatewayConnectionError(
            message, failed_identities=identities, backend=self.name, retryable=retryable
        )


def _never_connected(exc: requests.ConnectionError) -> bool:
    """Return True when the request cannot have reached the gateway."""
    reason = exc.args[0] if exc.args else None
    if isinstance(reason, MaxRetryError):
        reason = reason.reason
    return isinstance(reason, NewConnectionError | ConnectTimeoutError)


def _digits(number: Any) -> str:
    """Return the digits of a phone number, to compare numbers written differently."""
    return "".join(ch for ch in str(number or "") if ch in "0123456789")


def _excerpt(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= BODY_EXCERPT else text[:BODY_EXCERPT] + "..."


def _secret_list(backend: str, value: Sequence[str] | str | None) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    secrets = list(value)
    if not all(isinstance(secret, str) and secret for secret in secrets):
        raise ImproperlyConfigured(
            f"Backend {backend!r}: inbound_secrets must be a list of non-empty strings."
        )
    return secrets


def _positive_number(backend: str, option: str, value: Any, allow_zero: bool = False) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        number = -1.0
    if number < 0 or (number == 0 and not allow_zero):
        raise ImproperlyConfigured(
            f"Backend {backend!r}: {option} must be a positive number of seconds, "
            f"not {value!r}."
        )
    return number

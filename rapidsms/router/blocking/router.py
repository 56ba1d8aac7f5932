"""``BlockingRouter``: runs the phases and the sends in the calling thread."""

from __future__ import annotations

import inspect
import logging
import warnings
from collections.abc import Iterable
from typing import Any

from django.apps import apps as django_apps
from django.core.exceptions import ImproperlyConfigured
from django.db.models import QuerySet
from django.utils.module_loading import import_string

from rapidsms.apps.base import AppBase
from rapidsms.backends.base import BackendBase
from rapidsms.backends.results import (
    ACCEPTED,
    Results,
    raise_refusals,
    read_results,
    remember_gateway_ids,
    results_of_error,
)
from rapidsms.conf import get_setting
from rapidsms.errors import BackendConfigurationError, MessageSendingError, combine_failures
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.messages.outgoing import OutgoingMessage
from rapidsms.redaction import redact
from rapidsms.signals import announce_outgoing_status, incoming_processed, outgoing_status

logger = logging.getLogger("rapidsms.router")


__all__ = ["BackendConfigurationError", "BlockingRouter", "combine_failures"]


class BlockingRouter:
    """Route messages through the apps and out through the backends, synchronously.

    Built once per process by :func:`rapidsms.router.get_router`. ``apps`` is a
    list of Django app names or ``AppBase`` subclasses (default: every
    installed Django app that has an SMS app); ``backends`` is a dict shaped
    like ``INSTALLED_BACKENDS`` (default: that setting).

    Incoming: ``receive_incoming(msg)`` runs the phases ``filter``, ``parse``,
    ``handle``, ``default`` and ``cleanup`` over the apps, then sends the
    replies the apps queued. Outgoing: ``send_outgoing(msg)`` runs
    ``outgoing`` over the apps in reverse order, then makes one
    ``backend.send()`` call per backend.
    """

    incoming_phases: tuple[str, ...] = ("filter", "parse", "handle", "default", "cleanup")
    outgoing_phases: tuple[str, ...] = ("outgoing",)
    #: True for a router whose ``receive()`` only stores the message (the
    #: apps run later, elsewhere): the inbound views then claim the gateway's
    #: message id and store the message in one transaction. False here: the
    #: apps and the sends run inside ``receive()``.
    stores_incoming_first = False
    #: True for a router that keeps every recipient's send in a store, claims
    #: it once, and tries again what a backend refuses for now
    #: (:class:`~rapidsms.backends.results.Refused` with ``retryable``, or
    #: :class:`~rapidsms.backends.results.Deferred`). A backend may then send
    #: at once and report, instead of queueing and retrying on its own.
    #: False here: what a backend refuses is logged and not tried again.
    retries_sends = False

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.apps: list[AppBase] = []
        self.backends: dict[str, BackendBase] = {}
        #: Backends of ``INSTALLED_BACKENDS`` whose ENGINE did not import: name -> why.
        self.unavailable_backends: dict[str, str] = {}
        self._phase_table: dict[str, list[AppBase]] = {}
        self._phase_table_key: tuple[AppBase, ...] | None = None
        self._phase_calls: dict[str, list[tuple[AppBase, Any]]] = {}
        self._phase_calls_key: tuple[AppBase, ...] | None = None
        app_names = kwargs.pop("apps", None)
        if app_names is None:
            app_names = [config.name for config in django_apps.get_app_configs()]
        backends = kwargs.pop("backends", None)
        if backends is None:
            backends = get_setting("INSTALLED_BACKENDS")
        for name in app_names:
            try:
                self.add_app(name)
            except Exception:
                # The system checks report the cause; the router still serves the other apps.
                logger.exception(
                    "Failed to add app %s to the router; it will not see messages.", name
                )
        if not isinstance(backends, dict):
            raise ImproperlyConfigured(
                "INSTALLED_BACKENDS must be a dict of {name: {'ENGINE': 'dotted.path', ...}}, "
                f"not {type(backends).__name__}."
            )
        for name, conf in backends.items():
            if not isinstance(conf, dict) or "ENGINE" not in conf:
                raise ImproperlyConfigured(
                    f"INSTALLED_BACKENDS[{name!r}] must be a dict with an 'ENGINE' key naming "
                    "a backend class, e.g. "
                    "{'ENGINE': 'rapidsms.backends.database.DatabaseBackend'}."
                )
            options = dict(conf)
            engine = options.pop("ENGINE")
            try:
                self.add_backend(name, engine, options)
            except BackendConfigurationError as exc:
                if not isinstance(exc.__cause__, ImportError):
                    raise
                # As in RapidSMS 2.x projects whose tests never touch such a
                # backend: the rest of the router works; a message that needs
                # this backend fails loudly (system check rapidsms.W004).
                self.unavailable_backends[name] = str(exc)
                logger.error("Backend %r is not loaded, so nothing can be sent through it: %s",
                             name, exc)

    # Building the router -------------------------------------------------

    def add_app(self, module_name: str | type[AppBase]) -> AppBase | None:
        """Add the SMS app of a Django app (a dotted name) or an ``AppBase`` subclass.

        Return the app instance, or ``None`` when the Django app has no SMS app.
        """
        if isinstance(module_name, str):
            cls = AppBase.find(module_name)
            if cls is None:
                return None
        else:
            cls = module_name
        app = cls(self)
        self.apps.append(app)
        return app

    def get_app(self, module_name: str | type[AppBase]) -> AppBase | None:
        """Return the loaded instance of an app.

        Return ``None`` when the Django app has no SMS app; raise ``KeyError``
        when it has one that this router did not load.
        """
        cls = AppBase.find(module_name) if isinstance(module_name, str) else module_name
        if cls is None:
            return None
        for app in self.apps:
            if type(app) is cls:
                return app
        raise KeyError(f"The app {module_name} is not loaded in this router.")

    def add_backend(
        self,
        name: str,
        module_name: str | type[BackendBase],
        config: dict[str, Any] | None = None,
    ) -> BackendBase:
        """Build backend ``name`` from a dotted class path or class and its options."""
        cls: Any = module_name
        if isinstance(module_name, str):
            try:
                cls = import_string(module_name)
            except ImportError as exc:
                raise BackendConfigurationError(
                    f"INSTALLED_BACKENDS[{name!r}]['ENGINE'] = {module_name!r} cannot be "
                    f"imported: {exc}"
                ) from exc
        if not (inspect.isclass(cls) and issubclass(cls, BackendBase)):
            raise BackendConfigurationError(
                f"INSTALLED_BACKENDS[{name!r}]['ENGINE'] = {module_name!r} is not a "
                "subclass of rapidsms.backends.base.BackendBase."
            )
        options = {str(key).lower(): value for key, value in (config or {}).items()}
        backend = cls(self, name, **options)
        self.backends[name] = backend
        return backend

    def phase_apps(self, phase: str) -> list[AppBase]:
        """Return the apps that implement ``phase``, in calling order.

        Apps that keep ``AppBase``'s empty method are left out, which makes a
        phase nobody implements free.
        """
        # Keyed on the apps themselves: a test may replace an app in place.
        key = tuple(self.apps)
        if key != self._phase_table_key:
            self._phase_table = {}
            self._phase_table_key = key
        apps = self._phase_table.get(phase)
        if apps is None:
            base_method = getattr(AppBase, phase, None)
            apps = [
                app
                for app in self.apps
                if phase in vars(app) or getattr(type(app), phase, None) is not base_method
            ]
            if phase in self.outgoing_phases:
                apps.reverse()
            self._phase_table[phase] = apps
        return apps

    # Incoming -------------------------------------------------------------

    def check_incoming(self, text: Any, connection: Any) -> None:
        """Refuse what cannot be routed, with an error that names the problem."""
        if text is None or (isinstance(text, str) and not text):
            logger.warning("Refused an incoming message with no text from %r.", connection)
            raise ValueError(f"receive() needs a non-empty text; got {text!r}.")
        if not isinstance(text, str):
            logger.warning("Refused an incoming message whose text is %s.", type(text).__name__)
            raise ValueError(f"receive() needs the text as str, not {type(text).__name__}.")
        backend = getattr(connection, "backend", None)  # None too for one without a backend
        if backend is None:
            logger.warning("Refused incoming message %r: no connection.", text[:40])
            raise ValueError(
                "receive() needs a Connection; find one with "
                "rapidsms.router.lookup_connections(backend, [identity])."
            )
        backend_name = backend.name
        if backend_name not in self.backends:
            # RapidSMS 2.x routes such a message (its test harness creates
            # backends on the fly); only a reply to it fails, when it is sent.
            logger.warning(
                "Routing a message from %s via backend %r, which is not in "
                "INSTALLED_BACKENDS: the apps see it, but a reply to it cannot be sent "
                "until the backend is added to INSTALLED_BACKENDS.",
                connection.identity,
                backend_name,
            )

    def new_incoming_message(
        self, text: str, connections: Any, class_: type = IncomingMessage, **kwargs: Any
    ) -> IncomingMessage:
        """Build an incoming message of ``class_``."""
        return class_(connections=connections, text=text, **kwargs)

    def receive_incoming(self, msg: IncomingMessage) -> None:
        """Process ``msg`` now: run the phases and send its replies."""
        self.process_incoming(msg)

    def process_incoming(self, msg: IncomingMessage) -> None:
        """Run the incoming phases, then send every queued reply.

        Send :data:`rapidsms.signals.incoming_processed` at the end.
        """
        continue_sending = self.process_incoming_phases(msg)
        if continue_sending is not False:
            for response in msg.responses:
                self.send_response(msg, response)
        self.signal_processed(msg)

    def signal_processed(self, msg: IncomingMessage) -> None:
        """Send :data:`rapidsms.signals.incoming_processed` for ``msg``; log failing receivers."""
        if not incoming_processed.receivers:  # cheaper than has_listeners(), same answer here
            return
        for receiver, result in incoming_processed.send_robust(
            sender=type(self), router=self, message=msg
        ):
            if isinstance(result, Exception):
                logger.error(
                    "A receiver of incoming_processed (%r) failed for message %s.",
                    receiver, msg.id, exc_info=result,
                )

    def phase_calls(self, phase: str) -> list[tuple[AppBase, Any]]:
        """Return ``(app, bound method)`` for each app of :meth:`phase_apps`."""
        return self._calls_table().get(phase, [])

    def _calls_table(self) -> dict[str, list[tuple[AppBase, Any]]]:
        """Return ``{phase: [(app, bound method), ...]}`` for the phases some app implements.

        Built once for the current apps: routing a message then looks up
        neither the apps of a phase nor their methods.
        """
        key = tuple(self.apps)
        if self._phase_calls_key != key:
            table = {}
            for phase in (*self.incoming_phases, *self.outgoing_phases):
                calls = [(app, getattr(app, phase)) for app in self.phase_apps(phase)]
                if calls:
                    table[phase] = calls
            self._phase_calls, self._phase_calls_key = table, key
        return self._phase_calls

    def process_incoming_phases(self, msg: IncomingMessage) -> bool:
        """Run the incoming phases over the apps; return ``False`` to send no replies."""
        table = self._calls_table()
        for phase in self.incoming_phases:
            calls = table.get(phase)
            if calls is None or (phase == "default" and msg.handled):
                continue
            for app, method in calls:
                try:
                    result = method(msg)
                except Exception as exc:
                    result = self._phase_failed(app, phase, msg, exc)
                if result is True:
                    if phase == "filter":
                        logger.info("Message %s was filtered by %s.", msg.id, app.name)
                        msg.processed = True
                        return True
                    if phase == "handle":
                        msg.handled = True
                        break
                    if phase == "default":
                        break
        msg.processed = True
        return True

    def send_response(self, msg: IncomingMessage, response: dict[str, Any]) -> None:
        """Send one reply queued with ``msg.respond()``; log a failure, never raise it.

        A failed reply must not stop the other replies to the same message.
        """
        context = dict(response)
        try:
            reply = self.new_outgoing_message(**context)
            self.send_outgoing(reply)
        except MessageSendingError:
            pass  # already logged with its backend and identities
        except Exception:
            logger.exception("Could not send a reply to message %s.", msg.id)

    def _phase_failed(self, app: AppBase, phase: str, msg: Any, exc: Exception) -> None:
        """Log that ``app`` raised ``exc`` in ``phase``; the other apps still run."""
        logger.error(
            "App %s raised an exception in the %s phase for message %s (%r); "
            "the other apps still get the message.",
            app.name,
            phase,
            msg.id,
            msg.text[:40],
            exc_info=exc,
        )

    # Outgoing -------------------------------------------------------------

    def new_outgoing_message(
        self, text: str, connections: Any, class_: type = OutgoingMessage, **kwargs: Any
    ) -> OutgoingMessage:
        """Build an outgoing message of ``class_``."""
        return class_(connections=connections, text=text, **kwargs)

    def send_outgoing(self, msg: OutgoingMessage) -> None:
        """Run the outgoing phase and send ``msg`` through its backends."""
        self.process_outgoing(msg)

    def process_outgoing(self, msg: OutgoingMessage) -> None:
        """Send ``msg`` unless an app cancelled it."""
        if self.process_outgoing_phases(msg):
            self.backend_preparation(msg)

    def process_outgoing_phases(self, msg: OutgoingMessage) -> bool:
        """Run ``outgoing`` over the apps in reverse order; ``False`` if one cancelled."""
        for app, method in self.phase_calls("outgoing"):
            try:
                result = method(msg)
            except Exception as exc:
                result = self._phase_failed(app, "outgoing", msg, exc)
            if result is False:
                logger.info("App %s cancelled outgoing message %s.", app.name, msg.id)
                return False
        msg.processed = True
        return True

    def group_outgoing_identities(self, msg: OutgoingMessage) -> dict[str, list[str]]:
        """Return ``{backend name: [identity, ...]}`` for the message's connections.

        An identity appears once per backend even if it is listed twice, so
        nobody gets the same message twice.
        """
        groups: dict[str, list[str]] = {}
        connections = msg.connections
        if len(connections) == 1 and not isinstance(connections, QuerySet):
            # A reply: one connection, nothing to merge.
            (conn,) = connections
            return {conn.backend.name: [conn.identity]}
        if isinstance(connections, QuerySet):
            pairs: Iterable = connections.values_list("backend__name", "identity")
        else:
            pairs = ((conn.backend.name, conn.identity) for conn in connections)
        seen: set[tuple[str, str]] = set()
        for backend_name, identity in pairs:
            if (backend_name, identity) in seen:
                continue
            seen.add((backend_name, identity))
            groups.setdefault(backend_name, []).append(identity)
        return groups

    def backend_preparation(self, msg: OutgoingMessage) -> None:
        """Make one ``send()`` call per backend; raise one error for all failures.

        Every backend is tried even when an earlier one fails.
        """
        context = msg.extra_backend_context()
        failures: list[MessageSendingError] = []
        for backend_name, identities in self.group_outgoing_identities(msg).items():
            try:
                self.send_to_backend(backend_name, msg.id, msg.text, identities, context)
            except MessageSendingError as exc:
                failures.append(exc)
                failed = set(exc.failed_identities or identities)
                announce_outgoing_status(
                    type(self), backend_name, msg.id,
                    {name: "failed" if name in failed else "sent" for name in identities},
                    {identity: redact(str(exc)) for identity in failed}, message=msg,
                )
            else:
                if outgoing_status.receivers:  # the statuses are built only for a listener
                    announce_outgoing_status(type(self), backend_name, msg.id,
                                             dict.fromkeys(identities, "sent"), message=msg)
        if failures:
            raise combine_failures(failures, "Sending failed on several backends: "
                                   + "; ".join(str(failure) for failure in failures))

    #: Whether a send to a backend this process does not have may succeed
    #: later. False here: this process is the only one that could send it.
    unknown_backend_retryable = False
    #: The level at which a backend's send failure is logged.
    send_failure_log_level = logging.ERROR

    def send_to_backend(
        self,
        backend_name: str,
        id_: Any,
        text: str,
        identities: list[str],
        context: dict[str, Any],
    ) -> Results:
        """Send through one backend; return the result of each identity.

        What ``backend.send()`` returned is read by
        :func:`~rapidsms.backends.results.read_results`, and the gateway ids
        in it are kept for delivery reports. Raise ``MessageSendingError``
        (logged) on failure: the backend's own, completed with the
        identities and backend name; one built from the results when the
        backend returned refusals; or one wrapping any other exception.
        """
        backend = self.backends.get(backend_name)
        if backend is None:
            why = self.unavailable_backends.get(backend_name)
            problem = (f"backend {backend_name!r} could not be loaded ({why})" if why else
                       f"backend {backend_name!r} is not in this process's INSTALLED_BACKENDS")
            logger.error("Message %s was not sent to %s: %s.", id_, ", ".join(identities),
                         problem)
            raise MessageSendingError(
                f"Router is not configured with the {backend_name!r} backend; add it to "
                "INSTALLED_BACKENDS." if not why else f"Router could not load the "
                f"{backend_name!r} backend: {why}",
                failed_identities=identities,
                backend=backend_name,
                retryable=self.unknown_backend_retryable,
            )
        try:
            returned = backend.send(id_=id_, text=text, identities=identities, context=context)
        except Exception as exc:
            returned = exc
        return self.read_send_outcome(backend, id_, identities, returned)

    def read_send_outcome(
        self, backend: BackendBase, id_: Any, identities: list[str], returned: Any
    ) -> Results:
        """Return the result of each identity from what a send returned or raised.

        ``returned`` is what ``backend.send()`` returned, or the exception it
        raised; see :meth:`send_to_backend`, which this completes.
        """
        if returned is None:
            # What RapidSMS 2.x backends return: every identity got it, no ids.
            return dict.fromkeys(identities, ACCEPTED)
        backend_name = backend.name
        try:
            if isinstance(returned, BaseException):
                raise returned
            results = read_results(returned, identities)
        except MessageSendingError as exc:
            if not exc.failed_identities:
                exc.failed_identities = list(identities)
            exc.backend = exc.backend or backend_name
            if exc.results:
                # Recipients the gateway took, with its ids, in a partial failure.
                remember_gateway_ids(backend, id_, results_of_error(exc, identities))
            self._log_send_failure(exc, id_)
            raise
        except Exception as exc:
            logger.error("%s encountered an error while sending message %s.", backend_name, id_,
                         exc_info=exc)
            raise MessageSendingError(
                f"{backend_name} encountered an error while sending: {exc}",
                failed_identities=identities,
                backend=backend_name,
            ) from exc
        remember_gateway_ids(backend, id_, results)
        try:
            raise_refusals(results, f"Backend {backend_name} refused message {id_} for",
                           backend=backend_name)
        except MessageSendingError as exc:
            self._log_send_failure(exc, id_)
            raise
        return results

    def _log_send_failure(self, exc: MessageSendingError, id_: Any) -> None:
        logger.log(
            self.send_failure_log_level,
            "Backend %s failed to send message %s to %s: %s",
            exc.backend,
            id_,
            ", ".join(exc.failed_identities),
            exc.message,
        )

    # Deprecated RapidSMS 1.x entry points -----------------------------------

    def incoming(self, msg: IncomingMessage) -> None:
        """Deprecated: use :meth:`receive_incoming`."""
        warnings.warn("Router.incoming() is deprecated; use receive_incoming().",
                      DeprecationWarning, stacklevel=2)
        self.receive_incoming(msg)

    def outgoing(self, msg: OutgoingMessage) -> None:
        """Deprecated: use :meth:`send_outgoing`."""
        warnings.warn("Router.outgoing() is deprecated; use send_outgoing().",
                      DeprecationWarning, stacklevel=2)
        self.send_outgoing(msg)

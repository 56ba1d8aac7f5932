"""Functions apps and backends call to move messages."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from rapidsms.conf import get_setting
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.messages.outgoing import OutgoingMessage
from rapidsms.router import connection_rows

logger = logging.getLogger(__name__)

_router_lock = threading.Lock()
_cached_router: Any = None
_cached_router_path: str | None = None


def get_router() -> Any:
    """Return the router named by ``RAPIDSMS_ROUTER``, built once per process.

    A dotted path is imported and instantiated the first time, then reused
    until a setting the router depends on changes (see
    :func:`reset_router`). A router *instance* in the setting (as the test
    harness uses) is returned as it is.
    """
    global _cached_router, _cached_router_path
    router = _cached_router
    if router is not None:
        # Forgotten by reset_router() whenever the setting changes.
        return router
    setting = get_setting("RAPIDSMS_ROUTER")
    if not isinstance(setting, str):
        if isinstance(setting, type):
            raise ImproperlyConfigured(
                "RAPIDSMS_ROUTER must be a dotted path such as "
                "'rapidsms.router.blocking.BlockingRouter' or a router instance, not a class."
            )
        return setting
    with _router_lock:
        if _cached_router is None or _cached_router_path != setting:
            try:
                router_class = import_string(setting)
            except ImportError as exc:
                raise ImproperlyConfigured(
                    f"RAPIDSMS_ROUTER = {setting!r} cannot be imported: {exc}"
                ) from exc
            _cached_router = router_class()
            _cached_router_path = setting
        return _cached_router


def reset_router() -> None:
    """Forget the router built by :func:`get_router`; the next call builds a new one.

    Called automatically when ``RAPIDSMS_ROUTER``, ``INSTALLED_BACKENDS``,
    ``INSTALLED_APPS`` or ``RAPIDSMS_HANDLERS`` change through Django's
    ``setting_changed`` signal (``override_settings`` in tests).
    """
    global _cached_router, _cached_router_path
    with _router_lock:
        _cached_router = None
        _cached_router_path = None


def receive(text: str, connection: Any, **kwargs: Any) -> IncomingMessage:
    """Create an incoming message from ``connection`` and pass it to the router.

    Extra keyword arguments go to the message constructor (``fields=``,
    ``id_=``, ``in_response_to=``) or choose its class (``class_=``).
    Return the message; whether processing has finished depends on the router.

    Raise ``ValueError`` for an empty or missing text or a missing connection,
    and ``MessageSendingError`` when the connection's backend is not
    configured. Every refusal is logged.
    """
    router = get_router()
    router.check_incoming(text, connection)
    msg = router.new_incoming_message(text=text, connections=[connection], **kwargs)
    router.receive_incoming(msg)
    return msg


def send(text: str, connections: Any, **kwargs: Any) -> OutgoingMessage:
    """Create an outgoing message to ``connections`` and pass it to the router.

    ``connections`` is a connection, a list or a QuerySet of connections.
    Extra keyword arguments go to the message constructor. Return the message.

    Raise ``MessageSendingError`` after every backend was tried when some
    identities could not be sent to (for example a backend that is not
    configured); the other backends still get the message.
    """
    if connections is None:
        logger.warning("Refused to send %r: no connections.", text)
        raise ValueError("send() needs connections: a Connection, a list or a QuerySet.")
    if not isinstance(connections, Iterable) or hasattr(connections, "identity"):
        connections = [connections]
    router = get_router()
    msg = router.new_outgoing_message(text=text, connections=connections, **kwargs)
    router.send_outgoing(msg)
    return msg


def lookup_connections(backend: Any, identities: Iterable[str] | str) -> list:
    """Return the connections for ``identities`` on ``backend``, creating missing ones.

    ``backend`` is a backend name, a ``Backend`` row or a backend object
    (anything with a ``name``). ``identities`` is a list of identities; a
    single string is taken as one identity. The result keeps the order of
    ``identities``.
    """
    from rapidsms.models import Backend, Connection

    if isinstance(identities, str):
        identities = [identities]
    wanted = [str(identity) for identity in identities]
    if not wanted:
        return []
    if isinstance(backend, Backend):
        backend_row, name = backend, backend.name
    else:
        name = backend if isinstance(backend, str) else getattr(backend, "name", None)
        if not name:
            raise ValueError(
                f"lookup_connections() needs a backend name or Backend, not {backend!r}."
            )
        backend_row = None
    unique = list(dict.fromkeys(wanted))
    # PostgreSQL: one statement finds and creates (see connection_rows).
    answer = connection_rows.find_or_create(backend_row, name, unique)
    if answer is not None:
        found, backend_row = answer
    elif backend_row is not None:
        found = {conn.identity: conn for conn in Connection.objects.filter(
            backend=backend_row, identity__in=unique)}
    else:
        # One query in the common case (every connection exists): the backend
        # row comes with the connections, so inbound views pay no extra look-up.
        found = {conn.identity: conn for conn in Connection.objects.filter(
            backend__name=name, identity__in=unique).select_related("backend")}
        if found:
            backend_row = next(iter(found.values())).backend
    missing = [identity for identity in unique if identity not in found]
    if missing and answer is None:
        created, backend_row = connection_rows.insert_missing(backend_row, name, missing)
        found.update(created)
    if missing and backend_row is None:
        backend_row, _ = Backend.objects.get_or_create(name=name)
    for identity in missing:
        if identity not in found:
            found[identity] = _get_or_create_connection(backend_row, identity)
    for conn in found.values():
        conn.backend = backend_row  # saves a query per connection when the router groups them
    return [found[identity] for identity in wanted]


def _get_or_create_connection(backend_row: Any, identity: str) -> Any:
    """Create a connection, tolerating another process creating it first."""
    from rapidsms.models import Connection

    try:
        with transaction.atomic():
            return Connection.objects.create(backend=backend_row, identity=identity)
    except IntegrityError:
        return Connection.objects.get(backend=backend_row, identity=identity)

"""Functions apps and backends call to move messages."""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import IntegrityError, connections, router, transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from rapidsms.conf import get_setting
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.messages.outgoing import OutgoingMessage

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
    if isinstance(backend, Backend):
        backend_row, name = backend, backend.name
        existing = Connection.objects.filter(backend=backend_row, identity__in=set(wanted))
    else:
        name = backend if isinstance(backend, str) else getattr(backend, "name", None)
        if not name:
            raise ValueError(
                f"lookup_connections() needs a backend name or Backend, not {backend!r}."
            )
        backend_row = None
        # One query in the common case (every connection exists): the backend
        # row comes with the connections, so inbound views pay no extra look-up.
        existing = Connection.objects.filter(
            backend__name=name, identity__in=set(wanted)
        ).select_related("backend")
    found = {conn.identity: conn for conn in existing}
    if backend_row is None and found:
        backend_row = next(iter(found.values())).backend
    missing = list(dict.fromkeys(identity for identity in wanted if identity not in found))
    if missing:
        created, backend_row = _insert_connections(backend_row, name, missing)
        found.update(created)
    if missing and backend_row is None:
        backend_row, _ = Backend.objects.get_or_create(name=name)
    for identity in missing:
        if identity not in found:
            found[identity] = _get_or_create_connection(backend_row, identity)
    for conn in found.values():
        conn.backend = backend_row  # saves a query per connection when the router groups them
    return [found[identity] for identity in wanted]


def _insert_connections(
    backend_row: Any, name: str, identities: list[str]
) -> tuple[dict[str, Any], Any]:
    """Create the connections of ``identities`` in one statement; return them and the backend row.

    On PostgreSQL and SQLite: one ``INSERT ... SELECT ... ON CONFLICT DO
    NOTHING RETURNING``, which needs no savepoint and takes the backend's id
    by its name, so a first message from a new number costs one statement,
    not five. An identity another process created meanwhile is left out, as is
    everything when the backend has no row yet: the caller creates those
    the slow way. Elsewhere nothing is created here.
    """
    from rapidsms.models import Backend, Connection

    connection = connections[router.db_for_write(Connection)]
    if connection.vendor not in ("postgresql", "sqlite"):
        return {}, backend_row
    quote = connection.ops.quote_name
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    where, key = (f"b.{quote('id')} = %s", backend_row.pk) if backend_row is not None else (
        f"b.{quote('name')} = %s", name)
    # INSERT ... SELECT: no row at all, rather than an error, when the backend has none.
    values = ", ".join(["(%s)"] * len(identities))
    sql = (
        f"INSERT INTO {quote(Connection._meta.db_table)} ({quote('backend_id')}, "
        f"{quote('identity')}, {quote('created_on')}, {quote('modified_on')}) "
        f"SELECT b.{quote('id')}, v.column1, %s, %s "
        f"FROM {quote(Backend._meta.db_table)} AS b, (VALUES {values}) AS v WHERE {where} "
        f"ON CONFLICT DO NOTHING RETURNING {quote('id')}, {quote('backend_id')}, "
        f"{quote('identity')}"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [now, now, *identities, key])
        inserted = cursor.fetchall()
    created: dict[str, Any] = {}
    for pk, backend_id, identity in inserted:
        if backend_row is None:
            backend_row = Backend(pk=backend_id, name=name)
            backend_row._state.adding, backend_row._state.db = False, connection.alias
        conn = Connection(pk=pk, backend=backend_row, identity=identity,
                          created_on=timezone.now(), modified_on=timezone.now())
        conn._state.adding, conn._state.db = False, connection.alias
        created[identity] = conn
    return created, backend_row


def _get_or_create_connection(backend_row: Any, identity: str) -> Any:
    """Create a connection, tolerating another process creating it first."""
    from rapidsms.models import Connection

    try:
        with transaction.atomic():
            return Connection.objects.create(backend=backend_row, identity=identity)
    except IntegrityError:
        return Connection.objects.get(backend=backend_row, identity=identity)

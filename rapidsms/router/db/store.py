"""Reads and writes of the message store; every status change goes through here.

Each write is one short transaction guarded by a condition on the current
status, so two workers handed the same task (a redelivery after a crash, a
recovery run) can never both act: the second one's UPDATE matches no row.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections.abc import Collection, Iterable, Sequence
from datetime import datetime, timedelta
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import InterfaceError, OperationalError, models, transaction
from django.db import connections as databases
from django.db.models import Case, F, Min, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.module_loading import import_string

from rapidsms.backends.results import (
    Accepted,
    Deferred,
    Refused,
    gateway_ids,
    results_of_error,
)
from rapidsms.errors import MessageSendingError
from rapidsms.messages.incoming import IncomingMessage
from rapidsms.messages.outgoing import OutgoingMessage
from rapidsms.redaction import redact, redact_data
from rapidsms.router.db import statements
from rapidsms.router.db.conf import COUNTDOWN_LIMIT
from rapidsms.router.db.errors import MessageStoreUnavailable
from rapidsms.router.db.models import Message, Transmission, TransmissionEvent
from rapidsms.router.db.retry import decide, decide_deferred
from rapidsms.router.db.rows import insert_rows, insert_with_child
from rapidsms.router.db.status import CLAIMABLE, Direction, Status

logger = logging.getLogger("rapidsms.router.db")

#: A task may arrive a little before its countdown on a worker whose clock is
#: ahead; claims accept transmissions due within this many seconds.
CLOCK_TOLERANCE = 1.0

ERROR_LENGTH = 2000

STOPPED_WITH_BATCH = "not tried: the gateway failed on the message before it; waits with that one"


def class_path(obj: Any, default: type) -> str:
    """Return the dotted path of ``obj``'s class, or "" when it is ``default``."""
    cls = type(obj)
    return "" if cls is default else f"{cls.__module__}.{cls.__qualname__}"


# Incoming -----------------------------------------------------------------


def save_incoming(msg: IncomingMessage) -> Message:
    """Store an incoming message and one transmission per connection; return the row.

    Raise :class:`MessageStoreUnavailable` when the database cannot be
    reached, and ``ValueError`` when the message's ``fields`` are not JSON.
    """
    now = timezone.now()
    connections = list(msg.connections)
    check_json(msg, {})  # refused before anything is written: the caller's transaction stays
    try:
        # Without a savepoint inside the caller's transaction (an inbound
        # view's, which claimed the gateway's id): a failure rolls that back
        # whole, and a savepoint would cost two round trips per message.
        with transaction.atomic(savepoint=False):
            dbm = Message(
                direction=Direction.INCOMING,
                text=msg.text,
                fields=msg.fields,
                external_id=str(msg.fields.get("external_id") or "")[:1024],
                message_class=class_path(msg, IncomingMessage),
                date=now,
            )
            transmissions = [
                Transmission(
                    connection=connection,
                    direction=Direction.INCOMING,
                    backend=connection.backend.name,
                    identity=connection.identity,
                    status=Status.RECEIVED,
                    date=now,
                    updated=now,
                    queued_at=now,
                    dispatched_at=now,
                )
                for connection in connections
            ]
            if len(transmissions) == 1:  # what receive() makes: one statement
                insert_with_child(dbm, transmissions[0], "message")
            else:
                insert_rows([dbm])
                for transmission in transmissions:
                    transmission.message = dbm
                insert_rows(transmissions)
    except (OperationalError, InterfaceError) as exc:
        raise MessageStoreUnavailable(
            f"The incoming message could not be stored, the database is unavailable: {exc}"
        ) from exc
    except TypeError as exc:
        raise ValueError(f"The message's fields cannot be stored as JSON: {exc}") from exc
    return dbm


def rebuild_incoming(dbm: Message, transmissions: Sequence[Transmission]) -> IncomingMessage:
    """Return the message object apps see, with its stored id, class and fields."""
    cls: type = IncomingMessage
    if dbm.message_class:
        try:
            cls = import_string(dbm.message_class)
        except ImportError:
            logger.warning(
                "Message %s was stored as %s, which cannot be imported; using IncomingMessage.",
                dbm.pk,
                dbm.message_class,
            )
    msg = cls(
        connections=[t.connection for t in transmissions],
        text=dbm.text,
        id_=dbm.pk,
        fields=dbm.fields,
    )
    msg.dbm = dbm
    return msg


# Outgoing -----------------------------------------------------------------


def connection_rows(connections: Any) -> list[tuple[int, str, str]]:
    """Return ``(connection pk, backend name, identity)`` once per backend and identity."""
    if isinstance(connections, QuerySet):
        rows: Iterable = connections.values_list("pk", "backend__name", "identity")
    else:
        rows = ((conn.pk, conn.backend.name, conn.identity) for conn in connections)
    seen: set[tuple[str, str]] = set()
    result = []
    for pk, backend, identity in rows:
        if pk is None:
            raise ValueError(
                f"Connection {identity} via {backend} is not saved; create it with "
                "rapidsms.router.lookup_connections() before sending to it."
            )
        if (backend, identity) in seen:
            continue
        seen.add((backend, identity))
        result.append((pk, backend, identity))
    return result


def save_outgoing(
    msg: OutgoingMessage,
    rows: Sequence[tuple[int, str, str]],
    context: dict[str, Any],
    unknown_backends: Iterable[str] = (),
) -> tuple[Message, list[Transmission]]:
    """Store an outgoing message with one queued transmission per connection.

    Transmissions through a backend in ``unknown_backends`` are stored as
    failed at once, so the failure is visible where the others are.
    """
    (dbm,), transmissions = save_outgoing_many([(msg, rows, context, set(unknown_backends))])
    return dbm, transmissions


def save_outgoing_many(
    items: Sequence[
        tuple[OutgoingMessage, Sequence[tuple[int, str, str]], dict[str, Any], Collection[str]]
    ],
    savepoint: bool = True,
) -> tuple[list[Message], list[Transmission]]:
    """Store several outgoing messages at once: two INSERTs, however many there are.

    Each item is ``(message, connection rows, backend context, unknown
    backends)`` as for :func:`save_outgoing`. Return the message rows, in
    order, and all their transmissions. ``savepoint`` False saves two round
    trips inside the caller's transaction, for callers that checked the
    messages' fields (:func:`check_json`): a failure then spoils that
    transaction.
    """
    now = timezone.now()
    messages = [
        Message(
            direction=Direction.OUTGOING,
            text=msg.text,
            fields=msg.fields,
            backend_context=context,
            in_response_to_id=getattr(getattr(msg.in_response_to, "dbm", None), "pk", None),
            message_class=class_path(msg, OutgoingMessage),
            date=now,
        )
        for msg, _, context, _ in items
    ]
    try:
        with transaction.atomic(savepoint=savepoint):
            insert_rows(messages)  # one INSERT each, or save() where it must be
            transmissions = [
                Transmission(
                    message=dbm,
                    connection_id=pk,
                    direction=Direction.OUTGOING,
                    backend=backend,
                    identity=identity,
                    status=Status.FAILED if backend in unknown else Status.QUEUED,
                    last_error=(
                        f"permanent failure: backend {backend!r} is not in INSTALLED_BACKENDS"
                        if backend in unknown
                        else ""
                    ),
                    next_attempt_at=now,
                    date=now,
                    updated=now,
                    queued_at=now,
                    dispatched_at=now,
                )
                for dbm, (_, rows, _, unknown) in zip(messages, items, strict=True)
                for pk, backend, identity in rows
            ]
            insert_rows(transmissions)
    except TypeError as exc:
        raise ValueError(f"The message's fields cannot be stored as JSON: {exc}") from exc
    return messages, transmissions


def check_json(msg: OutgoingMessage, context: dict[str, Any]) -> None:
    """Raise ``ValueError`` now if ``msg``'s fields or ``context`` cannot be stored as JSON."""
    try:
        json.dumps([msg.fields, context], cls=DjangoJSONEncoder)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"The message's fields cannot be stored as JSON: {exc}") from exc


def claim(transmission_ids: Sequence[int]) -> tuple[uuid.UUID, list[Transmission]]:
    """Claim the transmissions that are due for sending; return the token and the rows.

    This is the send-once guard: one conditional UPDATE moves rows from
    queued or retry to sending, and only the worker whose token landed on a
    row may send it. A duplicate task claims nothing.
    """
    now = timezone.now()
    due = now + timedelta(seconds=CLOCK_TOLERANCE)
    token = uuid.uuid4()
    if databases[Transmission.objects.db].vendor == "postgresql":
        return token, statements.claim(transmission_ids, token, now, due)
    claimed = (
        Transmission.objects.filter(
            pk__in=list(transmission_ids),
            direction=Direction.OUTGOING,
            status__in=CLAIMABLE,
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=due))
        .update(status=Status.SENDING, claim_token=token, claimed_at=now, updated=now)
    )
    if not claimed:
        return token, []
    rows = list(
        Transmission.objects.filter(claim_token=token, status=Status.SENDING)
        .select_related("message")
        .order_by("pk")
    )
    return token, rows


def claim_with_same_text(
    transmission_ids: Sequence[int], backend_name: str, limit: int
) -> tuple[uuid.UUID, list[Transmission]]:
    """Claim like :func:`claim`, and with them other due transmissions of the same text.

    For a backend that sends one text to many people in one request
    (:attr:`~rapidsms.backends.base.BackendBase.coalesce_window`): up to
    ``limit`` due transmissions through ``backend_name`` whose message has
    the text of one of ``transmission_ids`` join the claim. One UPDATE
    claims them all, so that workers running such tasks at the same instant
    do not split them: one gets the lot, the others find nothing to do.
    """
    ids = list(transmission_ids)
    texts = set(
        Transmission.objects.filter(pk__in=ids).values_list("message__text", flat=True)
    )
    now = timezone.now()
    due = Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now + timedelta(
        seconds=CLOCK_TOLERANCE))
    claimable = Transmission.objects.filter(direction=Direction.OUTGOING,
                                            status__in=CLAIMABLE).filter(due)
    wanted = claimable.filter(
        Q(pk__in=ids) | Q(backend=backend_name, message__text__in=texts)
    ).order_by("pk").values("pk")[: max(limit, len(ids))]
    token = uuid.uuid4()
    if not claimable.filter(pk__in=wanted).update(
        status=Status.SENDING, claim_token=token, claimed_at=now, updated=now
    ):
        return token, []
    rows = Transmission.objects.filter(claim_token=token, status=Status.SENDING)
    return token, list(rows.select_related("message").order_by("pk"))


def align_retries(token: uuid.UUID) -> None:
    """Give the claim's transmissions that wait for a retry the earliest retry time of them.

    After a failed send of messages sent together (one request): they would
    go together again, so the first retry takes them all rather than each
    going alone at its own jittered time.
    """
    waiting = Transmission.objects.filter(claim_token=token, status=Status.RETRY)
    first = waiting.aggregate(first=Min("next_attempt_at"))["first"]
    if first is not None:
        waiting.update(next_attempt_at=first)


def record_sent(
    rows: Sequence[Transmission], token: uuid.UUID, gateway_ids: dict[int, str]
) -> list[Transmission] | None:
    """Mark claimed transmissions sent and keep the gateway's message ids (by primary key).

    Only a row still "sending" becomes "sent": a delivery report may
    already have moved it further, and it must stay there. Called after
    every ``backend.send()``, so that a worker that dies loses the outcome
    of one call at most: on PostgreSQL it is one statement, which also
    returns the rows of ``rows`` it wrote, with their status and error as
    they now are (so they need not be read again to be announced); None
    elsewhere.
    """
    if not rows:
        return []
    now = timezone.now()
    known = {row.pk: str(gateway_ids[row.pk])[:255] for row in rows if gateway_ids.get(row.pk)}
    if databases[Transmission.objects.db].vendor == "postgresql":
        written = statements.record_sent(rows, token, known, now)
        for row in rows:
            if row.pk in written:
                row.status, row.last_error = written[row.pk]
        return [row for row in rows if row.pk in written]
    sending = Q(status=Status.SENDING)
    changes: dict[str, Any] = {
        "status": Case(
            When(sending, then=Value(Status.SENT.value)),
            default=F("status"),
            output_field=models.CharField(),
        ),
        "sent": Case(
            When(sending, then=Value(now)), default=F("sent"), output_field=models.DateTimeField()
        ),
        "attempts": Case(
            When(sending, then=F("attempts") + 1),
            default=F("attempts"),
            output_field=models.PositiveIntegerField(),
        ),
        "next_attempt_at": None,
        "updated": now,
    }
    if known:
        changes["gateway_message_id"] = Case(
            *(When(pk=pk, then=Value(value)) for pk, value in known.items()),
            default=F("gateway_message_id"),
            output_field=models.CharField(),
        )
    with transaction.atomic(savepoint=False):
        Transmission.objects.filter(pk__in=[row.pk for row in rows], claim_token=token).update(
            **changes
        )
        TransmissionEvent.objects.bulk_create(
            TransmissionEvent(
                transmission_id=row.pk,
                status=Status.SENT,
                raw={"gateway_message_id": known[row.pk]} if row.pk in known else None,
                date=now,
            )
            for row in rows
        )


def record_failure(
    rows: Sequence[Transmission],
    token: uuid.UUID,
    error: MessageSendingError,
    park: bool = True,
) -> list[tuple[datetime, list[int]]]:
    """Record a failed send of claimed rows; return ``(retry_at, ids)`` groups to retry.

    Each row's result is read from the error
    (:func:`~rapidsms.backends.results.results_of_error`): identities the
    gateway accepted are marked sent, with the gateway's id when it gave
    one; each refused one is retried or failed for good by
    :func:`rapidsms.router.db.retry.decide`, with its own ``retryable`` and
    ``retry_after`` when the backend reported results per identity.
    ``park`` False says no delayed task will carry the retries (eager mode):
    the recovery task sends them when due.
    """
    results = results_of_error(error, [row.identity for row in rows])
    succeeded = [row for row in rows if isinstance(results[row.identity], Accepted)]
    accepted_ids = gateway_ids(results)
    # A gateway's answer quoted in the error may echo our credentials.
    whole = redact(str(error))[:ERROR_LENGTH]
    raw = redact_data(getattr(error, "raw", None))
    now = timezone.now()
    by_attempt: dict[tuple[int, datetime, Refused], list[Transmission]] = {}
    for row in rows:
        result = results[row.identity]
        if isinstance(result, Refused):
            # A deferred send was not tried: it costs no attempt.
            tried = 0 if isinstance(result, Deferred) else 1
            by_attempt.setdefault((row.attempts + tried, row.queued_at, result), []).append(row)
    retries: list[tuple[datetime, list[int]]] = []
    with transaction.atomic(savepoint=False):
        record_sent(succeeded, token, {row.pk: accepted_ids[row.identity]
                                       for row in succeeded if row.identity in accepted_ids})
        for (attempts, queued_at, result), group in by_attempt.items():
            # Per-identity results say why this one failed; otherwise the whole error does.
            text = redact(result.reason)[:ERROR_LENGTH] if error.results else whole
            if isinstance(result, Deferred):
                decision = decide_deferred(
                    queued_at=queued_at, error=text, retry_after=result.retry_after, now=now
                )
            else:
                decision = decide(
                    attempts=attempts,
                    queued_at=queued_at,
                    retryable=result.retryable,
                    error=text,
                    retry_after=result.retry_after,
                    now=now,
                )
            ids = [row.pk for row in group]
            tried = 0 if isinstance(result, Deferred) else 1
            guard = Transmission.objects.filter(
                pk__in=ids, claim_token=token, status=Status.SENDING
            )
            if decision.gives_up:
                guard.update(
                    status=Status.FAILED,
                    last_error=decision.reason[:ERROR_LENGTH],
                    attempts=F("attempts") + tried,
                    next_attempt_at=None,
                    updated=now,
                )
                status = Status.FAILED
            else:
                parked = park and (decision.retry_at - now).total_seconds() <= COUNTDOWN_LIMIT
                guard.update(
                    status=Status.RETRY,
                    last_error=text,
                    attempts=F("attempts") + tried,
                    next_attempt_at=decision.retry_at,
                    # None: too far ahead to park in the broker; recovery sends it.
                    dispatched_at=decision.retry_at if parked else None,
                    updated=now,
                )
                status = Status.RETRY
                if parked:
                    retries.append((decision.retry_at, ids))
            TransmissionEvent.objects.bulk_create(
                TransmissionEvent(
                    transmission_id=pk,
                    status=status,
                    detail=decision.reason[:ERROR_LENGTH],
                    raw=raw,
                    date=now,
                )
                for pk in ids
            )
    return retries


def record_cancelled(token: uuid.UUID, reasons: dict[int, str]) -> None:
    """End claimed transmissions a send-time veto stopped; ``reasons`` by primary key.

    They become "cancelled", with the reason (``"opted out"``) in
    ``last_error`` and in an event; their attempts do not change, since
    nothing was sent.
    """
    now = timezone.now()
    by_reason: dict[str, list[int]] = {}
    for pk, reason in reasons.items():
        by_reason.setdefault(f"cancelled: {reason}"[:ERROR_LENGTH], []).append(pk)
    with transaction.atomic():
        for detail, ids in by_reason.items():
            cancelled = Transmission.objects.filter(
                pk__in=ids, claim_token=token, status=Status.SENDING
            )
            changed = list(cancelled.values_list("pk", flat=True))
            cancelled.update(
                status=Status.CANCELLED, last_error=detail, next_attempt_at=None, updated=now
            )
            TransmissionEvent.objects.bulk_create(
                TransmissionEvent(transmission_id=pk, status=Status.CANCELLED, detail=detail,
                                  date=now)
                for pk in changed
            )


def release(transmission_ids: Sequence[int], token: uuid.UUID, until: datetime | None) -> None:
    """Give back claimed transmissions that were not tried, to be sent at ``until``.

    ``until`` None leaves them to the recovery task, sent as soon as it runs.
    They go back to queued (or retry, when tried before); their attempts
    do not change.
    """
    now = timezone.now()
    released = Transmission.objects.filter(
        pk__in=list(transmission_ids), claim_token=token, status=Status.SENDING
    )
    with transaction.atomic():
        ids = list(released.values_list("pk", flat=True))
        released.update(
            status=Case(
                When(attempts=0, then=Value(Status.QUEUED.value)),
                default=Value(Status.RETRY.value),
                output_field=models.CharField(),
            ),
            claim_token=None,
            claimed_at=None,
            next_attempt_at=until or now,
            dispatched_at=until,
            updated=now,
        )
        TransmissionEvent.objects.bulk_create(
            TransmissionEvent(
                transmission_id=pk, status=Status.QUEUED, detail=STOPPED_WITH_BATCH, date=now
            )
            for pk in ids
        )


def defer(transmission_ids: Sequence[int], until: datetime, dispatched: bool) -> None:
    """Put off the unclaimed transmissions of a batch until ``until`` (a rate-limit slot).

    ``dispatched`` says a delayed task was handed to the broker for them;
    otherwise the recovery task sends them when they are due.
    """
    Transmission.objects.filter(pk__in=list(transmission_ids), status__in=CLAIMABLE).update(
        next_attempt_at=until,
        dispatched_at=until if dispatched else None,
        updated=timezone.now(),
    )


def requeue_failed(queryset: QuerySet[Transmission], note: str) -> list[int]:
    """Queue failed outgoing transmissions again from scratch; return their ids.

    The operator's "retry failed" action: attempts and the maximum age start
    over. The caller dispatches the returned ids.
    """
    return _requeue(queryset, note, Status.FAILED)


def resend_unknown(queryset: QuerySet[Transmission], note: str) -> list[int]:
    """Queue outgoing transmissions whose outcome is unknown again; return their ids.

    The operator's "resend" of messages in doubt, the only way from
    "unknown" back to "queued": the recipient may get the message twice.
    The caller dispatches the returned ids.
    """
    return _requeue(queryset, note, Status.UNKNOWN)


def _requeue(queryset: QuerySet[Transmission], note: str, status: str) -> list[int]:
    now = timezone.now()
    ids = list(
        queryset.filter(direction=Direction.OUTGOING, status=status).values_list(
            "pk", flat=True
        )
    )
    if not ids:
        return []
    with transaction.atomic():
        # A delivery report may settle an "unknown" row meanwhile: only rows
        # still in ``status`` are queued, and only they get an event.
        ids = list(
            Transmission.objects.select_for_update()
            .filter(pk__in=ids, status=status)
            .values_list("pk", flat=True)
        )
        Transmission.objects.filter(pk__in=ids).update(
            status=Status.QUEUED,
            attempts=0,
            next_attempt_at=now,
            queued_at=now,
            dispatched_at=now,
            claim_token=None,
            claimed_at=None,
            updated=now,
        )
        TransmissionEvent.objects.bulk_create(
            TransmissionEvent(transmission_id=pk, status=Status.QUEUED, detail=note, date=now)
            for pk in ids
        )
    return ids

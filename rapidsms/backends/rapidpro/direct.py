"""Sending at once, for a router that stores and retries each recipient's send.

Under the durable router (``rapidsms.router.db``, whose ``retries_sends`` is
True) the router's transmissions are the queue: its workers claim each
recipient once, keep the backend's ``router.rate``, check opt-outs at send
time and try again what is refused for now. ``send()`` then makes its
requests in the calling worker and reports one result per recipient:

=========================================  ===========================================
RapidPro answered                          the recipients' results
=========================================  ===========================================
201                                        accepted (with RapidPro's message id for a
                                           reply sent to a contact)
400 naming some URNs                       those refused; the others sent again at once
400 for a contact RapidPro no longer has   the contact forgotten; its URN gets a broadcast
400 otherwise, 403, 404, other 4xx         refused
429, or the shared budget is spent         deferred until there is room (no attempt used)
refused connection, 503, other 5xx         refused for now: the router backs off
no answer after sending (timeout)          refused and never sent again (RapidPro may have
                                           it); the status poller looks for it
=========================================  ===========================================

What stays RapidPro's own is small: recipients go together as broadcasts of
up to ``batch_size`` URNs (the router lets a send wait ``coalesce_window``
seconds and hands every due message with the same text to one
``send_many()``), a reply to a known contact goes as a message, and every
request spends the budget all processes share
(:mod:`rapidsms.backends.rapidpro.throttle`). What RapidPro took is written
to the outbox table as ``accepted`` (or ``unknown``) only so that the status
poller follows its delivery; nothing waits there to be sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from rapidsms.backends.rapidpro.errors import (
    RapidProBadRequestError,
    RapidProConnectionError,
    RapidProError,
    RapidProHttpError,
    RapidProOutcomeUnknownError,
    RapidProRateExceededError,
    RapidProResponseError,
)
from rapidsms.backends.rapidpro.models import OutboxEntry, RapidProContact
from rapidsms.backends.rapidpro.outbox import Recipient, refused_urns, text_key
from rapidsms.backends.rapidpro.throttle import RateLimited
from rapidsms.backends.results import Accepted, Deferred, Refused, Results

if TYPE_CHECKING:
    from rapidsms.backends.rapidpro.outgoing import RapidProBackend

logger = logging.getLogger("rapidsms.backends.rapidpro")

NO_ANSWER = "no answer, so RapidPro may have it; not sent again"

#: One recipient of one message: ``(message id, recipient)``.
Target = tuple[str, Recipient]


class _Stopped(Exception):
    """A request failed for every recipient in it: ``refusal`` is their result."""

    def __init__(self, refusal: Refused, *, unknown: bool = False, errors: Any = None) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal
        self.unknown = unknown
        self.errors = errors


class DirectSender:
    """Make one call's requests now and report each recipient's result.

    A call sends one text for one message or several (``send_many()``).
    One sender per call (it keeps the call's results): a backend serves
    many worker threads at once.
    """

    def __init__(self, backend: RapidProBackend) -> None:
        self.backend = backend
        self.name = backend.name
        #: ``{message id: {identity: result}}``
        self.results: dict[str, Results] = {}
        #: outbox rows for the status poller, written when the call ends
        self.followed: list[OutboxEntry] = []
        #: set when RapidPro cannot take requests now: the rest is not tried
        self.stop: Refused | None = None

    def send(self, text: str, messages: list[tuple[str, list[Recipient]]]) -> dict[str, Results]:
        """Send ``text`` to each message's recipients; return ``{message id: results}``."""
        broadcast: list[Target] = []
        for id_, recipients in messages:
            self.results.setdefault(id_, {})
            for recipient in recipients:
                if not recipient.contact_uuid:
                    broadcast.append((id_, recipient))
                elif not self._to_contact(id_, text, recipient):
                    broadcast.append((id_, Recipient(recipient.identity, recipient.urn)))
        while broadcast:
            chunk, broadcast = self._chunk(broadcast)
            self._broadcast(text, chunk)
        if self.followed:
            OutboxEntry.objects.bulk_create(self.followed, ignore_conflicts=True)
        return self.results

    def _chunk(self, targets: list[Target]) -> tuple[list[Target], list[Target]]:
        """Split off the next broadcast: up to ``batch_size`` recipients, each URN once."""
        chunk: list[Target] = []
        later: list[Target] = []
        urns: set[str] = set()
        for target in targets:
            urn = target[1].urn
            if len(chunk) < self.backend.batch_size and urn not in urns:
                chunk.append(target)
                urns.add(urn)
            else:
                later.append(target)  # a second recipient with a URN goes in a later one
        return chunk, later

    def _set(self, targets: list[Target], result: Refused | Accepted) -> None:
        for id_, recipient in targets:
            self.results[id_][recipient.identity] = result

    def _to_contact(self, id_: str, text: str, recipient: Recipient) -> bool:
        """Send a reply to a known contact; return False when its URN must get a broadcast."""
        target = [(id_, recipient)]
        if self.stop is not None:
            self._set(target, self.stop)
            return True
        try:
            message = self._request(
                self.backend.client.create_message, recipient.contact_uuid, text
            )
        except _Stopped as stopped:
            if isinstance(stopped.errors, dict) and "contact" in stopped.errors:
                RapidProContact.objects.filter(contact_uuid=recipient.contact_uuid).delete()
                logger.info("%s: RapidPro no longer has contact %s; %s gets a broadcast.",
                            self.name, recipient.contact_uuid, recipient.urn)
                return False
            self._stopped(target, stopped, text, OutboxEntry.MESSAGE)
            return True
        key = str(getattr(message, "key", "") or "")
        self._set(target, Accepted(key or None))
        self._follow(target, text, OutboxEntry.MESSAGE, OutboxEntry.ACCEPTED,
                     message_key=key, raw_status=str(getattr(message, "status", ""))[:32])
        return True

    def _broadcast(self, text: str, chunk: list[Target]) -> None:
        """Send one broadcast; a 400 naming some URNs refuses those and sends the rest again."""
        for _ in range(2):
            if self.stop is not None:
                self._set(chunk, self.stop)
                return
            try:
                urns = [recipient.urn for _, recipient in chunk]
                broadcast = self._request(self.backend.client.create_broadcast, text, urns=urns)
            except _Stopped as stopped:
                bad = refused_urns(stopped.errors, urns)
                if not bad or len(bad) == len(chunk):
                    self._stopped(chunk, stopped, text, OutboxEntry.BROADCAST)
                    return
                for target in chunk:
                    urn = target[1].urn
                    if urn in bad:
                        self._set([target], Refused(
                            self.backend.redact(f"RapidPro refused {urn}: {bad[urn]}")))
                chunk = [target for target in chunk if target[1].urn not in bad]
                continue
            self._set(chunk, Accepted())
            key = str(getattr(broadcast, "key", "") or "")
            self._follow(chunk, text, OutboxEntry.BROADCAST, OutboxEntry.ACCEPTED,
                         broadcast_key=key, raw_status=str(getattr(broadcast, "status", ""))[:32])
            return
        self._stopped(chunk, _Stopped(Refused("RapidPro refused the broadcast twice")), text,
                      OutboxEntry.BROADCAST)
    def _request(self, call: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """Make one request within the budget; turn each failure into its result."""
        client = self.backend.client
        redact = self.backend.redact
        try:
            with client.waiting_at_most(self.backend.rate_limit_wait):
                return call(*args, **kwargs)
        except RateLimited as exc:
            raise _Stopped(Deferred(str(exc), retry_after=exc.wait)) from None
        except RapidProRateExceededError as exc:
            raise _Stopped(Deferred(redact(str(exc)), retry_after=exc.retry_after)) from None
        except RapidProOutcomeUnknownError as exc:
            logger.error("%s: %s; not sent again.", self.name, redact(str(exc)))
            raise _Stopped(Refused(NO_ANSWER), unknown=True) from None
        except RapidProBadRequestError as exc:
            raise _Stopped(Refused(redact(str(exc))), errors=exc.errors) from None
        except RapidProConnectionError as exc:
            raise _Stopped(Refused(redact(str(exc)), retryable=True)) from None
        except RapidProHttpError as exc:
            retryable = exc.status_code is not None and exc.status_code >= 500
            raise _Stopped(Refused(redact(str(exc)), retryable=retryable)) from None
        except RapidProResponseError as exc:
            # A success status with a body we cannot read: RapidPro took the request.
            logger.warning("%s: %s", self.name, redact(str(exc)))
            return None
        except RapidProError as exc:  # 403 (token), 404, ...: trying again cannot help
            raise _Stopped(Refused(redact(str(exc)))) from None

    def _stopped(self, targets: list[Target], stopped: _Stopped, text: str, route: str) -> None:
        """Give ``targets`` the failed request's result; later ones wait when it may pass."""
        self._set(targets, stopped.refusal)
        if stopped.unknown:
            self._follow(targets, text, route, OutboxEntry.UNKNOWN, error=NO_ANSWER)
        elif stopped.refusal.retryable:
            # RapidPro cannot take requests now: the rest of this send is not tried either.
            self.stop = stopped.refusal

    def _follow(self, targets: list[Target], text: str, route: str, status: str,
                **fields: Any) -> None:
        """Have the status poller follow these recipients (an outbox row each)."""
        now = timezone.now()
        digest = text_key(text)
        self.followed += [
            OutboxEntry(backend=self.name, message_id=id_, identity=r.identity, urn=r.urn,
                        text=text, text_key=digest, route=route, contact_uuid=r.contact_uuid,
                        status=status, created_at=now, due_at=now, sent_at=now, attempts=1,
                        **fields)
            for id_, r in targets
        ]

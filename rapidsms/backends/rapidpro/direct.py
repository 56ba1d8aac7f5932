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

What stays RapidPro's own is small: recipients of one send go together as
broadcasts of up to ``batch_size`` URNs, a reply to a known contact goes as
a message, and every request spends the budget all processes share
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


class _Stopped(Exception):
    """A request failed for every recipient in it: ``refusal`` is their result."""

    def __init__(self, refusal: Refused, *, unknown: bool = False, errors: Any = None) -> None:
        super().__init__(refusal.reason)
        self.refusal = refusal
        self.unknown = unknown
        self.errors = errors


class DirectSender:
    """Make one ``send()``'s requests now and report each recipient's result.

    One sender per call (it keeps the call's results): a backend serves
    many worker threads at once.
    """

    def __init__(self, backend: RapidProBackend) -> None:
        self.backend = backend
        self.name = backend.name
        self.results: Results = {}
        #: outbox rows for the status poller, written when the call ends
        self.followed: list[OutboxEntry] = []
        #: set when RapidPro cannot take requests now: the rest is not tried
        self.stop: Refused | None = None

    def send(self, id_: str, text: str, recipients: list[Recipient]) -> Results:
        """Send ``text`` to ``recipients``; return ``{identity: result}``."""
        broadcast = [r for r in recipients if not r.contact_uuid]
        for recipient in recipients:
            if recipient.contact_uuid and not self._to_contact(id_, text, recipient):
                broadcast.append(Recipient(recipient.identity, recipient.urn))
        while broadcast:
            chunk, broadcast = self._chunk(broadcast)
            self._broadcast(id_, text, chunk)
        if self.followed:
            OutboxEntry.objects.bulk_create(self.followed, ignore_conflicts=True)
        return self.results

    def _chunk(self, recipients: list[Recipient]) -> tuple[list[Recipient], list[Recipient]]:
        """Split off the next broadcast: up to ``batch_size`` recipients, each URN once."""
        chunk: list[Recipient] = []
        later: list[Recipient] = []
        urns: set[str] = set()
        for recipient in recipients:
            if len(chunk) < self.backend.batch_size and recipient.urn not in urns:
                chunk.append(recipient)
                urns.add(recipient.urn)
            else:
                later.append(recipient)  # a second identity for a URN goes in a later one
        return chunk, later

    def _to_contact(self, id_: str, text: str, recipient: Recipient) -> bool:
        """Send a reply to a known contact; return False when its URN must get a broadcast."""
        if self.stop is not None:
            self.results[recipient.identity] = self.stop
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
            self._stopped([recipient], stopped, id_, text, OutboxEntry.MESSAGE)
            return True
        key = str(getattr(message, "key", "") or "")
        self.results[recipient.identity] = Accepted(key or None)
        self._follow([recipient], id_, text, OutboxEntry.MESSAGE, OutboxEntry.ACCEPTED,
                     message_key=key, raw_status=str(getattr(message, "status", ""))[:32])
        return True

    def _broadcast(self, id_: str, text: str, chunk: list[Recipient]) -> None:
        """Send one broadcast; a 400 naming some URNs refuses those and sends the rest again."""
        for _ in range(2):
            if self.stop is not None:
                for recipient in chunk:
                    self.results[recipient.identity] = self.stop
                return
            try:
                urns = [r.urn for r in chunk]
                broadcast = self._request(self.backend.client.create_broadcast, text, urns=urns)
            except _Stopped as stopped:
                bad = refused_urns(stopped.errors, urns)
                if not bad or len(bad) == len(chunk):
                    self._stopped(chunk, stopped, id_, text, OutboxEntry.BROADCAST)
                    return
                for recipient in chunk:
                    if recipient.urn in bad:
                        self.results[recipient.identity] = Refused(
                            self.backend.redact(f"RapidPro refused {recipient.urn}: "
                                                f"{bad[recipient.urn]}"))
                chunk = [r for r in chunk if r.urn not in bad]
                continue
            for recipient in chunk:
                self.results[recipient.identity] = Accepted()
            key = str(getattr(broadcast, "key", "") or "")
            self._follow(chunk, id_, text, OutboxEntry.BROADCAST, OutboxEntry.ACCEPTED,
                         broadcast_key=key, raw_status=str(getattr(broadcast, "status", ""))[:32])
            return
        self._stopped(chunk, _Stopped(Refused("RapidPro refused the broadcast twice")), id_,
                      text, OutboxEntry.BROADCAST)

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

    def _stopped(self, recipients: list[Recipient], stopped: _Stopped, id_: str, text: str,
                 route: str) -> None:
        """Give ``recipients`` the failed request's result; later ones wait when it may pass."""
        for recipient in recipients:
            self.results[recipient.identity] = stopped.refusal
        if stopped.unknown:
            self._follow(recipients, id_, text, route, OutboxEntry.UNKNOWN, error=NO_ANSWER)
        elif stopped.refusal.retryable:
            # RapidPro cannot take requests now: the rest of this send is not tried either.
            self.stop = stopped.refusal

    def _follow(self, recipients: list[Recipient], id_: str, text: str, route: str,
                status: str, **fields: Any) -> None:
        """Have the status poller follow these recipients (an outbox row each)."""
        now = timezone.now()
        digest = text_key(text)
        self.followed += [
            OutboxEntry(backend=self.name, message_id=id_, identity=r.identity, urn=r.urn,
                        text=text, text_key=digest, route=route, contact_uuid=r.contact_uuid,
                        status=status, created_at=now, due_at=now, sent_at=now, attempts=1,
                        **fields)
            for r in recipients
        ]

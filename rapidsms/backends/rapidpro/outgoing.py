"""``RapidProBackend``: a RapidPro workspace as one more gateway.

Identities are URNs (:mod:`rapidsms.backends.rapidpro.urns`). Replies to a
known contact go as ``POST messages.json``, everything else as ``POST
broadcasts.json`` of up to 100 URNs, within a request budget that every
process shares (:mod:`rapidsms.backends.rapidpro.throttle`). Under the
durable router, whose transmissions are the queue, the requests are made in
the worker and each recipient's result reported
(:mod:`rapidsms.backends.rapidpro.direct`); under the blocking router sends
go through the backend's own outbox
(:mod:`rapidsms.backends.rapidpro.outbox`), which also coalesces the same
text sent to several people within ``coalesce_window``.
Incoming messages arrive at the webhook view
(:mod:`rapidsms.backends.rapidpro.views`) or through the poller
(:mod:`rapidsms.backends.rapidpro.poller`).
"""

from __future__ import annotations

import logging
from functools import cached_property
from typing import TYPE_CHECKING, Any

from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from rapidsms.backends.http_base import HttpBackendBase
from rapidsms.backends.phone_numbers import InvalidIdentity
from rapidsms.backends.rapidpro.urns import normalize_urn
from rapidsms.backends.results import Accepted, Refused, Results
from rapidsms.errors import BackendOptionsError, MessageSendingError

if TYPE_CHECKING:
    from rapidsms.backends.rapidpro.flusher import BackgroundFlusher
    from rapidsms.backends.rapidpro.models import OutboxEntry
    from rapidsms.backends.rapidpro.outbox import Outbox, Recipient
    from rapidsms.backends.rapidpro.throttle import BudgetedClient, SharedRateLimit

logger = logging.getLogger("rapidsms.backends.rapidpro")

DEFAULT_RATE_LIMIT = "2500/h"


class RapidProBackend(HttpBackendBase):
    """Send and receive through a RapidPro workspace, over its API v2.

    Options, besides those of :class:`~rapidsms.backends.http_base.HttpBackendBase`
    (``connect_timeout``, ``read_timeout``, ``inbound_secrets``,
    ``default_region``, ``dedupe_window``):

    ``url`` (required)
        The RapidPro server, such as ``"https://rapidpro.example.org"``.
    ``api_token`` (required)
        The workspace's API token.
    ``coalesce_window`` (seconds, default 1.0)
        How long a broadcast waits for more recipients of the same text.
        0 sends at once, in the calling thread.
    ``rate_limit`` (default ``"2500/h"``)
        Requests allowed per window, shared by every process: ``"2500/h"``,
        ``"60/m"``, ``"5/s"``.
    ``rate_limit_wait`` (seconds, default 2.0)
        How long ``send()`` may wait for the budget in the caller's thread;
        what cannot go by then is sent by a background thread.
    ``batch_size`` (default 100, at most 100)
        URNs per broadcast.
    ``max_pending_age`` (seconds, default 86400)
        How long an entry waits while RapidPro cannot be reached before it
        is reported failed.
    ``poll_overlap`` (seconds, default 600) and ``poll_lookback`` (default 3600)
        How far before its cursor the poller reads again (RapidPro lists a
        message only once a flow handled it), and how far back its first
        run reads. The poller remembers routed messages for at least twice
        the overlap, whatever ``dedupe_window`` says.
    ``status_days`` (default 2)
        How long the poller follows the delivery of a sent message.
    ``max_retries`` (default 3)
        Retries of requests refused before they were processed.
    """

    inbound_view = "rapidsms.backends.rapidpro.views.RapidProInboundView"

    def configure(
        self,
        url: str | None = None,
        api_token: str | None = None,
        coalesce_window: float = 1.0,
        rate_limit: str | int = DEFAULT_RATE_LIMIT,
        rate_limit_wait: float = 2.0,
        batch_size: int = 100,
        max_pending_age: float = 86400.0,
        poll_overlap: float = 600.0,
        poll_lookback: float = 3600.0,
        status_days: float = 2.0,
        max_retries: int = 3,
        **options: Any,
    ) -> None:
        super().configure(**options)
        from django.apps import apps

        from rapidsms.backends.rapidpro.outbox import MAX_BATCH
        from rapidsms.backends.rapidpro.throttle import parse_rate

        if apps.ready and not apps.is_installed("rapidsms.backends.rapidpro"):
            raise ImproperlyConfigured(
                f"Backend {self.name!r} (RapidProBackend) keeps its outbox in the database: "
                "add 'rapidsms.backends.rapidpro' to INSTALLED_APPS and run manage.py migrate."
            )

        for option, value in (("url", url), ("api_token", api_token)):
            if not value or not isinstance(value, str):
                raise BackendOptionsError(
                    f"Backend {self.name!r} (RapidProBackend) needs the option {option!r} in "
                    "INSTALLED_BACKENDS: the RapidPro server's address and the workspace's "
                    "API token (RapidPro: your workspace's settings, 'API Tokens')."
                )
        self.url = url
        self.api_token = api_token
        self.coalesce_window = self._seconds("coalesce_window", coalesce_window)
        try:
            self.rate_limit = parse_rate(rate_limit)
        except ValueError as exc:
            raise ImproperlyConfigured(f"Backend {self.name!r}: rate_limit: {exc}") from None
        self.rate_limit_wait = self._seconds("rate_limit_wait", rate_limit_wait)
        if not isinstance(batch_size, int) or not 1 <= batch_size <= MAX_BATCH:
            raise ImproperlyConfigured(
                f"Backend {self.name!r}: batch_size must be a whole number from 1 to "
                f"{MAX_BATCH} (RapidPro takes at most {MAX_BATCH} URNs per broadcast)."
            )
        self.batch_size = batch_size
        self.max_pending_age = self._seconds("max_pending_age", max_pending_age)
        self.poll_overlap = self._seconds("poll_overlap", poll_overlap)
        self.poll_lookback = self._seconds("poll_lookback", poll_lookback)
        self.status_days = self._seconds("status_days", status_days)
        if not isinstance(max_retries, int) or max_retries < 0:
            raise ImproperlyConfigured(f"Backend {self.name!r}: max_retries must be 0 or more.")
        self.max_retries = max_retries

    def _seconds(self, option: str, value: Any) -> float:
        try:
            number = float(value)
        except (TypeError, ValueError):
            number = -1.0
        if number < 0:
            raise ImproperlyConfigured(
                f"Backend {self.name!r}: {option} must be a number of seconds (0 or more), "
                f"not {value!r}."
            )
        return number

    # The parts, built on first use (building a backend must not touch the network)

    @cached_property
    def budget(self) -> SharedRateLimit:
        """The request budget this backend shares with every other process."""
        from rapidsms.backends.rapidpro.throttle import SharedRateLimit

        limit, window = self.rate_limit
        return SharedRateLimit(self.name, limit, window)

    @cached_property
    def client(self) -> BudgetedClient:
        """The API client, spending :attr:`budget` on every request."""
        from rapidsms.backends.rapidpro.throttle import BudgetedClient

        return BudgetedClient(
            self.url or "",
            self.api_token or "",
            timeout=(self.connect_timeout, self.read_timeout),
            max_retries=self.max_retries,
            session=self.session,
            budget=self.budget,
        )

    @cached_property
    def outbox(self) -> Outbox:
        from rapidsms.backends.rapidpro.outbox import Outbox

        return Outbox(self)

    @cached_property
    def flusher(self) -> BackgroundFlusher:
        from rapidsms.backends.rapidpro.flusher import BackgroundFlusher

        return BackgroundFlusher(self.outbox)

    # Identities and contacts ----------------------------------------------

    def normalize_identity(self, identity: str) -> str:
        """Return ``identity`` as a normalised URN; raise ``InvalidIdentity``."""
        return normalize_urn(identity, self.default_region)

    def check_identity(self, identity: str) -> str | None:
        """Refuse what the base refuses, but let a phone number be written with spaces.

        URNs go to RapidPro normalised, in a JSON list, so a space cannot
        add a recipient; :func:`~rapidsms.backends.rapidpro.urns.normalize_urn`
        refuses one left in any path it does not normalise.
        """
        return super().check_identity(identity.replace(" ", ""))

    def remember_contact(self, connection: Any, contact_uuid: str) -> None:
        """Keep ``contact_uuid`` beside ``connection``, so replies go to the contact.

        Called when a message from the connection is routed. The first
        contact seen is kept as given. A different contact for a connection
        that already has one is believed only when RapidPro confirms that it
        owns the URN now (a URN can move between contacts): otherwise a
        payload could send a person's replies to somebody else's contact.
        When RapidPro names another owner that one is kept; when it cannot
        be asked, the connection forgets its contact and replies go to the
        URN itself, which always reaches the sender.
        """
        from rapidsms.backends.rapidpro.models import RapidProContact

        contact_uuid = str(contact_uuid or "")[:64]
        if not contact_uuid:
            return
        known = RapidProContact.objects.filter(connection=connection).first()
        if known is None:
            RapidProContact.objects.get_or_create(
                connection=connection, defaults={"contact_uuid": contact_uuid}
            )
            return
        if known.contact_uuid == contact_uuid:
            return
        owner = self.contact_owning(connection.identity)
        if owner == contact_uuid:
            logger.info("%s: %s moved from contact %s to %s in RapidPro; replies follow it.",
                        self.name, connection.identity, known.contact_uuid, contact_uuid)
            RapidProContact.objects.filter(pk=known.pk).update(contact_uuid=contact_uuid)
            return
        logger.warning(
            "%s: a message from %s names contact %s, but RapidPro says the URN belongs to %s "
            "(kept: %s); the named contact is not believed.", self.name, connection.identity,
            contact_uuid, owner or "nobody it could tell", owner or "none, replies go to the URN",
        )
        if owner is None:
            RapidProContact.objects.filter(pk=known.pk).delete()
        elif owner != known.contact_uuid:
            RapidProContact.objects.filter(pk=known.pk).update(contact_uuid=owner)

    def contact_owning(self, urn: str) -> str | None:
        """Return the UUID of the contact RapidPro says owns ``urn``, or None.

        None also when RapidPro cannot be asked now (down, or no request
        budget left within a couple of seconds).
        """
        from rapidsms.backends.rapidpro.errors import RapidProError
        from rapidsms.backends.rapidpro.throttle import RateLimited

        try:
            with self.client.waiting_at_most(self.rate_limit_wait):
                contact = self.client.get_contacts(urn=urn).first()
        except (RapidProError, RateLimited) as exc:
            logger.warning("%s: could not ask RapidPro who owns %s: %s", self.name, urn,
                           self.redact(str(exc)))
            return None
        return contact.uuid if contact is not None else None

    def known_contacts(self, identities: list[str]) -> dict[str, str]:
        """Return ``{identity: contact UUID}`` for the identities with a known contact."""
        from rapidsms.backends.rapidpro.models import RapidProContact

        rows = RapidProContact.objects.filter(
            connection__backend__name=self.name, connection__identity__in=identities
        ).values_list("connection__identity", "contact_uuid")
        return dict(rows)

    # Sending -----------------------------------------------------------------

    def send(
        self,
        id_: str,
        text: str,
        identities: list[str],
        context: dict[str, Any] | None = None,
    ) -> Results:
        """Queue ``text`` for every identity and send what is due now.

        Under a router that stores and retries each recipient's send (the
        durable router) the requests are made now and each recipient's
        result returned (:mod:`~rapidsms.backends.rapidpro.direct`).
        Otherwise (the blocking router) return once every identity is
        either handed to RapidPro or waiting in the outbox (for the
        coalescing window, the request budget, or RapidPro to come back):
        each is accepted, with RapidPro's message id when a reply already
        went to its contact. The outbox keeps them
        from here on, and its status poller reports their delivery under
        our message id. Raise ``MessageSendingError`` (with ``results``)
        for the identities that are not URNs, that RapidPro refused, and
        those whose request got no answer (``retryable=False``: RapidPro may
        have them, so sending again could deliver twice).
        """
        from rapidsms.backends.rapidpro.models import OutboxEntry

        context = dict(context or {})
        if getattr(self.router, "retries_sends", False):
            return self._send_direct(text, [(str(id_), list(identities), context)])[str(id_)]
        reply = bool(context.get("in_response_to"))
        recipients, invalid = self._recipients(list(identities), reply)
        entries = self.outbox.add(str(id_), text, recipients, reply) if recipients else []
        reread = self.outbox.send_now(entries, max_wait=self.rate_limit_wait) if entries else False
        if reread:
            entries = list(OutboxEntry.objects.filter(pk__in=[e.pk for e in entries]))
        if any(entry.status == OutboxEntry.PENDING for entry in entries):
            # Inside a transaction the entries are invisible to the thread until commit.
            transaction.on_commit(self.wake_flusher)
        results: Results = {identity: Accepted() for identity in identities}
        results.update({entry.identity: Accepted(entry.message_key or None) for entry in entries})
        self._raise_failures(id_, invalid, entries, results)
        return results

    def send_many(
        self, text: str, messages: list[tuple[Any, list[str], dict[str, Any]]]
    ) -> dict[Any, Any]:
        """Send ``text`` for several messages, their recipients together in broadcasts.

        Called by the durable router for due messages with the same text
        (after ``coalesce_window``); see :mod:`~rapidsms.backends.rapidpro.direct`.
        Under another router each message goes through :meth:`send`.
        """
        if not getattr(self.router, "retries_sends", False):
            return super().send_many(text, messages)
        by_id = self._send_direct(text, [(str(id_), list(identities), dict(context or {}))
                                         for id_, identities, context in messages])
        return {id_: by_id[str(id_)] for id_, _, _ in messages}

    def _send_direct(
        self, text: str, messages: list[tuple[str, list[str], dict[str, Any]]]
    ) -> dict[str, Results]:
        """Send now and report per message and recipient; the router stores and retries."""
        from rapidsms.backends.rapidpro.direct import DirectSender

        results: dict[str, Results] = {}
        wanted: list[tuple[str, list[Recipient]]] = []
        for id_, identities, context in messages:
            recipients, invalid = self._recipients(identities, bool(context.get("in_response_to")))
            results[id_] = {identity: Accepted() for identity in identities}
            results[id_].update({identity: Refused(self.redact(reason))
                                 for identity, reason in invalid.items()})
            wanted.append((id_, recipients))
        for id_, sent in DirectSender(self).send(text, wanted).items():
            results[id_].update(sent)
        return results

    def wake_flusher(self) -> None:
        """Have the background thread send what waits, when it becomes due."""
        due = self.outbox.next_due()
        if due is not None:
            self.flusher.wake(after=due)

    def flush(self, *, force: bool = True, max_wait: float = 3600.0) -> None:
        """Send everything waiting in the outbox now, in the calling thread.

        With ``force`` (the default) partial broadcasts go without waiting
        for the coalescing window. Entries RapidPro cannot take yet stay.
        """
        self.outbox.flush(max_wait=max_wait, force=force)

    def _recipients(
        self, identities: list[str], reply: bool
    ) -> tuple[list[Recipient], dict[str, str]]:
        from rapidsms.backends.rapidpro.outbox import Recipient

        recipients: list[Recipient] = []
        invalid: dict[str, str] = {}
        contacts = self.known_contacts(identities) if reply else {}
        for identity in dict.fromkeys(identities):
            reason = self.check_identity(identity)
            if reason is not None:
                invalid[identity] = f"{identity!r}: {reason}."
                continue
            try:
                urn = self.normalize_identity(identity)
            except InvalidIdentity as exc:
                invalid[identity] = str(exc)
                continue
            recipients.append(Recipient(identity, urn, contacts.get(identity, "")))
        return recipients, invalid

    def _raise_failures(
        self, id_: str, invalid: dict[str, str], entries: list[OutboxEntry], results: Results
    ) -> None:
        from rapidsms.backends.rapidpro.models import OutboxEntry

        failed = [
            (entry.identity, entry.status, entry.error)
            for entry in entries
            if entry.status in (OutboxEntry.FAILED, OutboxEntry.UNKNOWN)
        ]
        if not invalid and not failed:
            return
        reasons = [f"{identity}: {error}" for identity, error in invalid.items()]
        reasons += [
            f"{identity}: "
            + ("no answer, so RapidPro may have it; not sent again"
               if status == OutboxEntry.UNKNOWN
               else error)
            for identity, status, error in failed
        ]
        unknown = any(status == OutboxEntry.UNKNOWN for _, status, _ in failed)
        for identity, reason in invalid.items():
            results[identity] = Refused(self.redact(reason))
        for identity, status, error in failed:
            results[identity] = Refused(
                "no answer, so RapidPro may have it" if status == OutboxEntry.UNKNOWN
                else self.redact(error))
        raise MessageSendingError(
            f"RapidPro did not take message {id_} for {len(reasons)} recipient(s)"
            + (" (outcome unknown for some)" if unknown else "")
            + ": "
            + self.redact("; ".join(reasons[:5]))
            + ("; ..." if len(reasons) > 5 else ""),
            failed_identities=list(invalid) + [identity for identity, _, _ in failed],
            backend=self.name,
            retryable=False,
            results=results,
        )

    def report_failures(self, entries: list[OutboxEntry]) -> None:
        """Store a ``failed`` delivery report for each entry and send the signal."""
        from rapidsms.backends.inbound.models import DeliveryReport
        from rapidsms.backends.inbound.reports import record_delivery_report
        from rapidsms.backends.status import Status

        for entry in entries:
            record_delivery_report(
                self,
                DeliveryReport(
                    message_id=entry.message_id,
                    external_id=entry.message_key or entry.broadcast_key,
                    identity=entry.identity,
                    status=Status.FAILED,
                    raw_status=entry.raw_status,
                    error=self.redact(entry.error),
                    raw={"urn": entry.urn, "outbox_status": entry.status},
                ),
            )

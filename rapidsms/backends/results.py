"""What a backend reports for each recipient of a send: accepted or refused.

A backend's ``send()`` may return a mapping of identity to result::

    def send(self, id_, text, identities, context=None):
        answer = self.gateway.post(...)
        return {
            "+15550001": Accepted("gw-123"),          # the gateway's id, for delivery reports
            "+15550002": Refused("busy", retryable=True, retry_after=30),
            "+15550003": Refused("not a mobile number"),   # permanent
        }

The router reads it with :func:`read_results`. A recipient with a
:class:`Refused` result makes the send fail with a
:class:`~rapidsms.errors.MessageSendingError` that carries every result
(``error.results``), so code written for RapidSMS 2.x, which catches that
error, keeps working. What RapidSMS 2.x backends return (``None``) or raise
(``MessageSendingError``) still means what it meant: everybody got it, or
the failed identities did not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.apps import apps

from rapidsms.errors import MessageSendingError, combine_retryable, parse_retry_after


@dataclass(frozen=True)
class Accepted:
    """The gateway took the message for this recipient.

    ``gateway_id`` is the gateway's own id of the message, when it gave one:
    its delivery reports name the message by it.
    """

    gateway_id: str | None = None


@dataclass(frozen=True)
class Refused:
    """The gateway did not take the message for this recipient.

    ``retryable`` False (the default) means it never will ("not a mobile
    number"); True that the same message may go later ("busy", "no credit
    now"); None that nobody can tell. ``retry_after`` is how long to wait
    before trying again (seconds, or a ``Retry-After`` value).
    """

    reason: str
    retryable: bool | None = False
    retry_after: float | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "retry_after", parse_retry_after(self.retry_after))


@dataclass(frozen=True)
class Deferred(Refused):
    """Not tried yet: a limit of the backend's own says to come back later.

    For a budget the gateway imposes on requests (RapidPro's requests per
    hour, say) that the backend checks before it sends. Nothing reached the
    gateway, so a router that retries does not count it as an attempt; it
    tries again after ``retry_after`` seconds (within its maximum age). To
    code that only knows :class:`Refused` it is a refusal for now.
    """

    retryable: bool | None = True


Result = Accepted | Refused
#: An :class:`Accepted` without a gateway id (results are immutable, so one serves all).
ACCEPTED = Accepted()
#: What :func:`read_results` returns: one result per identity, in the caller's order.
Results = dict[str, Result]


def read_results(returned: Any, identities: Sequence[str]) -> Results:
    """Return one result per identity from what a backend's ``send()`` returned.

    Understood: ``None`` or ``True`` (all accepted, RapidSMS 2.x), a mapping
    of identity to :class:`Accepted`, :class:`Refused` or a gateway id
    string, a list of gateway ids in the order of ``identities``, or one
    gateway id for all. An identity the mapping leaves out counts as
    accepted without an id. Anything else counts as all accepted.
    """
    results: Results = dict.fromkeys(identities, ACCEPTED)
    if isinstance(returned, Mapping):
        for identity, value in returned.items():
            results[str(identity)] = _one_result(value)
    elif isinstance(returned, str | int) and not isinstance(returned, bool):
        results = {identity: Accepted(str(returned)) for identity in identities}
    elif isinstance(returned, list | tuple) and len(returned) == len(identities):
        for identity, value in zip(identities, returned, strict=True):
            results[identity] = _one_result(value)
    return results


def raise_refusals(results: Results, message: str, *, backend: str | None = None) -> None:
    """Raise ``MessageSendingError`` carrying ``results`` when any of them is refused.

    The error's ``failed_identities`` are the refused identities, its
    ``retryable`` combines theirs (:func:`~rapidsms.errors.combine_retryable`)
    and its ``retry_after`` is the longest asked for.
    """
    refused = refusals(results)
    if not refused:
        return
    reasons = "; ".join(f"{identity}: {result.reason}" for identity, result in refused.items())
    waits = [r.retry_after for r in refused.values() if r.retry_after is not None]
    raise MessageSendingError(
        f"{message} {reasons}", failed_identities=list(refused), backend=backend,
        retryable=retryable_of(results), retry_after=max(waits) if waits else None,
        results=results,
    )


def refusals(results: Mapping[str, Result]) -> dict[str, Refused]:
    """Return the refused identities of ``results`` with their results."""
    return {identity: r for identity, r in results.items() if isinstance(r, Refused)}


def results_of_error(error: MessageSendingError, identities: Iterable[str]) -> Results:
    """Return one result per identity for a send that raised ``error``.

    The error's own ``results`` when it has them; otherwise its failed
    identities (all, when it names none) are refused with its message,
    ``retryable`` and ``retry_after``, and the others accepted without an id.
    """
    identities = list(identities)
    if error.results:
        found: Results = {identity: Accepted() for identity in identities}
        found.update(error.results)
        return found
    named = {str(identity) for identity in error.failed_identities}
    refused = Refused(error.message, error.retryable, error.retry_after)
    return {
        identity: refused if not named or identity in named else Accepted()
        for identity in identities
    }


def gateway_ids(results: Mapping[str, Result]) -> dict[str, str]:
    """Return ``{identity: gateway id}`` of the accepted results that have one."""
    return {
        identity: result.gateway_id
        for identity, result in results.items()
        if isinstance(result, Accepted) and result.gateway_id
    }


def remember_gateway_ids(backend: Any, id_: Any, results: Mapping[str, Result]) -> None:
    """Keep the gateway ids in ``results`` so that delivery reports find message ``id_``.

    The routers call it after every send. The ids go into the table shared
    by every gateway (``rapidsms.backends.inbound``; nothing is kept when
    that app is not installed). Never raises.
    """
    found = gateway_ids(results)
    if not found or not apps.is_installed("rapidsms.backends.inbound"):
        return
    from rapidsms.backends.inbound.reports import remember_sent

    remember_sent(backend, id_, found)


def retryable_of(results: Mapping[str, Result]) -> bool | None:
    """Return whether the refusals of ``results`` may succeed later (see ``combine_retryable``)."""
    return combine_retryable(result.retryable for result in refusals(results).values())


def _one_result(value: Any) -> Result:
    if isinstance(value, Accepted | Refused):
        return value
    if value is None or value is True or value == "":
        return Accepted()
    if value is False:
        return Refused("the backend reported a failure", retryable=None)
    return Accepted(str(value))

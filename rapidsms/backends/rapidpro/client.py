"""A small typed client for the RapidPro API v2.

It reads like the official ``rapidpro-python`` client, so its documentation
carries over, but it keeps one ``requests.Session`` (connection reuse), always
sets timeouts, reads the replies of both server lines (see
:mod:`rapidsms.backends.rapidpro.types`) and never repeats a write whose
outcome it cannot know::

    client = RapidProClient("https://rapidpro.example.org", token)
    client.get_workspace().name
    for page in client.get_messages(folder="inbox", after=since).iterfetches():
        for message in page:
            ...
    client.create_broadcast("Clinic closed today", urns=["tel:+250788123123"])

When a request is tried again:

===================================================  =================  ==============
what happened                                        GET                POST, DELETE
===================================================  =================  ==============
connection refused, connect timeout                  retried            retried
503 Service Unavailable                              retried            retried
429, with ``retry_on_rate_exceed=True``              retried after      retried after
                                                     ``Retry-After``    ``Retry-After``
502, 504, read timeout, connection dropped           retried            never: raises
                                                                        OutcomeUnknown
===================================================  =================  ==============

A refused connection, a 503 and a 429 are answered before the server does
anything, so repeating them cannot send a message twice. Retries stop after
``max_retries`` and never wait longer than ``max_retry_wait`` seconds.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any, Generic, TypeVar
from urllib.parse import parse_qs, urlsplit

import requests
from urllib3.exceptions import NameResolutionError, NewConnectionError

from rapidsms.__version__ import __version__
from rapidsms.backends.rapidpro.errors import (
    RapidProBadRequestError,
    RapidProConnectionError,
    RapidProError,
    RapidProHttpError,
    RapidProNoSuchObjectError,
    RapidProOutcomeUnknownError,
    RapidProRateExceededError,
    RapidProResponseError,
    RapidProTokenError,
)
from rapidsms.backends.rapidpro.types import (
    Broadcast,
    Contact,
    Message,
    Resthook,
    ResthookSubscriber,
    Workspace,
    format_datetime,
)
from rapidsms.backends.sessions import GatewaySession
from rapidsms.errors import parse_retry_after
from rapidsms.redaction import redact, redact_data

logger = logging.getLogger("rapidsms.backends.rapidpro")

T = TypeVar("T")

#: The API refuses more items than this in ``urns``, ``contacts`` and ``groups``.
MAX_ARRAY_ITEMS = 100
#: Seconds to wait after a 429 that carries no usable ``Retry-After``.
DEFAULT_RETRY_AFTER = 5.0


class RapidProClient:
    """A client of one RapidPro workspace, identified by its API token.

    ``url`` is the server (``https://rapidpro.example.org``); ``/api/v2/`` is
    added, and a ``url`` that already ends with it is accepted as it is.
    ``timeout`` is the connect and read timeout in seconds (a number or a
    pair). ``max_retries`` and ``max_retry_wait`` bound the retries described
    in the module's documentation.
    """

    def __init__(
        self,
        url: str,
        token: str,
        *,
        timeout: float | tuple[float, float] = (5.0, 30.0),
        max_retries: int = 3,
        max_retry_wait: float = 60.0,
        user_agent: str | None = None,
        verify: bool | str = True,
        session: requests.Session | None = None,
    ) -> None:
        if not url:
            raise ValueError("RapidProClient needs the server's URL.")
        if not token:
            raise ValueError("RapidProClient needs an API token.")
        root = url.strip().rstrip("/")
        if not root.startswith(("http://", "https://")):
            root = f"https://{root}"
        # The official client appends /api/v2 even when it is already there.
        if root.endswith("/api/v2"):
            root = root[: -len("/api/v2")]
        self.api_root = f"{root}/api/v2/"
        self.timeout = timeout
        self.max_retries = max_retries
        self.max_retry_wait = max_retry_wait
        self.verify = verify
        self._token = token
        self.session = session or GatewaySession()
        agent = f"rapidsms/{__version__}"
        self.session.headers.update(
            {
                "Authorization": f"Token {token}",
                "Accept": "application/json",
                "Content-Type": "application/json",
                "User-Agent": f"{user_agent} {agent}" if user_agent else agent,
            }
        )
        self.sleep: Callable[[float], None] = time.sleep

    def __repr__(self) -> str:
        return f"<RapidProClient {self.api_root}>"

    def close(self) -> None:
        """Close the pooled connections."""
        self.session.close()

    def __enter__(self) -> RapidProClient:
        return self

    def __exit__(self, *exc_info: Any) -> None:
        self.close()

    # Reading -------------------------------------------------------------

    def get_messages(
        self,
        *,
        uuid: str | None = None,
        id: int | None = None,
        broadcast: str | int | None = None,
        contact: str | None = None,
        folder: str | None = None,
        label: str | None = None,
        before: datetime | None = None,
        after: datetime | None = None,
    ) -> CursorQuery[Message]:
        """Return a query of messages, newest first.

        ``uuid`` filters on the current server line and ``id`` on RapidPro 9;
        ``before`` and ``after`` are inclusive bounds on ``created_on``.
        """
        params = {
            "uuid": uuid,
            "id": id,
            "broadcast": broadcast,
            "contact": contact,
            "folder": folder,
            "label": label,
            "before": before,
            "after": after,
        }
        return CursorQuery(self, "messages", params, Message.from_json)

    def get_broadcasts(
        self,
        *,
        uuid: str | None = None,
        id: int | None = None,
        before: datetime | None = None,
        after: datetime | None = None,
    ) -> CursorQuery[Broadcast]:
        """Return a query of broadcasts, newest first."""
        params = {"uuid": uuid, "id": id, "before": before, "after": after}
        return CursorQuery(self, "broadcasts", params, Broadcast.from_json)

    def get_contacts(
        self,
        *,
        uuid: str | None = None,
        urn: str | None = None,
        group: str | None = None,
        deleted: bool | None = None,
        before: datetime | None = None,
        after: datetime | None = None,
        reverse: bool | None = None,
    ) -> CursorQuery[Contact]:
        """Return a query of contacts, most recently modified first."""
        params = {
            "uuid": uuid,
            "urn": urn,
            "group": group,
            "deleted": deleted,
            "before": before,
            "after": after,
            "reverse": reverse,
        }
        return CursorQuery(self, "contacts", params, Contact.from_json)

    def get_workspace(self, retry_on_rate_exceed: bool = False) -> Workspace:
        """Return the workspace of the token (one object, not a query)."""
        data = self.request("GET", "workspace", retry_on_rate_exceed=retry_on_rate_exceed)
        return Workspace.from_json(_expect_object(data, "GET", self.url_of("workspace")))

    def get_resthooks(self) -> CursorQuery[Resthook]:
        """Return a query of the workspace's resthooks."""
        return CursorQuery(self, "resthooks", {}, Resthook.from_json)

    def get_resthook_subscribers(
        self, *, id: int | None = None, resthook: str | None = None
    ) -> CursorQuery[ResthookSubscriber]:
        """Return a query of resthook subscribers."""
        params = {"id": id, "resthook": resthook}
        return CursorQuery(self, "resthook_subscribers", params, ResthookSubscriber.from_json)

    # Writing -------------------------------------------------------------

    def create_broadcast(
        self,
        text: str | dict[str, str],
        *,
        urns: Iterable[str] = (),
        contacts: Iterable[str] = (),
        groups: Iterable[str] = (),
        attachments: dict[str, list[str]] | None = None,
        base_language: str | None = None,
        retry_on_rate_exceed: bool = False,
    ) -> Broadcast:
        """Send ``text`` to up to 100 each of ``urns``, ``contacts`` and ``groups``.

        ``text`` is a string (the workspace's primary language) or a dict of
        translations. Raise ``ValueError`` for more than 100 items in a list.
        """
        body: dict[str, Any] = {"text": text}
        for name, items in (("urns", urns), ("contacts", contacts), ("groups", groups)):
            values = list(items)
            if len(values) > MAX_ARRAY_ITEMS:
                raise ValueError(
                    f"A broadcast takes at most {MAX_ARRAY_ITEMS} {name}; got {len(values)}."
                )
            if values:
                body[name] = values
        if attachments:
            body["attachments"] = attachments
        if base_language:
            body["base_language"] = base_language
        data = self.request(
            "POST", "broadcasts", body=body, retry_on_rate_exceed=retry_on_rate_exceed
        )
        return Broadcast.from_json(_expect_object(data, "POST", self.url_of("broadcasts")))

    def create_message(
        self,
        contact: str | Contact,
        text: str,
        *,
        attachments: Iterable[str] = (),
        quick_replies: Iterable[Any] = (),
        retry_on_rate_exceed: bool = False,
    ) -> Message:
        """Send ``text`` to one existing contact (its UUID, or a URN of it)."""
        body: dict[str, Any] = {"contact": _contact_id(contact), "text": text}
        if attachments := list(attachments):
            body["attachments"] = attachments
        # Only the current server line knows quick replies; RapidPro 9 refuses the key.
        if quick_replies := list(quick_replies):
            body["quick_replies"] = quick_replies
        data = self.request(
            "POST", "messages", body=body, retry_on_rate_exceed=retry_on_rate_exceed
        )
        return Message.from_json(_expect_object(data, "POST", self.url_of("messages")))

    def create_contact(
        self,
        *,
        name: str | None = None,
        language: str | None = None,
        urns: Iterable[str] | None = None,
        fields: dict[str, Any] | None = None,
        groups: Iterable[str] | None = None,
    ) -> Contact:
        """Create a contact; a URN that belongs to another contact gives a 400."""
        body = _contact_body(name, language, urns, fields, groups)
        data = self.request("POST", "contacts", body=body)
        return Contact.from_json(_expect_object(data, "POST", self.url_of("contacts")))

    def update_contact(
        self,
        contact: str | Contact,
        *,
        name: str | None = None,
        language: str | None = None,
        urns: Iterable[str] | None = None,
        fields: dict[str, Any] | None = None,
        groups: Iterable[str] | None = None,
    ) -> Contact:
        """Update the contact with this UUID or URN.

        By UUID a missing contact raises :class:`RapidProNoSuchObjectError`;
        by URN the server creates the contact when none has that URN.
        """
        body = _contact_body(name, language, urns, fields, groups)
        data = self.request("POST", "contacts", params=_contact_param(contact), body=body)
        return Contact.from_json(_expect_object(data, "POST", self.url_of("contacts")))

    def delete_contact(self, contact: str | Contact) -> None:
        """Delete the contact with this UUID or URN."""
        self.request("DELETE", "contacts", params=_contact_param(contact))

    def create_resthook_subscriber(self, resthook: str, target_url: str) -> ResthookSubscriber:
        """Subscribe ``target_url`` to the resthook ``resthook`` (its slug)."""
        body = {"resthook": resthook, "target_url": target_url}
        data = self.request("POST", "resthook_subscribers", body=body)
        return ResthookSubscriber.from_json(
            _expect_object(data, "POST", self.url_of("resthook_subscribers"))
        )

    def delete_resthook_subscriber(self, subscriber: int | ResthookSubscriber) -> None:
        """Unsubscribe the subscriber with this id."""
        ident = subscriber.id if isinstance(subscriber, ResthookSubscriber) else subscriber
        self.request("DELETE", "resthook_subscribers", params={"id": ident})

    # Transport -----------------------------------------------------------

    def url_of(self, endpoint: str) -> str:
        """Return the URL of ``endpoint`` (``"messages"`` -> ``.../api/v2/messages.json``)."""
        return f"{self.api_root}{endpoint}.json"

    def request(
        self,
        method: str,
        endpoint: str,
        *,
        params: dict[str, Any] | None = None,
        body: Any = None,
        retry_on_rate_exceed: bool = False,
    ) -> Any:
        """Make one API call and return the decoded JSON (``None`` for 204).

        Retry as the module's documentation says; raise a
        :class:`~rapidsms.backends.rapidpro.errors.RapidProError` otherwise.
        """
        url = self.url_of(endpoint)
        query = _encode_params(params or {})
        data = None if body is None else json.dumps(body)
        attempt = 0
        while True:
            attempt += 1
            try:
                response = self.session.request(
                    method, url, params=query, data=data, timeout=self.timeout, verify=self.verify
                )
            except requests.RequestException as exc:
                if attempt <= self.max_retries and _may_retry_transport(exc, method):
                    wait = self._backoff(attempt)
                    logger.info("%s %s failed (%s); retrying in %.1fs", method, url,
                                self.redact(str(exc)), wait)
                    self.sleep(wait)
                    continue
                raise self.redact_error(_transport_error(exc, method, url)) from exc
            status = response.status_code
            if status < 400:
                try:
                    return _decode(response, method, url)
                except RapidProError as exc:
                    raise self.redact_error(exc) from exc.__cause__
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            wait = self._wait_for(status, method, attempt, retry_after, retry_on_rate_exceed)
            if wait is not None:
                logger.info("%s %s answered %s; retrying in %.1fs", method, url, status, wait)
                self.sleep(wait)
                continue
            raise self.redact_error(_status_error(response, method, url, retry_after))

    def redact(self, text: str) -> str:
        """Return ``text`` without the API token (:func:`rapidsms.redaction.redact`)."""
        return redact(text, [self._token])

    def redact_error(self, error: RapidProError) -> RapidProError:
        """Return ``error`` with the token and any echoed credential removed from its text.

        A server (or a proxy in front of it) may answer an error with the
        request it got, ``Authorization`` header included.
        """
        error.message = self.redact(error.message)
        error.args = (error.message,)
        if isinstance(error, RapidProHttpError):
            error.response_text = self.redact(error.response_text)
        if isinstance(error, RapidProBadRequestError):
            error.errors = redact_data(error.errors, [self._token])
        return error

    def _backoff(self, attempt: int) -> float:
        return min(self.max_retry_wait, 0.25 * 2 ** (attempt - 1))

    def _wait_for(
        self,
        status: int,
        method: str,
        attempt: int,
        retry_after: float | None,
        retry_on_rate_exceed: bool,
    ) -> float | None:
        """Return how long to wait before trying again, or ``None`` not to."""
        if attempt > self.max_retries:
            return None
        if status == 429:
            if not retry_on_rate_exceed:
                return None
            wait = DEFAULT_RETRY_AFTER if retry_after is None else retry_after
        elif status == 503 or (status in (502, 504) and method == "GET"):
            wait = self._backoff(attempt) if retry_after is None else retry_after
        else:
            return None
        return wait if wait <= self.max_retry_wait else None


class CursorQuery(Generic[T]):
    """A listing of one endpoint: run it with :meth:`all`, :meth:`first` or :meth:`iterfetches`.

    Nothing is fetched until one of those is called.
    """

    def __init__(
        self,
        client: RapidProClient,
        endpoint: str,
        params: dict[str, Any],
        parse: Callable[[dict[str, Any]], T],
    ) -> None:
        self.client = client
        self.endpoint = endpoint
        self.params = {key: value for key, value in params.items() if value is not None}
        self.parse = parse

    def all(self, retry_on_rate_exceed: bool = False) -> list[T]:
        """Fetch every page and return all the items (use with care on big listings)."""
        items: list[T] = []
        for page in self.iterfetches(retry_on_rate_exceed=retry_on_rate_exceed):
            items.extend(page)
        return items

    def first(self, retry_on_rate_exceed: bool = False) -> T | None:
        """Fetch the first page and return its first item, or ``None``."""
        page = next(iter(self.iterfetches(retry_on_rate_exceed=retry_on_rate_exceed)), [])
        return page[0] if page else None

    def iterfetches(
        self, retry_on_rate_exceed: bool = False, resume_cursor: str | None = None
    ) -> CursorIterator[T]:
        """Return an iterator over pages (lists of up to 250 items), one request each.

        ``resume_cursor`` (from :meth:`CursorIterator.get_cursor`) continues an
        earlier listing where it stopped.
        """
        return CursorIterator(self, retry_on_rate_exceed, resume_cursor)


class CursorIterator(Generic[T]):
    """Pages of a :class:`CursorQuery`; :meth:`get_cursor` tells where to resume."""

    def __init__(
        self, query: CursorQuery[T], retry_on_rate_exceed: bool, resume_cursor: str | None
    ) -> None:
        self.query = query
        self.retry_on_rate_exceed = retry_on_rate_exceed
        self._params: dict[str, Any] | None = dict(query.params)
        if resume_cursor:
            self._params["cursor"] = resume_cursor

    def __iter__(self) -> Iterator[list[T]]:
        return self

    def __next__(self) -> list[T]:
        if self._params is None:
            raise StopIteration
        client = self.query.client
        url = client.url_of(self.query.endpoint)
        data = client.request(
            "GET",
            self.query.endpoint,
            params=self._params,
            retry_on_rate_exceed=self.retry_on_rate_exceed,
        )
        if not isinstance(data, dict) or not isinstance(data.get("results"), list):
            raise RapidProResponseError(
                "RapidPro answered without a 'results' list", method="GET", url=url
            )
        try:
            page = [self.query.parse(item) for item in data["results"] if isinstance(item, dict)]
        except (TypeError, ValueError) as exc:
            raise RapidProResponseError(
                f"RapidPro answered with an item that cannot be read: {exc}",
                method="GET",
                url=url,
            ) from exc
        self._params = _next_params(data.get("next")) if page else None
        return page

    def get_cursor(self) -> str | None:
        """Return the cursor of the next page, or ``None`` when the listing is done."""
        if self._params is None:
            return None
        return self._params.get("cursor")


def _next_params(next_url: Any) -> dict[str, Any] | None:
    """Return the query of the server's ``next`` link, to request on our own host.

    The link is not followed as it is: behind a proxy it often names the wrong
    scheme or host, and the token must never go to a host we were not given.
    """
    if not next_url or not isinstance(next_url, str):
        return None
    query = parse_qs(urlsplit(next_url).query, keep_blank_values=True)
    if not query:
        return None
    return {key: values[-1] for key, values in query.items()}


def _encode_params(params: dict[str, Any]) -> dict[str, str]:
    encoded = {}
    for key, value in params.items():
        if value is None:
            continue
        if isinstance(value, datetime):
            encoded[key] = format_datetime(value)
        elif isinstance(value, bool):
            encoded[key] = "true" if value else "false"
        else:
            encoded[key] = str(value)
    return encoded


def _contact_id(contact: str | Contact) -> str:
    return contact.uuid if isinstance(contact, Contact) else str(contact)


def _contact_param(contact: str | Contact) -> dict[str, str]:
    """Return ``{"uuid": ...}`` or, for a string with a scheme, ``{"urn": ...}``."""
    ident = _contact_id(contact)
    if not ident:
        raise ValueError("A contact UUID or URN is needed.")
    return {"urn": ident} if ":" in ident else {"uuid": ident}


def _contact_body(
    name: str | None,
    language: str | None,
    urns: Iterable[str] | None,
    fields: dict[str, Any] | None,
    groups: Iterable[str] | None,
) -> dict[str, Any]:
    body: dict[str, Any] = {}
    if name is not None:
        body["name"] = name
    if language is not None:
        body["language"] = language
    if urns is not None:
        body["urns"] = list(urns)
    if fields is not None:
        body["fields"] = fields
    if groups is not None:
        body["groups"] = list(groups)
    return body


def _expect_object(data: Any, method: str, url: str) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise RapidProResponseError("RapidPro answered without a JSON object", method=method,
                                    url=url)
    return data


def _decode(response: requests.Response, method: str, url: str) -> Any:
    if response.status_code == 204 or not response.content:
        return None
    try:
        return response.json()
    except ValueError as exc:
        raise RapidProResponseError(
            f"RapidPro answered {response.status_code} with a body that is not JSON: "
            f"{_shorten(response.text)!r}",
            method=method,
            url=url,
            status_code=response.status_code,
        ) from exc


def _status_error(
    response: requests.Response, method: str, url: str, retry_after: float | None
) -> RapidProError:
    status = response.status_code
    context = {"method": method, "url": url, "status_code": status}
    try:
        body = response.json()
    except ValueError:
        body = None
    if status == 400:
        errors = body if body is not None else {"detail": [_shorten(response.text)]}
        return RapidProBadRequestError(errors, **context)
    detail = body.get("detail") if isinstance(body, dict) else None
    detail = str(detail) if detail else _shorten(response.text)
    if status in (401, 403):
        return RapidProTokenError(f"RapidPro refused the API token: {detail}", **context)
    if status == 404:
        return RapidProNoSuchObjectError(f"RapidPro has no such object: {detail}", **context)
    if status == 429:
        wait = DEFAULT_RETRY_AFTER if retry_after is None else retry_after
        return RapidProRateExceededError(wait, **context)
    if status in (502, 504) and method != "GET":
        return RapidProOutcomeUnknownError(
            f"A gateway in front of RapidPro answered {status}: the request may have been "
            "carried out; look before repeating it",
            **context,
        )
    return RapidProHttpError(
        f"RapidPro answered {status}: {detail}", response_text=_shorten(response.text), **context
    )


def _refused_before_sending(exc: BaseException) -> bool:
    """Tell whether the request never left: connection refused, DNS, connect timeout."""
    if isinstance(exc, requests.ConnectTimeout):
        return True
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, NewConnectionError | NameResolutionError):
            return True
        reason = getattr(current, "reason", None)
        if isinstance(reason, BaseException) and id(reason) not in seen:
            current = reason
            continue
        args = getattr(current, "args", ())
        nested = next((arg for arg in args if isinstance(arg, BaseException)), None)
        current = nested or current.__cause__ or current.__context__
    return False


def _transport_error(exc: requests.RequestException, method: str, url: str) -> RapidProError:
    if _refused_before_sending(exc):
        return RapidProConnectionError(
            f"Could not connect to RapidPro: {exc}", method=method, url=url
        )
    if method != "GET" and isinstance(exc, requests.ConnectionError | requests.Timeout):
        return RapidProOutcomeUnknownError(
            "RapidPro did not answer after the request was sent, so it may have been "
            f"carried out; look before repeating it ({type(exc).__name__})",
            method=method,
            url=url,
        )
    return RapidProConnectionError(
        f"RapidPro did not answer: {type(exc).__name__}: {exc}", method=method, url=url
    )


def _may_retry_transport(exc: requests.RequestException, method: str) -> bool:
    if _refused_before_sending(exc):
        return True
    return method == "GET" and isinstance(exc, requests.ConnectionError | requests.Timeout)


def _shorten(text: str, limit: int = 300) -> str:
    return text if len(text) <= limit else text[:limit] + "..."

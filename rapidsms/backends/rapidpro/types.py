"""The objects the RapidPro API returns, read from either server line.

Two server lines answer API v2 today: the public RapidPro 9 release, whose
messages and broadcasts carry an integer ``id``, and the current hosted line,
which identifies them by ``uuid`` (and still sends ``id`` on messages, marked
deprecated). Each type here reads both: ``key`` is the ``uuid`` when there is
one, else the ``id`` as a string. A list field the server left out reads as
an empty list, and dates are aware ``datetime`` objects in UTC.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any


def format_datetime(value: datetime) -> str:
    """Return ``value`` as the API writes dates: ``YYYY-MM-DDThh:mm:ss.ffffffZ`` in UTC.

    Raise ``ValueError`` for a naive datetime: its time zone would be a guess.
    """
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(
            f"{value!r} has no time zone; give an aware datetime "
            "(django.utils.timezone.now(), or datetime.now(UTC))."
        )
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_datetime(value: Any) -> datetime | None:
    """Return the datetime in ``value`` (``Z``, an offset, or none meaning UTC) in UTC.

    ``None`` and the empty string give ``None``; anything else that is not a
    date raises ``ValueError``.
    """
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, str):
        parsed = datetime.fromisoformat(value.strip())
    else:
        raise ValueError(f"{value!r} is not a date.")
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def _list(data: dict[str, Any], key: str) -> list[Any]:
    value = data.get(key)
    return list(value) if isinstance(value, list | tuple) else []


def _key(data: dict[str, Any]) -> str:
    uuid = data.get("uuid")
    if uuid:
        return str(uuid)
    ident = data.get("id")
    return "" if ident is None else str(ident)


@dataclass(frozen=True)
class ObjectRef:
    """A reference to another object: ``{"uuid": ..., "name": ...}``."""

    uuid: str
    name: str = ""

    @classmethod
    def from_json(cls, data: Any) -> ObjectRef | None:
        """Return the reference in ``data``, or ``None`` when there is none."""
        if isinstance(data, dict) and data.get("uuid"):
            return cls(uuid=str(data["uuid"]), name=str(data.get("name") or ""))
        if isinstance(data, str) and data:
            return cls(uuid=data)
        return None


@dataclass(frozen=True)
class Message:
    """A message, incoming (``direction == "in"``) or outgoing (``"out"``)."""

    key: str
    uuid: str | None
    id: int | None
    urn: str
    text: str
    direction: str
    status: str
    contact: ObjectRef | None = None
    channel: ObjectRef | None = None
    broadcast: str | None = None
    type: str = "text"
    visibility: str = "visible"
    attachments: list[dict[str, Any]] = field(default_factory=list)
    labels: list[ObjectRef] = field(default_factory=list)
    quick_replies: list[Any] = field(default_factory=list)
    flow: ObjectRef | None = None
    created_on: datetime | None = None
    sent_on: datetime | None = None
    modified_on: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Message:
        """Read a message from either server line's JSON."""
        direction = str(data.get("direction") or "")
        # The docs say incoming/outgoing; both server lines actually send in/out.
        direction = {"incoming": "in", "outgoing": "out"}.get(direction, direction)
        broadcast = data.get("broadcast")
        if isinstance(broadcast, dict):
            broadcast = broadcast.get("uuid") or broadcast.get("id")
        ident = data.get("id")
        return cls(
            key=_key(data),
            uuid=str(data["uuid"]) if data.get("uuid") else None,
            id=int(ident) if isinstance(ident, int) else None,
            urn=str(data.get("urn") or ""),
            text=str(data.get("text") or ""),
            direction=direction,
            status=str(data.get("status") or ""),
            contact=ObjectRef.from_json(data.get("contact")),
            channel=ObjectRef.from_json(data.get("channel")),
            broadcast=None if broadcast is None else str(broadcast),
            type=str(data.get("type") or "text"),
            visibility=str(data.get("visibility") or "visible"),
            attachments=_list(data, "attachments"),
            labels=[ref for ref in map(ObjectRef.from_json, _list(data, "labels")) if ref],
            quick_replies=_list(data, "quick_replies"),
            flow=ObjectRef.from_json(data.get("flow")),
            created_on=parse_datetime(data.get("created_on")),
            sent_on=parse_datetime(data.get("sent_on")),
            modified_on=parse_datetime(data.get("modified_on")),
            raw=data,
        )


@dataclass(frozen=True)
class Broadcast:
    """A broadcast: one text sent to URNs, contacts and groups."""

    key: str
    uuid: str | None
    id: int | None
    text: dict[str, str] | str
    urns: list[str] = field(default_factory=list)
    contacts: list[ObjectRef] = field(default_factory=list)
    groups: list[ObjectRef] = field(default_factory=list)
    attachments: dict[str, list[str]] | list[str] = field(default_factory=dict)
    base_language: str = ""
    status: str = ""
    created_on: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Broadcast:
        """Read a broadcast from either server line's JSON."""
        ident = data.get("id")
        text = data.get("text")
        return cls(
            key=_key(data),
            uuid=str(data["uuid"]) if data.get("uuid") else None,
            id=int(ident) if isinstance(ident, int) else None,
            text=text if isinstance(text, dict | str) else "",
            urns=[str(urn) for urn in _list(data, "urns")],
            contacts=[ref for ref in map(ObjectRef.from_json, _list(data, "contacts")) if ref],
            groups=[ref for ref in map(ObjectRef.from_json, _list(data, "groups")) if ref],
            attachments=data.get("attachments") or {},
            base_language=str(data.get("base_language") or ""),
            status=str(data.get("status") or ""),
            created_on=parse_datetime(data.get("created_on")),
            raw=data,
        )

    def text_in(self, language: str | None = None) -> str:
        """Return the text in ``language`` (default: the base language, else any)."""
        if isinstance(self.text, str):
            return self.text
        language = language or self.base_language
        if language and language in self.text:
            return self.text[language]
        return next(iter(self.text.values()), "")


@dataclass(frozen=True)
class Contact:
    """A contact of the workspace."""

    uuid: str
    name: str = ""
    status: str = "active"
    language: str | None = None
    urns: list[str] = field(default_factory=list)
    groups: list[ObjectRef] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    flow: ObjectRef | None = None
    created_on: datetime | None = None
    modified_on: datetime | None = None
    last_seen_on: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Contact:
        """Read a contact."""
        return cls(
            uuid=str(data.get("uuid") or ""),
            name=str(data.get("name") or ""),
            status=str(data.get("status") or "active"),
            language=data.get("language") or None,
            urns=[str(urn) for urn in _list(data, "urns")],
            groups=[ref for ref in map(ObjectRef.from_json, _list(data, "groups")) if ref],
            fields=dict(data.get("fields") or {}),
            flow=ObjectRef.from_json(data.get("flow")),
            created_on=parse_datetime(data.get("created_on")),
            modified_on=parse_datetime(data.get("modified_on")),
            last_seen_on=parse_datetime(data.get("last_seen_on")),
            raw=data,
        )


@dataclass(frozen=True)
class Workspace:
    """The workspace the API token belongs to."""

    uuid: str
    name: str = ""
    country: str = ""
    languages: list[str] = field(default_factory=list)
    primary_language: str = ""
    timezone: str = ""
    date_style: str = ""
    anon: bool = False
    raw: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Workspace:
        """Read a workspace."""
        languages = [str(code) for code in _list(data, "languages")]
        return cls(
            uuid=str(data.get("uuid") or ""),
            name=str(data.get("name") or ""),
            country=str(data.get("country") or ""),
            languages=languages,
            primary_language=str(
                data.get("primary_language") or (languages[0] if languages else "")
            ),
            timezone=str(data.get("timezone") or ""),
            date_style=str(data.get("date_style") or ""),
            anon=bool(data.get("anon")),
            raw=data,
        )


@dataclass(frozen=True)
class Resthook:
    """A resthook slug a flow can call."""

    resthook: str
    created_on: datetime | None = None
    modified_on: datetime | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Resthook:
        """Read a resthook."""
        return cls(
            resthook=str(data.get("resthook") or ""),
            created_on=parse_datetime(data.get("created_on")),
            modified_on=parse_datetime(data.get("modified_on")),
        )


@dataclass(frozen=True)
class ResthookSubscriber:
    """A URL subscribed to a resthook."""

    id: int
    resthook: str
    target_url: str
    created_on: datetime | None = None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ResthookSubscriber:
        """Read a resthook subscriber."""
        return cls(
            id=int(data.get("id") or 0),
            resthook=str(data.get("resthook") or ""),
            target_url=str(data.get("target_url") or ""),
            created_on=parse_datetime(data.get("created_on")),
        )

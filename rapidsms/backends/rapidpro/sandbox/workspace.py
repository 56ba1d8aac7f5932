"""The data of a sandbox workspace and how each server line writes it.

The workspace keeps contacts, messages, broadcasts and resthook subscribers
in memory, validates what is posted the way RapidPro does (the same error
shapes and messages), and renders objects either as the public RapidPro 9
release does (``shape="v9"``: integer ``id``s) or as the current hosted line
does (``shape="current"``: ``uuid``s).
"""

from __future__ import annotations

import threading
import uuid as uuid_module
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import phonenumbers

from rapidsms.backends.rapidpro.types import format_datetime

SHAPES = ("current", "v9")
#: Array parameters refuse more items than this.
MAX_ITEMS = 100
#: Longest message text each server line accepts.
MAX_TEXT = {"v9": 640, "current": 4096}
#: URN schemes RapidPro knows (both server lines).
SCHEMES = {
    "tel", "whatsapp", "telegram", "facebook", "twitter", "twitterid", "mailto", "ext", "fcm",
    "line", "viber", "vk", "wechat", "jiochat", "freshchat", "rocketchat", "slack",
    "instagram", "webchat", "discord",
}  # fmt: skip
#: Outgoing statuses that count as sent, for the ``sent`` folder.
SENT_STATUSES = {"wired", "sent", "delivered", "read"}


class ValidationFailed(Exception):
    """Posted values the server refuses: answered 400 with ``errors``."""

    def __init__(self, errors: dict[str, Any]) -> None:
        super().__init__(errors)
        self.errors = errors


class NotFound(Exception):
    """The object named in the URL does not exist: answered 404."""


def now() -> datetime:
    return datetime.now(UTC)


def new_uuid() -> str:
    return str(uuid_module.uuid4())


@dataclass
class SandboxContact:
    uuid: str
    name: str = ""
    language: str | None = None
    urns: list[str] = field(default_factory=list)
    fields: dict[str, Any] = field(default_factory=dict)
    status: str = "active"
    created_on: datetime = field(default_factory=now)
    modified_on: datetime = field(default_factory=now)


@dataclass
class SandboxMessage:
    id: int
    uuid: str
    contact: SandboxContact
    urn: str
    direction: str
    text: str
    status: str
    broadcast_id: int | None = None
    attachments: list[dict[str, str]] = field(default_factory=list)
    visibility: str = "visible"
    flow: dict[str, str] | None = None
    created_on: datetime = field(default_factory=now)
    sent_on: datetime | None = None
    modified_on: datetime = field(default_factory=now)


@dataclass
class SandboxBroadcast:
    id: int
    uuid: str
    text: dict[str, str]
    urns: list[str]
    contacts: list[SandboxContact]
    base_language: str
    status: str = "queued"
    created_on: datetime = field(default_factory=now)


@dataclass
class SandboxSubscriber:
    id: int
    resthook: str
    target_url: str
    created_on: datetime = field(default_factory=now)


class SandboxWorkspace:
    """One workspace's data; every method is safe to call from several threads."""

    def __init__(
        self,
        *,
        shape: str = "current",
        name: str = "Sandbox",
        country: str = "RW",
        languages: tuple[str, ...] = ("eng",),
        resthooks: tuple[str, ...] = ("rapidsms",),
    ) -> None:
        if shape not in SHAPES:
            raise ValueError(f"shape must be one of {', '.join(SHAPES)}, not {shape!r}.")
        self.shape = shape
        self.uuid = new_uuid()
        self.name = name
        self.country = country
        self.languages = list(languages)
        self.resthooks = {slug: now() for slug in resthooks}
        self.channel = {"uuid": new_uuid(), "name": "Sandbox channel"}
        self.lock = threading.RLock()
        self.contacts: dict[str, SandboxContact] = {}
        self.urn_owner: dict[str, SandboxContact] = {}
        self.messages: list[SandboxMessage] = []
        self.broadcasts: list[SandboxBroadcast] = []
        self.subscribers: list[SandboxSubscriber] = []
        #: URNs the server refuses as invalid, on top of the phone number rules.
        self.reject_urns: set[str] = set()
        self._ids = 0

    def next_id(self) -> int:
        with self.lock:
            self._ids += 1
            return self._ids

    # Contacts ------------------------------------------------------------

    def normalize_urn(self, value: Any) -> str:
        """Return ``value`` normalised as RapidPro does, or raise ``ValueError``."""
        if not isinstance(value, str) or ":" not in value or len(value) > 255:
            raise ValueError(value)
        scheme, _, path = value.partition(":")
        scheme = scheme.strip().lower()
        path = path.strip()
        if scheme not in SCHEMES or not path or value in self.reject_urns:
            raise ValueError(value)
        if scheme == "tel":
            try:
                number = phonenumbers.parse(path, self.country)
            except phonenumbers.NumberParseException as exc:
                raise ValueError(value) from exc
            if not phonenumbers.is_possible_number(number):
                raise ValueError(value)
            path = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
        elif scheme in ("whatsapp", "telegram") and not path.isdigit():
            raise ValueError(value)
        normalized = f"{scheme}:{path}"
        if normalized in self.reject_urns:
            raise ValueError(value)
        return normalized

    def contact_for_urn(self, urn: str, name: str = "") -> SandboxContact:
        """Return the contact owning ``urn`` (normalised), creating it when missing."""
        with self.lock:
            contact = self.urn_owner.get(urn)
            if contact is None:
                contact = SandboxContact(uuid=new_uuid(), name=name, urns=[urn])
                self.contacts[contact.uuid] = contact
                self.urn_owner[urn] = contact
            return contact

    def find_contact(self, uuid: str | None = None, urn: str | None = None) -> SandboxContact:
        """Return the contact with this UUID or URN, or raise ``NotFound``."""
        with self.lock:
            if uuid:
                contact = self.contacts.get(uuid)
            else:
                try:
                    contact = self.urn_owner.get(self.normalize_urn(urn))
                except ValueError:
                    contact = None
            if contact is None:
                raise NotFound()
            return contact

    def save_contact(
        self, body: dict[str, Any], contact: SandboxContact | None, upsert_urn: str | None = None
    ) -> tuple[SandboxContact, bool]:
        """Create or update a contact from a posted body; return it and whether it is new."""
        errors: dict[str, Any] = {}
        urns: list[str] | None = None
        if "urns" in body:
            urns, urn_errors = self._validate_urns(body.get("urns"))
            if urn_errors:
                errors["urns"] = urn_errors
        language = body.get("language")
        if language is not None and (not isinstance(language, str) or len(language) != 3):
            errors["language"] = ["Ensure this field has no more than 3 characters."]
        with self.lock:
            for urn in urns or []:
                owner = self.urn_owner.get(urn)
                if owner is not None and owner is not contact:
                    errors["urns"] = [f"URN is in use by another contact: {urn}"]
            if errors:
                raise ValidationFailed(errors)
            created = contact is None
            if contact is None:
                contact = SandboxContact(uuid=new_uuid())
                self.contacts[contact.uuid] = contact
                if upsert_urn:
                    urns = [upsert_urn] + [urn for urn in urns or [] if urn != upsert_urn]
            if "name" in body:
                contact.name = str(body.get("name") or "")
            if language is not None:
                contact.language = language
            if isinstance(body.get("fields"), dict):
                contact.fields.update(body["fields"])
            if urns is not None:
                for old in contact.urns:
                    self.urn_owner.pop(old, None)
                contact.urns = urns
                for urn in urns:
                    self.urn_owner[urn] = contact
            contact.modified_on = now()
            return contact, created

    def delete_contact(self, contact: SandboxContact) -> None:
        with self.lock:
            self.contacts.pop(contact.uuid, None)
            for urn in contact.urns:
                self.urn_owner.pop(urn, None)
            contact.status = "deleted"

    # Messages and broadcasts ---------------------------------------------

    def receive(
        self,
        urn: str,
        text: str,
        *,
        created_on: datetime | None = None,
        handled: bool = True,
        name: str = "",
    ) -> SandboxMessage:
        """Record an incoming message, as if a channel had received it.

        ``handled=False`` keeps it pending (hidden from the API, as RapidPro
        hides messages it has not handled yet) until :meth:`handle_pending`.
        """
        normalized = self.normalize_urn(urn)
        with self.lock:
            contact = self.contact_for_urn(normalized, name=name)
            message = SandboxMessage(
                id=self.next_id(),
                uuid=new_uuid(),
                contact=contact,
                urn=normalized,
                direction="in",
                text=text,
                status="handled" if handled else "pending",
                created_on=created_on or now(),
            )
            self.messages.append(message)
            return message

    def handle_pending(self) -> int:
        """Mark every pending incoming message handled; return how many."""
        with self.lock:
            pending = [m for m in self.messages if m.direction == "in" and m.status == "pending"]
            for message in pending:
                message.status = "handled"
                message.modified_on = now()
            return len(pending)

    def set_status(self, status: str, *, urns: set[str] | None = None) -> int:
        """Move outgoing messages (to ``urns``, or all) to ``status``; return how many."""
        with self.lock:
            count = 0
            for message in self.messages:
                if message.direction != "out" or (urns is not None and message.urn not in urns):
                    continue
                message.status = status
                message.modified_on = now()
                if status in SENT_STATUSES and message.sent_on is None:
                    message.sent_on = message.modified_on
                count += 1
            return count

    def create_message(self, body: dict[str, Any]) -> SandboxMessage:
        """Send a message to one existing contact (``POST messages.json``)."""
        errors: dict[str, Any] = {}
        contact_ref = body.get("contact")
        contact = None
        if not isinstance(contact_ref, str) or not contact_ref:
            errors["contact"] = ["This field is required."]
        else:
            try:
                if ":" in contact_ref:
                    contact = self.find_contact(urn=contact_ref)
                else:
                    contact = self.find_contact(uuid=contact_ref)
            except NotFound:
                errors["contact"] = [f"No such object: {contact_ref}"]
        text = body.get("text")
        attachments = body.get("attachments") or []
        if not isinstance(text, str) or (not text and not attachments):
            errors["text"] = ["This field is required."]
        elif len(text) > MAX_TEXT[self.shape]:
            limit = MAX_TEXT[self.shape]
            errors["text"] = [f"Ensure this field has no more than {limit} characters."]
        if "quick_replies" in body and self.shape == "v9":
            errors["quick_replies"] = ["This field is not allowed."]
        if errors:
            raise ValidationFailed(errors)
        assert contact is not None
        with self.lock:
            message = SandboxMessage(
                id=self.next_id(),
                uuid=new_uuid(),
                contact=contact,
                urn=contact.urns[0] if contact.urns else "",
                direction="out",
                text=text,
                status="queued",
            )
            self.messages.append(message)
            return message

    def create_broadcast(self, body: dict[str, Any]) -> SandboxBroadcast:
        """Send a broadcast (``POST broadcasts.json``): one message per recipient."""
        errors: dict[str, Any] = {}
        text = body.get("text")
        primary = self.languages[0] if self.languages else "eng"
        if isinstance(text, str) and text:
            translations = {primary: text}
        elif isinstance(text, dict) and text and all(isinstance(v, str) for v in text.values()):
            translations = dict(text)
        else:
            translations = {}
            errors["text"] = ["This field is required."]
        if any(len(value) > MAX_TEXT[self.shape] for value in translations.values()):
            errors["text"] = [
                f"Ensure translations have no more than {MAX_TEXT[self.shape]} characters."
            ]
        urns, urn_errors = self._validate_urns(body.get("urns", []))
        if urn_errors:
            errors["urns"] = urn_errors
        contacts: list[SandboxContact] = []
        refs = body.get("contacts", [])
        if not isinstance(refs, list):
            errors["contacts"] = ['Expected a list of items but got type "str".']
        elif len(refs) > MAX_ITEMS:
            errors["contacts"] = [f"Ensure this field has no more than {MAX_ITEMS} elements."]
        else:
            for ref in refs:
                try:
                    contacts.append(self.find_contact(uuid=str(ref)))
                except NotFound:
                    errors["contacts"] = [f"No such object: {ref}"]
        if not errors and not urns and not contacts and not body.get("groups"):
            errors["non_field_errors"] = ["Must provide either urns, contacts or groups."]
        if errors:
            raise ValidationFailed(errors)
        with self.lock:
            broadcast = SandboxBroadcast(
                id=self.next_id(),
                uuid=new_uuid(),
                text=translations,
                urns=urns,
                contacts=contacts,
                base_language=str(body.get("base_language") or next(iter(translations))),
            )
            self.broadcasts.append(broadcast)
            recipients = [self.contact_for_urn(urn) for urn in urns]
            recipients += [c for c in contacts if c not in recipients]
            message_text = broadcast.text.get(broadcast.base_language) or next(
                iter(broadcast.text.values())
            )
            for index, contact in enumerate(recipients):
                self.messages.append(
                    SandboxMessage(
                        id=self.next_id(),
                        uuid=new_uuid(),
                        contact=contact,
                        urn=urns[index] if index < len(urns) else contact.urns[0],
                        direction="out",
                        text=message_text,
                        status="queued",
                        broadcast_id=broadcast.id,
                    )
                )
            return broadcast

    def _validate_urns(self, value: Any) -> tuple[list[str], Any]:
        if not isinstance(value, list):
            return [], [f'Expected a list of items but got type "{type(value).__name__}".']
        if len(value) > MAX_ITEMS:
            return [], [f"Ensure this field has no more than {MAX_ITEMS} elements."]
        urns: list[str] = []
        errors: dict[str, list[str]] = {}
        for index, item in enumerate(value):
            try:
                urns.append(self.normalize_urn(item))
            except ValueError:
                errors[str(index)] = [
                    f"Invalid URN: {item}. Ensure phone numbers contain country codes."
                ]
        return urns, errors

    def subscribe(self, body: dict[str, Any]) -> SandboxSubscriber:
        slug = body.get("resthook")
        target = body.get("target_url")
        errors: dict[str, Any] = {}
        if slug not in self.resthooks:
            errors["resthook"] = [f"No resthook with slug: {slug}"]
        if not isinstance(target, str) or not target.startswith(("http://", "https://")):
            errors["target_url"] = ["Enter a valid URL."]
        if errors:
            raise ValidationFailed(errors)
        with self.lock:
            subscriber = SandboxSubscriber(id=self.next_id(), resthook=slug, target_url=target)
            self.subscribers.append(subscriber)
            return subscriber

    # Rendering -------------------------------------------------------------

    def render_message(self, message: SandboxMessage) -> dict[str, Any]:
        status = message.status
        data: dict[str, Any] = {
            "id": message.id,
            "broadcast": message.broadcast_id,
            "contact": {"uuid": message.contact.uuid, "name": message.contact.name or None},
            "urn": message.urn,
            "channel": self.channel,
            "direction": message.direction,
            "type": "text",
            "status": status,
            "visibility": message.visibility,
            "text": message.text,
            "attachments": message.attachments,
            "labels": [],
            "flow": message.flow,
            "created_on": format_datetime(message.created_on),
            "sent_on": format_datetime(message.sent_on) if message.sent_on else None,
            "modified_on": format_datetime(message.modified_on),
        }
        if self.shape == "v9":
            # RapidPro 9 has no "read" status and no message UUIDs in the API.
            data["status"] = "delivered" if status == "read" else status
            data["archived"] = message.visibility == "archived"
            return data
        return {"uuid": message.uuid, **data, "quick_replies": []}

    def render_broadcast(self, broadcast: SandboxBroadcast) -> dict[str, Any]:
        data: dict[str, Any] = {
            "urns": broadcast.urns,
            "contacts": [{"uuid": c.uuid, "name": c.name or None} for c in broadcast.contacts],
            "groups": [],
            "text": broadcast.text,
            "attachments": {lang: [] for lang in broadcast.text},
            "base_language": broadcast.base_language,
            "created_on": format_datetime(broadcast.created_on),
        }
        if self.shape == "v9":
            return {"id": broadcast.id, **data, "status": broadcast.status}
        return {"uuid": broadcast.uuid, "status": broadcast.status, **data}

    def render_contact(self, contact: SandboxContact) -> dict[str, Any]:
        return {
            "uuid": contact.uuid,
            "name": contact.name or None,
            "status": contact.status,
            "language": contact.language,
            "urns": contact.urns,
            "groups": [],
            "fields": contact.fields,
            "flow": None,
            "created_on": format_datetime(contact.created_on),
            "modified_on": format_datetime(contact.modified_on),
            "last_seen_on": None,
        }

    def render_workspace(self) -> dict[str, Any]:
        data = {
            "uuid": self.uuid,
            "name": self.name,
            "country": self.country,
            "languages": self.languages,
            # Both lines have it; rapidpro-python's Org reads it.
            "primary_language": self.languages[0] if self.languages else None,
            "timezone": "UTC",
            "date_style": "day_first",
            "anon": False,
        }
        if self.shape == "v9":
            data["credits"] = {"used": 0, "remaining": 1000000}
        return data

    def render_subscriber(self, subscriber: SandboxSubscriber) -> dict[str, Any]:
        return {
            "id": subscriber.id,
            "resthook": subscriber.resthook,
            "target_url": subscriber.target_url,
            "created_on": format_datetime(subscriber.created_on),
        }

    def resthook_payload(self, message: SandboxMessage) -> dict[str, Any]:
        """Return what a flow's "Call resthook" action posts for ``message``."""
        scheme, _, path = message.urn.partition(":")
        channel = {**self.channel, "address": "+250788000000"}
        return {
            "contact": {
                "uuid": message.contact.uuid,
                "name": message.contact.name,
                "urn": message.urn,
            },
            "flow": {"uuid": new_uuid(), "name": "RapidSMS bridge", "revision": 1},
            "path": [],
            "results": {},
            "run": {"uuid": new_uuid(), "created_on": format_datetime(now())},
            "input": {
                "uuid": message.uuid,
                "type": "msg",
                "text": message.text,
                "attachments": message.attachments,
                "channel": channel,
                "created_on": format_datetime(message.created_on),
                "urn": {"scheme": scheme, "path": path, "display": ""},
            },
            "channel": channel,
        }

    def flow_webhook_body(self, message: SandboxMessage) -> dict[str, Any]:
        """Return the body the documented "Call webhook" action posts for ``message``."""
        return {
            "message_uuid": message.uuid,
            "urn": message.urn,
            "contact_uuid": message.contact.uuid,
            "text": message.text,
            "attachments": [a.get("url", "") for a in message.attachments],
            "created_on": format_datetime(message.created_on),
        }

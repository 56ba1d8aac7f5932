"""``VumiBackend``: send through Vumi's RapidSMS relay with RapidSMS 2.x's options and body."""

from __future__ import annotations

import json
import logging
from typing import Any

import requests
from django.core.exceptions import ImproperlyConfigured

from rapidsms.backends.http_base import HttpBackendBase
from rapidsms.backends.phone_numbers import InvalidIdentity
from rapidsms.backends.results import Accepted, Results
from rapidsms.errors import BackendOptionsError, MessageSendingError

logger = logging.getLogger("rapidsms.backends.vumi")

#: Keys of the request context copied into the body (RapidSMS 2.x copied the first two).
CONTEXT_KEYS = ("endpoint", "from_addr", "session_event")
#: How Vumi says it cannot answer through ``in_reply_to``: the relay forgets the
#: message after ``vumi_reply_timeout`` (10 minutes) or has replies turned off;
#: Vumi Go does not know the id.
REPLY_REFUSALS = ("Original message", "in_reply_to")


class ReplyRefused(MessageSendingError):
    """Vumi refused ``in_reply_to``; the message itself can still go out."""


class VumiBackend(HttpBackendBase):
    """Send each message as one JSON POST to Vumi, for all its recipients.

    Options, besides those of :class:`~rapidsms.backends.http_base.HttpBackendBase`:

    ``sendsms_url`` (required)
        The relay's send URL, such as ``http://vumi.example.org:9000/send/``
        (``web_path`` and ``web_port`` of Vumi's ``RapidSMSRelay``).
    ``sendsms_params`` (``{}``)
        Keys added to every JSON body.
    ``sendsms_user``, ``sendsms_pass`` (none)
        HTTP Basic credentials (the relay's ``vumi_username`` and
        ``vumi_password``); set both or neither.

    The body, as RapidSMS 2.x sent it::

        {"content": text, "to_addr": [identities], "session_event": null,
         "metadata": {"rapidsms_msg_id": id_},
         "in_reply_to": <Vumi id of the message answered>}   # one recipient only

    plus ``endpoint``, ``from_addr`` and ``session_event`` when the message's
    context has them. Vumi's answer lists the messages it created; their ids
    are each recipient's gateway id, which the router keeps so that events
    about them become delivery reports of our message. A reply Vumi can no
    longer thread (``400`` about ``in_reply_to``: the relay forgets messages
    after ``vumi_reply_timeout``) is sent again at once as a new message.
    """

    inbound_view = "rapidsms.backends.vumi.views.VumiBackendView"
    status_view = "rapidsms.backends.vumi.views.VumiEventView"

    def configure(
        self,
        sendsms_url: str | None = None,
        sendsms_params: dict[str, Any] | None = None,
        sendsms_user: str | None = None,
        sendsms_pass: str | None = None,
        **options: Any,
    ) -> None:
        if not sendsms_url:
            raise BackendOptionsError(
                f"Backend {self.name!r} (VumiBackend) needs the option sendsms_url: the send "
                "URL of Vumi's RapidSMS relay, e.g. 'http://vumi.example.org:9000/send/'."
            )
        if not isinstance(sendsms_url, str) or not sendsms_url.startswith(("http://",
                                                                            "https://")):
            # The value is not repeated: a URL may carry credentials.
            raise ImproperlyConfigured(
                f"Backend {self.name!r}: option sendsms_url must be an http:// or https:// URL."
            )
        if sendsms_params is not None and not isinstance(sendsms_params, dict):
            raise ImproperlyConfigured(
                f"Backend {self.name!r}: option sendsms_params must be a dict of keys to add "
                f"to the JSON body, not {type(sendsms_params).__name__}."
            )
        if bool(sendsms_user) != bool(sendsms_pass):
            raise ImproperlyConfigured(
                f"Backend {self.name!r}: set both sendsms_user and sendsms_pass for HTTP Basic "
                "authentication, or neither."
            )
        self.sendsms_url = sendsms_url
        self.sendsms_params = dict(sendsms_params or {})
        self.sendsms_user = sendsms_user or None
        self.sendsms_pass = sendsms_pass or None
        super().configure(**options)

    def send_batch(
        self, id_: str, text: str, identities: list[str], context: dict[str, Any]
    ) -> Results:
        """Send one request; send a reply Vumi cannot thread again as a new message."""
        try:
            return super().send_batch(id_, text, identities, context)
        except ReplyRefused as exc:
            logger.info("%s: %s Sending message %s without in_reply_to.",
                        self.name, exc.message, id_)
            plain = {key: value for key, value in context.items() if key != "external_id"}
            return super().send_batch(id_, text, identities, plain)

    def check_response(self, response: requests.Response, identities: list[str]) -> None:
        """Raise :class:`ReplyRefused` when Vumi refused only the ``in_reply_to``."""
        if response.status_code == 400 and _sent_in_reply_to(response) and any(
                words in response.text for words in REPLY_REFUSALS):
            raise ReplyRefused(
                f"Vumi cannot answer through the original message: "
                f"{self.redact(response.text)[:200]}",
                failed_identities=identities, backend=self.name, retryable=False,
            )
        super().check_response(response, identities)

    def build_session(self) -> requests.Session:
        session = super().build_session()
        if self.sendsms_user and self.sendsms_pass:
            session.auth = (self.sendsms_user, self.sendsms_pass)
        return session

    def prepare_request(
        self, id_: str, text: str, identities: list[str], context: dict[str, Any]
    ) -> dict[str, Any]:
        payload = dict(self.sendsms_params)
        metadata = payload.get("metadata")
        payload.update({
            "content": text,
            "to_addr": list(identities),
            "session_event": None,
            "metadata": {**(metadata if isinstance(metadata, dict) else {}),
                         "rapidsms_msg_id": id_},
        })
        # The relay answers a message with in_reply_to through the session it came
        # in on, and refuses in_reply_to with several recipients.
        if len(identities) == 1 and context.get("external_id"):
            payload["in_reply_to"] = context["external_id"]
        for key in CONTEXT_KEYS:
            if key in context:
                payload[key] = context[key]
        # RapidSMS 2.x's keyword arguments of requests.post(), which 2.x tests
        # read back: the body as a JSON string in "data", and "auth" when set.
        request: dict[str, Any] = {
            "url": self.sendsms_url,
            "headers": {"content-type": "application/json"},
            "data": json.dumps(payload, allow_nan=False),
        }
        if self.sendsms_user and self.sendsms_pass:
            request["auth"] = (self.sendsms_user, self.sendsms_pass)
        return request

    def parse_response(
        self,
        response: requests.Response,
        id_: str,
        identities: list[str],
        context: dict[str, Any],
    ) -> Results:
        """Return each recipient accepted under the Vumi id of its message in the answer.

        The relay answers a JSON list of the messages it created, Vumi Go's
        HTTP API one such message; anything else is accepted as it is.
        """
        try:
            answer = response.json()
        except ValueError:
            return {}
        results: Results = {}
        for created in answer if isinstance(answer, list) else [answer]:
            if not isinstance(created, dict):
                continue
            vumi_id = created.get("message_id")
            identity = self._recipient(created.get("to_addr"), identities)
            if isinstance(vumi_id, str) and vumi_id and identity:
                results.setdefault(identity, Accepted(vumi_id))
        return results

    def _recipient(self, to_addr: Any, identities: list[str]) -> str | None:
        """Return which of ``identities`` Vumi wrote as ``to_addr``."""
        if to_addr in identities:
            return to_addr
        if len(identities) == 1:
            # A reply goes to the sender as Vumi wrote it, before we normalised it.
            return identities[0]
        if isinstance(to_addr, str):
            try:
                normalised = self.normalize_identity(to_addr)
            except InvalidIdentity:
                return None
            if normalised in identities:
                return normalised
        return None


def _sent_in_reply_to(response: requests.Response) -> bool:
    """Return True when the request of ``response`` carried ``in_reply_to``."""
    try:
        sent = json.loads(getattr(response.request, "body", None) or b"")
    except (TypeError, ValueError):
        return False
    return isinstance(sent, dict) and bool(sent.get("in_reply_to"))

"""``KannelBackend``: send through Kannel's sendsms interface, with delivery reports."""

from __future__ import annotations

import codecs
import logging
import re
from typing import Any
from urllib.parse import quote_plus, urlsplit, urlunsplit

import requests
from django.core.exceptions import ImproperlyConfigured
from django.urls import NoReverseMatch, reverse

from rapidsms.backends.http_base import HttpBackendBase
from rapidsms.backends.kannel import reports
from rapidsms.backends.kannel.text import (
    CODINGS,
    KannelText,
    TextNotEncodable,
    encode_text,
    python_codec,
)
from rapidsms.backends.results import Refused, Results
from rapidsms.errors import MessageSendingError

logger = logging.getLogger("rapidsms.backends.kannel")

DEFAULT_SENDSMS_URL = "http://127.0.0.1:13013/cgi-bin/sendsms"

#: sendsms parameters the backend sets itself, and what to configure instead.
RESERVED_PARAMS = {
    "to": "the backend sets it to the recipients of each message",
    "text": "the backend sets it to each message's text",
    "coding": "use the backend's 'coding' option",
    "charset": "use the backend's 'charset' option",
    "dlr-url": "use the backend's 'delivery_report_url' option",
    "dlrurl": "use the backend's 'delivery_report_url' option",
}

#: Kannel splits ``to`` at white space, so a recipient must not contain any.
SENDABLE_IDENTITY = re.compile(r"\S+")

#: Where Kannel lists, after the status line, the recipients it refused.
DENIED_MARKER = "Denied receivers are:"
FAILED_MARKER = "Failed receivers are:"


class KannelBackend(HttpBackendBase):
    """Send messages through Kannel; receive them from its sms-service.

    Options (RapidSMS 2.x's names), besides those of
    :class:`~rapidsms.backends.http_base.HttpBackendBase`:

    ``sendsms_url`` (``"http://127.0.0.1:13013/cgi-bin/sendsms"``)
        Kannel's sendsms interface (``sendsms-port`` of the smsbox group).
    ``sendsms_params`` (``{}``)
        Parameters added to every request: ``username`` and ``password`` of
        a ``sendsms-user`` group, ``from``, ``smsc``, ``dlr-mask``... The
        password is never logged.
    ``charset`` (none), ``coding`` (none)
        Force Kannel's ``charset`` and ``coding`` (0 7-bit, 1 8-bit,
        2 UCS-2). By default GSM-7 text goes as coding 0 in UTF-8 and other
        text as UCS-2 in UTF-16BE. Text that does not fit a forced charset
        or coding goes as UCS-2 rather than losing characters.
    ``encode_errors`` (none)
        ``"strict"`` refuses (``MessageSendingError``) text that does not fit
        the forced charset instead of sending it as UCS-2. RapidSMS 2.x's
        ``"ignore"`` (and ``"replace"``) are accepted but not applied:
        they would drop characters.
    ``delivery_report_url`` (none)
        Ask Kannel for delivery reports (``dlr-mask=31``) and where to send
        them: the public URL of this backend's status view, or only the
        site's address (``"https://sms.example.org"``, as in RapidSMS 2.x),
        to which the path of ``<name>-status`` is added.
    ``substitute_lookalikes`` (``False``)
        Replace curly quotes, dashes and odd spaces by GSM-7 look-alikes
        when that lets a text go as GSM-7 (160 characters per SMS instead
        of 70).

    Up to :attr:`max_identities_per_request` recipients go in one request,
    joined with spaces as Kannel's ``to`` expects.
    """

    inbound_view = "rapidsms.backends.kannel.views.KannelBackendView"
    status_view = "rapidsms.backends.kannel.views.KannelStatusView"
    #: Recipients per sendsms request; keeps the request line a few kilobytes long.
    max_identities_per_request = 100

    def configure(
        self,
        sendsms_url: str = DEFAULT_SENDSMS_URL,
        sendsms_params: dict[str, Any] | None = None,
        charset: str | None = None,
        coding: int | None = None,
        encode_errors: str | None = None,
        delivery_report_url: str | None = None,
        substitute_lookalikes: bool = False,
        **options: Any,
    ) -> None:
        self.sendsms_url = self._check_url("sendsms_url", sendsms_url)
        self.sendsms_params = self._check_params(sendsms_params)
        self.charset = self._check_charset(charset)
        self.coding = self._check_coding(coding)
        self.encode_errors = self._check_errors(encode_errors)
        self.delivery_report_url = (
            None if delivery_report_url is None
            else self._check_url("delivery_report_url", delivery_report_url)
        )
        self.substitute_lookalikes = bool(substitute_lookalikes)
        super().configure(**options)

    # Hooks of HttpBackendBase -------------------------------------------------

    def identity_batches(self, identities: list[str]) -> list[list[str]]:
        """Return batches of sendable recipients, and each unsendable one alone.

        An unsendable recipient (empty, or with white space that Kannel would
        read as two recipients) fails in its own batch without holding up
        the others.
        """
        sendable = [identity for identity in identities if is_sendable(identity)]
        batches = super().identity_batches(sendable)
        batches.extend([identity] for identity in identities if not is_sendable(identity))
        return batches

    def prepare_request(
        self, id_: str, text: str, identities: list[str], context: dict[str, Any]
    ) -> dict[str, Any]:
        unsendable = [identity for identity in identities if not is_sendable(identity)]
        if unsendable:
            raise MessageSendingError(
                f"Kannel cannot send to {', '.join(map(repr, unsendable))}: a recipient must "
                "not be empty or contain spaces (Kannel splits 'to' at spaces).",
                failed_identities=unsendable, backend=self.name, retryable=False,
            )
        try:
            encoded = self.encode(text)
        except TextNotEncodable as exc:
            raise MessageSendingError(
                f"Message {id_} was not sent: {exc}",
                failed_identities=identities, backend=self.name, retryable=False,
            ) from exc
        params = dict(self.sendsms_params)
        params.update(to=" ".join(identities), text=encoded.data, coding=encoded.coding,
                      charset=encoded.charset)
        if self.delivery_report_url:
            params["dlr-url"] = self.delivery_report_callback(id_, identities)
            params.setdefault("dlr-mask", reports.DLR_MASK)
        return {"method": "GET", "url": self.sendsms_url, "params": params}

    def check_response(self, response: requests.Response, identities: list[str]) -> None:
        """Fail only the recipients Kannel names when it lists the ones it could not queue.

        A 403 (wrong sendsms credentials, or a host the sendsms-user does
        not allow) fails for good and names the settings to check.

        For several recipients Kannel queues each in turn; when some fail it
        answers 500 ``Sending failed. Failed receivers are: ...`` although
        the others were queued. Failing the whole batch would send those
        twice on a retry.
        """
        if response.status_code == 403:
            # Kannel's whole answer is "Authorization failed for sendsms":
            # say where the credentials it refused are configured.
            raise self.http_error(
                f"Kannel refused the sendsms user (403 {self.redact(response.text[:200])!r}) "
                f"for {self.describe_request(response.request)}: check sendsms_params' "
                "username and password against a sendsms-user group of kannel.conf, and "
                "that its user-allow-ip lists this host.",
                response, identities,
            )
        if response.status_code >= 500 and len(identities) > 1:
            failed = listed_receivers(response.text, FAILED_MARKER, identities)
            if failed:
                # The others were queued: they are accepted, only these may go later.
                raise self.http_error(
                    f"Kannel could not queue the message for {len(failed)} of "
                    f"{len(identities)} recipient(s) ({self.describe_request(response.request)}).",
                    response, failed,
                )
        super().check_response(response, identities)

    def parse_response(
        self,
        response: requests.Response,
        id_: str,
        identities: list[str],
        context: dict[str, Any],
    ) -> Results:
        """Refuse for good the recipients Kannel denied (white and black lists, bad characters).

        Kannel's answer carries no id: its delivery reports name our message
        by the id in the dlr-url.
        """
        return {identity: Refused("denied by Kannel (white or black list, or bad characters)")
                for identity in listed_receivers(response.text, DENIED_MARKER, identities)}

    def secret_values(self) -> list[str]:
        """Return the secrets, also as they appear URL-encoded inside the dlr-url parameter."""
        found = super().secret_values()
        for secret in list(self.inbound_secrets):
            encoded = quote_plus(secret)
            found.extend({encoded, encoded.replace("%", "%%")} - {secret})
        return found

    # Kannel specifics ---------------------------------------------------------

    def encode(self, text: str) -> KannelText:
        """Return the bytes, coding and charset ``text`` goes to Kannel with.

        Raise ``TextNotEncodable`` only with ``encode_errors="strict"``.
        """
        encoded = encode_text(
            text, charset=self.charset, coding=self.coding,
            strict=self.encode_errors == "strict", substitute=self.substitute_lookalikes,
        )
        if (self.coding is not None and encoded.coding != self.coding) or (
                self.charset is not None and encoded.charset != self.charset):
            logger.info("%s: a text that coding=%s charset=%s cannot hold goes as UCS-2.",
                        self.name, self.coding, self.charset)
        return encoded

    def delivery_report_callback(self, id_: str, identities: list[str]) -> str:
        """Return the dlr-url for message ``id_``: our status URL, token and Kannel's codes."""
        base = self.callback_url(self.delivery_report_base(identities), message_id=id_)
        return reports.report_url(base)

    def delivery_report_base(self, identities: list[str]) -> str:
        """Return the URL of the status view that Kannel should call.

        ``delivery_report_url`` is used as it is when it has a path. When it
        is only the site's address, the path of the URL named
        ``<name>-status`` (mounted by ``rapidsms.backends.urls``), else of
        RapidSMS 2.x's ``kannel-delivery-report``, is added.
        """
        url = str(self.delivery_report_url)
        parts = urlsplit(url)
        if parts.path not in ("", "/"):
            return url
        query = parts.query
        try:
            path = reverse(f"{self.name}-status")
        except NoReverseMatch:
            try:
                path = reverse("kannel-delivery-report")
            except NoReverseMatch:
                raise MessageSendingError(
                    f"Backend {self.name!r}: delivery_report_url {url!r} has no path and no URL "
                    f"named '{self.name}-status' is mounted; include rapidsms.backends.urls or "
                    "give the status view's full URL.",
                    failed_identities=identities, backend=self.name, retryable=False,
                ) from None
            # RapidSMS 2.x's URL serves every Kannel backend: say which one.
            query = "&".join(filter(None, [query, f"backend={quote_plus(self.name)}"]))
        return urlunsplit(parts._replace(path=path, query=query))

    # Option checks ------------------------------------------------------------

    def _check_url(self, option: str, value: Any) -> str:
        if not isinstance(value, str) or not value.lower().startswith(("http://", "https://")):
            raise self.bad_option(option, value, "an http:// or https:// URL")
        return value

    def _check_params(self, value: Any) -> dict[str, Any]:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise self.bad_option("sendsms_params", value, "a dict of sendsms parameters")
        for key in value:
            if str(key).lower() in RESERVED_PARAMS:
                raise ImproperlyConfigured(
                    f"Backend {self.name!r}: sendsms_params must not contain {key!r}: "
                    f"{RESERVED_PARAMS[str(key).lower()]}."
                )
        return dict(value)

    def _check_charset(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        try:
            python_codec(str(value))
        except LookupError:
            raise self.bad_option("charset", value,
                                  "a charset name such as 'UTF-8' or 'ISO-8859-1'") from None
        return str(value)

    def _check_coding(self, value: Any) -> int | None:
        if value is None or value == "":
            return None
        try:
            coding = int(value)
        except (TypeError, ValueError):
            coding = -1
        if isinstance(value, bool) or coding not in CODINGS:
            raise self.bad_option("coding", value, "0 (7-bit), 1 (8-bit) or 2 (UCS-2)")
        return coding

    def _check_errors(self, value: Any) -> str | None:
        if value is None or value == "":
            return None
        try:
            codecs.lookup_error(str(value))
        except LookupError:
            raise self.bad_option("encode_errors", value, "'strict' or none") from None
        if value != "strict":
            logger.warning(
                "Backend %r: encode_errors=%r is not applied, because it would drop or replace "
                "characters; text the charset cannot hold is sent as UCS-2 instead. Remove the "
                "option, or set 'strict' to refuse such text.", self.name, value,
            )
            return None
        return "strict"


def is_sendable(identity: str) -> bool:
    """Return True when ``identity`` can go in Kannel's space-separated ``to``."""
    return bool(SENDABLE_IDENTITY.fullmatch(identity or ""))


def listed_receivers(body: str, marker: str, identities: list[str]) -> list[str]:
    """Return the identities Kannel lists after ``marker`` in its answer, in our order."""
    position = body.find(marker)
    if position < 0:
        return []
    listed = body[position + len(marker):].split("Message splits:")[0].split()
    return [identity for identity in identities if identity in listed]

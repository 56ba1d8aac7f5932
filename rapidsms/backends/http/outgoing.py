"""``GenericHttpBackend``: send through any gateway that takes a plain HTTP request."""

from __future__ import annotations

from typing import Any

from rapidsms.backends.http_base import HttpBackendBase
from rapidsms.backends.options import URL, Choice, Dict, Option
from rapidsms.backends.status import Status
from rapidsms.errors import MessageSendingError

#: Status words understood without a ``status_map``: ours, and SMPP's ``stat:`` words.
DEFAULT_STATUS_MAP: dict[str, str] = {
    **{status.value: status.value for status in Status},
    "enroute": Status.SENT,
    "acceptd": Status.SENT,
    "delivrd": Status.DELIVERED,
    "expired": Status.FAILED,
    "deleted": Status.FAILED,
    "undeliv": Status.FAILED,
    "undelivered": Status.FAILED,
    "rejectd": Status.FAILED,
    "rejected": Status.FAILED,
}

#: Keys of ``inbound_params`` and their defaults (RapidSMS 2.x's ``params``).
DEFAULT_INBOUND_PARAMS: dict[str, str | None] = {
    "identity_name": "identity",
    "text_name": "text",
    "id_name": None,
}


class GenericHttpBackend(HttpBackendBase):
    """Send each message as an HTTP request built from the options.

    Options, besides those of :class:`~rapidsms.backends.http_base.HttpBackendBase`:

    ``url``
        Where to send; without it the backend only receives.
    ``method`` (``"POST"``)
        ``"GET"`` puts the parameters in the query string.
    ``body`` (``"form"``)
        ``"form"`` (URL-encoded) or ``"json"`` for POST.
    ``identity_name`` (``"identity"``), ``text_name`` (``"text"``)
        Parameter names of the recipient and the text.
    ``id_name`` (none)
        Parameter name that carries our message id, for gateways that echo
        it back in delivery reports.
    ``extra_params`` (``{}``), ``headers`` (``{}``)
        Sent with every request (an API key, a sender id). Values under
        names that look secret (``key``, ``password``, ``token``) are never
        logged.
    ``identity_separator`` (none)
        None sends one request per recipient; a string (``","``) sends one
        request with the recipients joined by it. An identity that contains
        the separator is refused, as a recipient and as a sender, so that
        one identity can never name several recipients.
    ``status_url`` (none), ``status_url_name`` (``"status_url"``)
        The public URL of this backend's status view; when set, each request
        carries it (with ``message_id`` and the current token) under
        ``status_url_name``, for gateways that call back per message.
    ``inbound_params`` (``{}``)
        Names of the fields of inbound requests: ``identity_name``,
        ``text_name`` and ``id_name`` (the gateway's message id, which turns
        on de-duplication; none by default).
    ``status_map`` (``{}``)
        Gateway status words mapped to ``queued``, ``sent``, ``delivered`` or
        ``failed``, added to the words understood by default.
    """

    inbound_view = "rapidsms.backends.http.views.GenericHttpBackendView"
    status_view = "rapidsms.backends.http.views.GenericHttpStatusView"

    url = URL()
    method = Choice(("GET", "POST"), "POST", normalise=str.upper)
    body = Choice(("form", "json"), "form", normalise=str.lower)
    identity_name = Option("identity")
    text_name = Option("text")
    id_name = Option()
    extra_params = Dict()
    headers = Dict()
    identity_separator = Option()
    status_url = Option()
    status_url_name = Option("status_url")
    # Only what the project set: the view's own params are the defaults.
    inbound_params = Dict(check=lambda params: set(params) <= set(DEFAULT_INBOUND_PARAMS),
                          expected="a dict with keys " + ", ".join(DEFAULT_INBOUND_PARAMS))
    status_map = Dict(check=lambda mapping: all(s in Status.values for s in mapping.values()),
                      expected="values among " + ", ".join(Status.values))

    def configure(self, **options: Any) -> None:
        super().configure(**options)
        self.max_identities_per_request = None if self.identity_separator else 1
        self.status_map = {**DEFAULT_STATUS_MAP,
                           **{str(raw).lower(): status for raw, status in self.status_map.items()}}

    def prepare_request(
        self, id_: str, text: str, identities: list[str], context: dict[str, Any]
    ) -> dict[str, Any]:
        if not self.url:
            raise MessageSendingError(
                f"Backend {self.name!r} has no 'url' option, so it cannot send.",
                failed_identities=identities, backend=self.name, retryable=False,
            )
        separator = self.identity_separator
        payload = dict(self.extra_params)
        payload[self.identity_name] = separator.join(identities) if separator else identities[0]
        payload[self.text_name] = text
        if self.id_name:
            payload[self.id_name] = id_
        if self.status_url:
            payload[self.status_url_name] = self.callback_url(self.status_url, message_id=id_)
        request: dict[str, Any] = {"method": self.method, "url": self.url,
                                   "headers": dict(self.headers)}
        if self.method == "GET":
            request["params"] = payload
        elif self.body == "json":
            request["json"] = payload
        else:
            request["data"] = payload
        return request

    def map_status(self, raw_status: str) -> str | None:
        """Return our status for a gateway's status word, or None if unknown."""
        return self.status_map.get(raw_status.strip().lower())

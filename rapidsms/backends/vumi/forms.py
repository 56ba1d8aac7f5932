"""``VumiForm``: a message in Vumi's JSON format, under its RapidSMS 2.x name.

Vumi posts each message as the JSON object of its ``TransportUserMessage``
(``message_id``, ``from_addr``, ``to_addr``, ``content``, ``session_event``,
``transport_name``, ``transport_type``, ...). The form checks the fields
RapidSMS 2.x checked, refuses values of the wrong JSON type instead of
turning them into text, and hands every cleaned field to the apps in
``msg.fields``, with ``external_id`` set to Vumi's ``message_id``.
"""

from __future__ import annotations

from typing import Any

from django import forms

from rapidsms.backends.http.forms import BaseHttpForm
from rapidsms.backends.inbound.views import MAX_FIELD_LENGTH

#: Vumi's session events; ``""`` stands for its ``null`` (no session).
SESSION_EVENTS = ("", "new", "resume", "close")


class JsonTextField(forms.CharField):
    """A JSON string (or null); a number, list or object is an error, not text."""

    def to_python(self, value: Any) -> str:
        if value is not None and not isinstance(value, str):
            raise forms.ValidationError("Must be a JSON string.", code="invalid")
        return super().to_python(value)


class JsonObjectField(forms.Field):
    """A JSON object (or null, read as ``{}``)."""

    def to_python(self, value: Any) -> dict[str, Any]:
        if value is None or value == "":
            return {}
        if not isinstance(value, dict):
            raise forms.ValidationError("Must be a JSON object.", code="invalid")
        return value


class VumiForm(BaseHttpForm):
    """One message from Vumi. ``from_addr`` is the sender, ``content`` the text.

    ``content`` must be present but may be ``null`` or empty: USSD session
    events (``session_event`` ``"new"`` or ``"close"``) often have no text.
    The form accepts them; ``VumiBackendView`` answers them without routing,
    because the router takes no empty text.
    """

    message_id = JsonTextField(max_length=MAX_FIELD_LENGTH)
    to_addr = JsonTextField(required=False, max_length=MAX_FIELD_LENGTH)
    from_addr = JsonTextField(max_length=MAX_FIELD_LENGTH)
    in_reply_to = JsonTextField(required=False, max_length=MAX_FIELD_LENGTH)
    session_event = JsonTextField(required=False)
    # Kept exactly as sent: leading spaces can matter to an app.
    content = JsonTextField(required=False, strip=False)
    transport_name = JsonTextField(max_length=MAX_FIELD_LENGTH)
    transport_type = JsonTextField(max_length=MAX_FIELD_LENGTH)
    group = JsonTextField(required=False, max_length=MAX_FIELD_LENGTH)
    helper_metadata = JsonObjectField(required=False)
    transport_metadata = JsonObjectField(required=False)

    def clean_content(self) -> str:
        # Vumi always sends the key (null when there is no text); without it
        # the request is not a Vumi message.
        if "content" not in self.data:
            raise forms.ValidationError(
                "This field is required (null for a message without text).", code="required")
        return self.cleaned_data["content"]

    def clean_session_event(self) -> str:
        value = self.cleaned_data["session_event"]
        if value not in SESSION_EVENTS:
            raise forms.ValidationError(
                "Must be null, 'new', 'resume' or 'close'.", code="invalid")
        return value

    def clean_from_addr(self) -> str:
        return self.normalize_identity(self.cleaned_data["from_addr"])

    def get_incoming_data(self) -> dict[str, Any]:
        fields = dict(self.cleaned_data)
        fields["external_id"] = self.cleaned_data["message_id"]
        connection = self.lookup_connections([self.cleaned_data["from_addr"]])[0]
        return {"connection": connection, "text": self.cleaned_data["content"],
                "fields": fields}

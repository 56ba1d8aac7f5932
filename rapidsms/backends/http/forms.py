"""RapidSMS 2.x's inbound forms, kept for views written against them.

A form receives the request's data and ``backend_name``; when valid,
``get_incoming_data()`` returns ``{"connection": ..., "text": ...,
"fields": {...}}`` for the router. The identity is normalised (E.164 per the
backend's ``default_region``) while the form is cleaned, so an impossible
number is a form error (400), never a stored connection.
"""

from __future__ import annotations

from typing import Any

from django import forms

from rapidsms.backends.inbound.views import MAX_FIELD_LENGTH, storable
from rapidsms.backends.phone_numbers import InvalidIdentity, normalize_identity


class BaseHttpForm(forms.Form):
    """Base of an inbound form: subclasses add fields and ``get_incoming_data()``."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.backend_name: str = kwargs.pop("backend_name")
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name, value in list(cleaned.items()):
            if isinstance(value, str) and not storable(value):
                self.add_error(name, "Contains characters that cannot be stored "
                                     "(NUL or an unpaired surrogate).")
        return cleaned

    def normalize_identity(self, identity: str) -> str:
        """Return ``identity`` normalised per the backend; raise ``ValidationError``."""
        from rapidsms.router import get_router

        backend = getattr(get_router(), "backends", {}).get(self.backend_name)
        normalize = getattr(backend, "normalize_identity", None)
        try:
            return normalize(identity) if normalize else normalize_identity(identity)
        except InvalidIdentity as exc:
            raise forms.ValidationError(str(exc)) from None

    def lookup_connections(self, identities: list[str]) -> list[Any]:
        """Return the connections of ``identities`` on this form's backend."""
        from rapidsms.router import lookup_connections

        return lookup_connections(self.backend_name, identities)

    def get_incoming_data(self) -> dict[str, Any]:
        """Return ``{"connection", "text"[, "fields"]}`` of a valid form."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_incoming_data().")


class GenericHttpForm(BaseHttpForm):
    """An identity and a text under configurable names, and optionally a message id.

    Takes ``identity_name`` (default ``"identity"``), ``text_name``
    (``"text"``) and ``id_name`` (none; the gateway's message id, stored as
    ``fields["external_id"]``) as keyword arguments.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.identity_name: str = kwargs.pop("identity_name", None) or "identity"
        self.text_name: str = kwargs.pop("text_name", None) or "text"
        self.id_name: str | None = kwargs.pop("id_name", None)
        super().__init__(*args, **kwargs)
        self.fields[self.identity_name] = forms.CharField(max_length=MAX_FIELD_LENGTH)
        # Keep the text exactly as sent: leading spaces can matter to an app.
        self.fields[self.text_name] = forms.CharField(strip=False)
        if self.id_name:
            self.fields[self.id_name] = forms.CharField(required=False,
                                                        max_length=MAX_FIELD_LENGTH)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        identity = cleaned.get(self.identity_name)
        if identity and self.identity_name not in self.errors:
            try:
                cleaned[self.identity_name] = self.normalize_identity(identity)
            except forms.ValidationError as exc:
                self.add_error(self.identity_name, exc)
        return cleaned

    def get_incoming_data(self) -> dict[str, Any]:
        connection = self.lookup_connections([self.cleaned_data[self.identity_name]])[0]
        fields: dict[str, Any] = {}
        if self.id_name and self.cleaned_data.get(self.id_name):
            fields["external_id"] = self.cleaned_data[self.id_name]
        return {"connection": connection, "text": self.cleaned_data[self.text_name],
                "fields": fields}

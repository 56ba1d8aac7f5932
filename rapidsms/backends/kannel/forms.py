"""``KannelForm``: the fields of Kannel's sms-service get-url, RapidSMS 2.x's form.

The view decodes the raw query first (see
:func:`rapidsms.backends.kannel.views.read_query`), so ``text`` arrives as
text whatever charset the phone used.
"""

from __future__ import annotations

from typing import Any

from django import forms

from rapidsms.backends.http.forms import BaseHttpForm
from rapidsms.backends.inbound.views import MAX_FIELD_LENGTH

#: Optional fields passed on to the apps in ``msg.fields`` when Kannel sends them.
EXTRA_FIELDS = ("smsc", "to")


class KannelForm(BaseHttpForm):
    """A message from Kannel: ``id`` (the sender, ``%p``) and ``text`` (``%b``).

    Optional: ``charset`` (``%C``) and ``coding`` (``%c``), which the view
    already used to decode the text; ``msgid`` (``%I``, Kannel's id of the
    message, which turns on de-duplication of Kannel's retries); ``smsc``
    (``%i``) and ``to`` (``%P``, the number the message was sent to), which
    reach the apps as ``msg.fields["smsc"]`` and ``msg.fields["to"]``.
    """

    # Keep the text exactly as sent: leading spaces can matter to an app.
    text = forms.CharField(strip=False)
    id = forms.CharField(max_length=MAX_FIELD_LENGTH)
    charset = forms.CharField(required=False, max_length=MAX_FIELD_LENGTH)
    coding = forms.CharField(required=False, max_length=MAX_FIELD_LENGTH)
    msgid = forms.CharField(required=False, max_length=MAX_FIELD_LENGTH)
    smsc = forms.CharField(required=False, max_length=MAX_FIELD_LENGTH)
    to = forms.CharField(required=False, max_length=MAX_FIELD_LENGTH)

    def clean_id(self) -> str:
        return self.normalize_identity(self.cleaned_data["id"])

    def get_incoming_data(self) -> dict[str, Any]:
        connection = self.lookup_connections([self.cleaned_data["id"]])[0]
        fields: dict[str, Any] = {
            name: self.cleaned_data[name] for name in EXTRA_FIELDS if self.cleaned_data.get(name)
        }
        if self.cleaned_data.get("msgid"):
            fields["external_id"] = self.cleaned_data["msgid"]
        return {"connection": connection, "text": self.cleaned_data["text"], "fields": fields}

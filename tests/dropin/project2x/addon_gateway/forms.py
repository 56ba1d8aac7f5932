from django import forms

from rapidsms.backends.http.forms import BaseHttpForm


class AddonForm(BaseHttpForm):
    """The gateway posts From, Body and its own message id; no field-name params."""

    From = forms.CharField()
    Body = forms.CharField()
    MessageSid = forms.CharField()

    def get_incoming_data(self):
        connection = self.lookup_connections([self.cleaned_data["From"]])[0]
        fields = {"external_id": self.cleaned_data["MessageSid"]}
        return {"connection": connection, "text": self.cleaned_data["Body"], "fields": fields}

"""The home page's form: send a test message as a phone number."""

from __future__ import annotations

import re

from django import forms
from django.core.exceptions import ValidationError

#: The longest text the message tester accepts: ten SMS segments and more.
MAX_TEXT_LENGTH = 1600

_PHONE_NUMBER = re.compile(r"\+?[0-9]{3,15}")
# Spaces, dots, dashes and brackets people type inside numbers: "+1 (555) 010-0".
_NUMBER_PUNCTUATION = re.compile(r"[\s().-]")
PHONE_NUMBER_ERROR = "Enter a phone number of 3 to 15 digits, with or without a leading +."


def normalise_phone_number(value: str) -> str | None:
    """Return ``value`` without punctuation if it is a phone number, else ``None``."""
    number = _NUMBER_PUNCTUATION.sub("", value)
    return number if _PHONE_NUMBER.fullmatch(number) else None


class SendMessageForm(forms.Form):
    """A text and the phone number it comes from."""

    identity = forms.CharField(
        label="Phone number",
        max_length=32,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    text = forms.CharField(
        label="Message",
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def clean_identity(self) -> str:
        number = normalise_phone_number(self.cleaned_data["identity"])
        if number is None:
            raise ValidationError(PHONE_NUMBER_ERROR, code="invalid")
        return number

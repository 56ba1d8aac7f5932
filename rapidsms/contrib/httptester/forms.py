"""The message tester's forms: one text, or a file of texts, from a phone number."""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from rapidsms.deprecation import deprecated_attributes

#: The longest text the tester accepts: ten SMS segments and more.
MAX_TEXT_LENGTH = 1600
#: The largest bulk file (1 MiB) and the most messages it may hold.
MAX_BULK_BYTES = 1024 * 1024
MAX_BULK_MESSAGES = 1000

_PHONE_NUMBER = re.compile(r"\+?[0-9]{3,20}")
# Spaces, dots, dashes and brackets people type inside numbers: "+1 (555) 010-0".
_NUMBER_PUNCTUATION = re.compile(r"[\s().-]")
PHONE_NUMBER_ERROR = _("Enter a phone number of 3 to 20 digits, with or without a leading +.")


def normalise_identity(value: str) -> str | None:
    """Return ``value`` without punctuation if it is a phone number, else ``None``."""
    number = _NUMBER_PUNCTUATION.sub("", value or "")
    return number if _PHONE_NUMBER.fullmatch(number) else None


class IdentityField(forms.CharField):
    """A phone number, returned without spaces or punctuation."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("Phone number"))
        kwargs.setdefault("max_length", 40)
        kwargs.setdefault(
            "widget",
            forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off", "list": "numbers"}),
        )
        super().__init__(**kwargs)

    def clean(self, value: Any) -> str:
        value = super().clean(value)
        number = normalise_identity(value)
        if number is None:
            raise ValidationError(PHONE_NUMBER_ERROR, code="invalid")
        return number


class MessageForm(forms.Form):
    """A text as a phone would send it."""

    identity = IdentityField()
    text = forms.CharField(
        label=_("Message"),
        max_length=MAX_TEXT_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BulkUploadForm(forms.Form):
    """A UTF-8 text file: each non-blank line is sent as one message."""

    identity = IdentityField()
    bulk = forms.FileField(
        label=_("Text file"),
        help_text=_("UTF-8 text, one message per line, at most 1,000 lines and 1 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ".txt,text/plain"}),
    )

    def clean_bulk(self) -> list[str]:
        """Return the messages of the file; refuse a file that is too large, empty or not UTF-8."""
        upload = self.cleaned_data["bulk"]
        if upload.size > MAX_BULK_BYTES:
            raise ValidationError(
                _("The file is too large (%(size)s); send at most 1 MB."),
                params={"size": _format_size(upload.size)},
                code="too_large",
            )
        data = upload.read(MAX_BULK_BYTES + 1)
        return read_messages(data)


def read_messages(data: bytes) -> list[str]:
    """Return the non-blank lines of ``data`` as messages, or raise ``ValidationError``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValidationError(
            _("Line %(line)d is not UTF-8 text. Save the file as UTF-8 and try again."),
            params={"line": line},
            code="not_utf8",
        ) from exc
    messages = []
    errors = []
    for number, line in enumerate(text.splitlines(), start=1):
        message = line.strip()
        if not message:
            continue
        if len(message) > MAX_TEXT_LENGTH:
            errors.append(
                ValidationError(
                    _("Line %(line)d is longer than %(max)d characters."),
                    params={"line": number, "max": MAX_TEXT_LENGTH},
                    code="line_too_long",
                )
            )
        messages.append(message)
    if errors:
        raise ValidationError(errors)
    if not messages:
        raise ValidationError(_("The file is empty: it has no messages."), code="empty")
    if len(messages) > MAX_BULK_MESSAGES:
        raise ValidationError(
            ngettext(
                "The file has %(count)d message; send at most %(max)d at a time.",
                "The file has %(count)d messages; send at most %(max)d at a time.",
                len(messages),
            ),
            params={"count": len(messages), "max": MAX_BULK_MESSAGES},
            code="too_many",
        )
    return messages


def _format_size(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f} MB"
    return f"{size / 1024:.0f} KB"


# RapidSMS 2.x's field set a width on the file input, which browsers ignore.
__getattr__ = deprecated_attributes(
    __name__, {"SmallFileField": ("django.forms.FileField", lambda: forms.FileField)}
)

"""Text to and from Kannel: the ``coding`` and ``charset`` of each message.

Kannel's sendsms interface takes the text as bytes plus two parameters
(Kannel user guide, "Sending SMS via HTTP"):

``coding``
    ``0`` 7-bit (GSM 03.38), ``1`` 8-bit (binary), ``2`` UCS-2.
``charset``
    The charset of the bytes in ``text``. Kannel converts them to GSM-7 for
    coding 0 and to UTF-16BE for coding 2; without it, it assumes UTF-8
    (coding 0) or UTF-16BE (coding 2).

A character Kannel cannot convert to GSM-7 becomes ``?`` on the handset, so
:func:`encode_text` only keeps coding 0 for text that is all GSM-7; anything
else goes as UCS-2 (``coding=2``, ``charset=UTF-16BE``). RapidSMS 2.x
encoded with ``charset="ascii"`` and ``errors="ignore"`` and so dropped every
accented letter; no setting here drops a character.

On the way in, Kannel puts the message's bytes in the URL as they came
from the phone: UTF-8 for 7-bit messages, UTF-16BE for UCS-2 ones, with
``%C`` (charset) and ``%c`` (coding) telling which. :func:`decode_text`
reads them back.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from rapidsms.backends.encoding import Alphabet, prepare_text

#: Kannel's values of ``coding``.
SEVEN_BIT, EIGHT_BIT, UCS2 = 0, 1, 2
CODINGS = (SEVEN_BIT, EIGHT_BIT, UCS2)

#: The charset Kannel assumes for each coding when none is given.
DEFAULT_CHARSETS = {SEVEN_BIT: "UTF-8", EIGHT_BIT: "UTF-8", UCS2: "UTF-16BE"}

#: Names Kannel (and iconv) use for big-endian UTF-16; ``UTF16-BE`` is Kannel 1.3's spelling.
UTF16_BIG_ENDIAN = {"UTF-16BE", "UTF16-BE", "UTF16BE", "UCS-2", "UCS-2BE", "UCS2", "UNICODE"}


class TextNotEncodable(ValueError):
    """The text cannot go in the configured charset and the backend may not switch."""


class TextNotDecodable(ValueError):
    """The bytes Kannel sent are not text in the charset it named."""


@dataclass(frozen=True)
class KannelText:
    """What goes into the sendsms request: ``text`` bytes, ``coding`` and ``charset``."""

    data: bytes
    coding: int
    charset: str


def python_codec(charset: str) -> str:
    """Return Python's codec name for a Kannel (iconv) charset name.

    Raise ``LookupError`` when Python does not know the charset.
    """
    name = charset.strip().upper().replace("_", "-")
    if name in UTF16_BIG_ENDIAN:
        return "utf-16-be"
    return codecs.lookup(name).name


def encode_text(
    text: str,
    *,
    charset: str | None = None,
    coding: int | None = None,
    strict: bool = False,
    substitute: bool = False,
) -> KannelText:
    """Return ``text`` ready for Kannel's sendsms request.

    ``coding`` and ``charset`` are what the project configured (None: choose).
    Without a coding, GSM-7 text goes as coding 0 in UTF-8 and any other
    text as UCS-2. A configured coding and charset are kept whenever the text
    fits them; text that does not (not GSM-7 for coding 0, or not encodable
    in the charset) goes as UCS-2 in UTF-16BE, or, with ``strict``, raises
    :class:`TextNotEncodable`. ``substitute`` replaces curly quotes and
    dashes by their GSM-7 look-alikes when that is all that keeps the text
    out of GSM-7.
    """
    text, alphabet = prepare_text(text, substitute=substitute)
    if coding is None:
        coding = SEVEN_BIT if alphabet is Alphabet.GSM7 else UCS2
    chosen = charset or DEFAULT_CHARSETS[coding]
    if coding == SEVEN_BIT and alphabet is not Alphabet.GSM7:
        problem = "has characters outside the GSM 7-bit alphabet (coding 0)"
    else:
        try:
            return KannelText(text.encode(python_codec(chosen)), coding, chosen)
        except UnicodeEncodeError as exc:
            problem = f"has {exc.object[exc.start:exc.end]!r}, which {chosen} cannot hold"
    if strict:
        raise TextNotEncodable(
            f"The text {problem}, and encode_errors='strict' forbids sending it as UCS-2."
        )
    try:
        return KannelText(text.encode("utf-16-be"), UCS2, "UTF-16BE")
    except UnicodeEncodeError as exc:  # a lone surrogate: no charset holds it
        raise TextNotEncodable(
            f"The text has an unpaired surrogate at position {exc.start}; it is not valid text."
        ) from None


def inbound_codec(charset: str | None, coding: str | None, data: bytes = b"") -> str:
    """Return the Python codec to read a message Kannel labelled ``charset``/``coding``.

    The charset wins when Python knows it; otherwise coding 2 means UTF-16BE
    and anything else UTF-8, the encodings Kannel uses inside.
    """
    name = (charset or "").strip().upper().replace("_", "-")
    if name in UTF16_BIG_ENDIAN:
        return "utf-16-be"
    if name == "UTF-16":
        # No byte order given: a BOM says which; Kannel itself writes big-endian.
        return "utf-16" if data[:2] in (codecs.BOM_UTF16_BE, codecs.BOM_UTF16_LE) else "utf-16-be"
    if name:
        try:
            return codecs.lookup(name).name
        except (LookupError, ValueError):  # ValueError: a NUL in the name
            pass  # Kannel's own labels such as "8-BIT" or "binary"
    return "utf-16-be" if str(coding or "").strip() == str(UCS2) else "utf-8"


def decode_text(data: bytes, charset: str | None = None, coding: str | None = None) -> str:
    """Return the text of a message Kannel delivered; raise :class:`TextNotDecodable`."""
    codec = inbound_codec(charset, coding, data)
    label = charset or ("UTF-16BE" if codec == "utf-16-be" else "UTF-8")
    try:
        return data.decode(codec)
    except UnicodeDecodeError as exc:
        raise TextNotDecodable(
            f"The text is not valid {label} (byte {exc.start}: {exc.reason}); make sure the "
            "sms-service get-url passes charset=%C&coding=%c."
        ) from None
    except (LookupError, UnicodeError) as exc:
        # A codec Python has that is not a text charset ("base64", "rot13"), or
        # one that refuses on its own terms ("undefined", "idna").
        raise TextNotDecodable(f"{label[:40]!r} is not a charset text can be read in "
                               f"({exc}).") from None

"""SMS text encoding: GSM-7 or UCS-2, segment counts and splitting.

An SMS carries 140 bytes. Text that fits the GSM 03.38 alphabet goes as
7-bit septets: 160 in one message, or 153 per segment when a long message is
split (the other septets carry the concatenation header). Anything else goes
as UCS-2, that is UTF-16: 70 code units in one message, 67 per segment.

Two details trip up most implementations:

* The characters of the GSM *extension* table (``^ { } \\ [ ~ ] | €`` and
  form feed) are sent as an escape septet plus one septet, so they count two.
  A segment boundary must never fall between the two.
* Characters outside the Basic Multilingual Plane (most emoji) are two UTF-16
  code units (a surrogate pair). A segment boundary must never fall between
  the two either.

Typical use in a backend::

    from rapidsms.backends import encoding

    text, alphabet = encoding.prepare_text(text, substitute=self.substitute_lookalikes)
    if alphabet is encoding.Alphabet.UCS2:
        params["coding"] = 2

No function here drops or replaces a character unless asked to with
``substitute=True``: text that cannot go as GSM-7 goes as UCS-2.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

# GSM 03.38 default alphabet, in septet order (3GPP TS 23.038, section 6.2.1).
# Position 0x1B is the escape to the extension table; it is not a character.
_BASIC_TABLE = (
    "@£$¥èéùìòÇ\nØø\rÅå"
    "Δ_ΦΓΛΩΠΨΣΘΞ\x1bÆæßÉ"
    " !\"#¤%&'()*+,-./"
    "0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNO"
    "PQRSTUVWXYZÄÖÑÜ§"
    "¿abcdefghijklmno"
    "pqrstuvwxyzäöñüà"
)
ESCAPE = 0x1B

#: Septet value of each character of the basic table.
GSM7_BASIC: dict[str, int] = {
    char: index for index, char in enumerate(_BASIC_TABLE) if index != ESCAPE
}

#: Septet value (after the escape) of each character of the extension table.
GSM7_EXTENDED: dict[str, int] = {
    "\f": 0x0A,
    "^": 0x14,
    "{": 0x28,
    "}": 0x29,
    "\\": 0x2F,
    "[": 0x3C,
    "~": 0x3D,
    "]": 0x3E,
    "|": 0x40,
    "€": 0x65,
}

_BASIC_BY_SEPTET = {value: char for char, value in GSM7_BASIC.items()}
_EXTENDED_BY_SEPTET = {value: char for char, value in GSM7_EXTENDED.items()}

#: Look-alikes that phones and word processors type in place of GSM-7
#: characters. Only punctuation and spaces: replacing letters (``á`` by
#: ``a``) would change what people wrote.
LOOKALIKES: dict[str, str] = {
    "\u2018": "'",  # left single quotation mark
    "\u2019": "'",  # right single quotation mark, the apostrophe of autocorrect
    "\u201a": "'",  # single low-9 quotation mark
    "\u201b": "'",
    "\u2032": "'",  # prime
    "\u00b4": "'",  # acute accent
    "\u0060": "'",  # grave accent, not in GSM-7
    "\u201c": '"',  # left double quotation mark
    "\u201d": '"',  # right double quotation mark
    "\u201e": '"',  # double low-9 quotation mark
    "\u201f": '"',
    "\u2033": '"',  # double prime
    "\u00ab": '"',  # left guillemet
    "\u00bb": '"',  # right guillemet
    "\u2010": "-",  # hyphen
    "\u2011": "-",  # non-breaking hyphen
    "\u2012": "-",  # figure dash
    "\u2013": "-",  # en dash
    "\u2014": "-",  # em dash
    "\u2015": "-",  # horizontal bar
    "\u2212": "-",  # minus sign
    "\u00a0": " ",  # no-break space
    "\u2002": " ",  # en space
    "\u2003": " ",  # em space
    "\u2009": " ",  # thin space
    "\u202f": " ",  # narrow no-break space
    "\u2026": "...",  # ellipsis
    "\u2022": "-",  # bullet
    "\t": " ",  # tab: not in GSM-7
}

#: Septets in a single message and in each part of a split message.
GSM7_SINGLE, GSM7_PART = 160, 153
#: UTF-16 code units in a single message and in each part of a split message.
UCS2_SINGLE, UCS2_PART = 70, 67


class Alphabet(enum.Enum):
    """The alphabet a text is sent in."""

    GSM7 = "gsm7"
    UCS2 = "ucs2"


@dataclass(frozen=True)
class SegmentCount:
    """How a text goes over SMS.

    ``units`` is the length in septets (GSM-7) or UTF-16 code units (UCS-2),
    ``segments`` the number of SMS it takes (0 for an empty text), and
    ``remaining`` how many more units fit in the last segment.
    """

    alphabet: Alphabet
    units: int
    segments: int
    remaining: int


def is_gsm7(text: str) -> bool:
    """Return True when every character of ``text`` is in the GSM-7 alphabet."""
    return all(char in GSM7_BASIC or char in GSM7_EXTENDED for char in text)


def choose_alphabet(text: str) -> Alphabet:
    """Return GSM-7 when the text fits it, else UCS-2."""
    return Alphabet.GSM7 if is_gsm7(text) else Alphabet.UCS2


def substitute_lookalikes(text: str) -> str:
    """Return ``text`` with curly quotes, dashes and odd spaces replaced by GSM-7 ones.

    Only characters listed in :data:`LOOKALIKES` change; letters never do.
    The result may still need UCS-2 (for example when it contains ``á``).
    """
    return "".join(LOOKALIKES.get(char, char) for char in text)


def prepare_text(text: str, substitute: bool = False) -> tuple[str, Alphabet]:
    """Return the text to send and its alphabet.

    With ``substitute``, look-alikes are replaced when that lets the whole
    text go as GSM-7 (more characters per SMS); otherwise the text is
    returned unchanged, to go as UCS-2.
    """
    if is_gsm7(text):
        return text, Alphabet.GSM7
    if substitute:
        replaced = substitute_lookalikes(text)
        if is_gsm7(replaced):
            return replaced, Alphabet.GSM7
    return text, Alphabet.UCS2


def char_units(char: str, alphabet: Alphabet) -> int:
    """Return what one character costs: septets in GSM-7, UTF-16 code units in UCS-2."""
    if alphabet is Alphabet.GSM7:
        return 2 if char in GSM7_EXTENDED else 1
    return 2 if ord(char) > 0xFFFF else 1


def text_units(text: str, alphabet: Alphabet | None = None) -> int:
    """Return the length of ``text`` in septets or UTF-16 code units."""
    alphabet = alphabet or choose_alphabet(text)
    return sum(char_units(char, alphabet) for char in text)


def count_segments(text: str, alphabet: Alphabet | None = None) -> SegmentCount:
    """Return how many SMS ``text`` takes, in its own alphabet unless one is given.

    Counts what :func:`split_segments` produces, so a part never ends in the
    middle of an escape sequence or a surrogate pair.
    """
    alphabet = alphabet or choose_alphabet(text)
    units = text_units(text, alphabet)
    single, part = _limits(alphabet)
    if units == 0:
        return SegmentCount(alphabet, 0, 0, single)
    if units <= single:
        return SegmentCount(alphabet, units, 1, single - units)
    parts = split_segments(text, alphabet)
    used = text_units(parts[-1], alphabet)
    return SegmentCount(alphabet, units, len(parts), part - used)


def split_segments(text: str, alphabet: Alphabet | None = None) -> list[str]:
    """Split ``text`` into the parts of a concatenated SMS.

    A text that fits one message is returned as one part. Longer text is
    cut into parts of at most 153 septets or 67 UTF-16 code units, always
    between characters, so an escaped GSM character or an emoji stays whole.
    """
    alphabet = alphabet or choose_alphabet(text)
    if alphabet is Alphabet.GSM7 and not is_gsm7(text):
        raise ValueError("The text has characters outside GSM-7; split it as UCS-2.")
    single, part_size = _limits(alphabet)
    if text_units(text, alphabet) <= single:
        return [text] if text else []
    parts: list[str] = []
    current: list[str] = []
    used = 0
    for char in text:
        cost = char_units(char, alphabet)
        if used + cost > part_size:
            parts.append("".join(current))
            current, used = [], 0
        current.append(char)
        used += cost
    if current:
        parts.append("".join(current))
    return parts


def encode_gsm7(text: str) -> bytes:
    """Return ``text`` as unpacked GSM-7 septets, one per byte (as SMPP carries them).

    Raise ``ValueError`` naming the first character that has no GSM-7 form.
    """
    out = bytearray()
    for position, char in enumerate(text):
        if char in GSM7_BASIC:
            out.append(GSM7_BASIC[char])
        elif char in GSM7_EXTENDED:
            out += bytes((ESCAPE, GSM7_EXTENDED[char]))
        else:
            raise ValueError(f"{char!r} at position {position} has no GSM-7 form; send as UCS-2.")
    return bytes(out)


def decode_gsm7(data: bytes) -> str:
    """Return the text of unpacked GSM-7 septets.

    An escape followed by a septet the extension table does not define
    decodes as the basic character, as 3GPP TS 23.038 asks receivers to do.
    Raise ``ValueError`` for a byte above 0x7F.
    """
    chars: list[str] = []
    escaped = False
    for position, value in enumerate(data):
        if value > 0x7F:
            raise ValueError(f"Byte 0x{value:02x} at position {position} is not a GSM-7 septet.")
        if escaped:
            chars.append(_EXTENDED_BY_SEPTET.get(value) or _BASIC_BY_SEPTET.get(value, " "))
            escaped = False
        elif value == ESCAPE:
            escaped = True
        else:
            chars.append(_BASIC_BY_SEPTET[value])
    if escaped:  # a trailing escape: the spec reads it as a space
        chars.append(" ")
    return "".join(chars)


def _limits(alphabet: Alphabet) -> tuple[int, int]:
    if alphabet is Alphabet.GSM7:
        return GSM7_SINGLE, GSM7_PART
    return UCS2_SINGLE, UCS2_PART

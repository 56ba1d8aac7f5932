"""GSM-7 / UCS-2 decisions, segment counts and splitting."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapidsms.backends.encoding import (
    GSM7_BASIC,
    GSM7_EXTENDED,
    Alphabet,
    choose_alphabet,
    count_segments,
    decode_gsm7,
    encode_gsm7,
    prepare_text,
    split_segments,
    substitute_lookalikes,
    text_units,
)

GSM_CHARS = "".join(GSM7_BASIC) + "".join(GSM7_EXTENDED)
gsm_text = st.text(alphabet=GSM_CHARS, max_size=500)
any_text = st.text(alphabet=st.characters(blacklist_categories=["Cs"]), max_size=400)


def test_tables_have_the_sizes_of_the_standard() -> None:
    assert len(GSM7_BASIC) == 127  # 128 positions, one is the escape
    assert len(GSM7_EXTENDED) == 10
    assert GSM7_BASIC["@"] == 0 and GSM7_BASIC["à"] == 0x7F and GSM7_EXTENDED["€"] == 0x65


@pytest.mark.parametrize("text, alphabet", [
    ("Hello @ £5 and ¥, èé", Alphabet.GSM7),
    ("Braces {} and € are GSM-7 too", Alphabet.GSM7),
    ("Ça va? Ç is in the table, ç is not", Alphabet.UCS2),
    ("Ẹ ku àárọ̀", Alphabet.UCS2),
    ("Привет", Alphabet.UCS2),
    ("curly ’quote’", Alphabet.UCS2),
])
def test_alphabet_choice(text: str, alphabet: Alphabet) -> None:
    assert choose_alphabet(text) is alphabet


@pytest.mark.parametrize("text, units, segments", [
    ("", 0, 0),
    ("a" * 160, 160, 1),
    ("a" * 161, 161, 2),
    ("a" * 306, 306, 2),
    ("a" * 307, 307, 3),
    ("€" * 80, 160, 1),  # escape characters count two
    ("€" * 81, 162, 2),
    ("я" * 70, 70, 1),
    ("я" * 71, 71, 2),
    ("я" * 134, 134, 2),
    ("я" * 135, 135, 3),
    ("👋" * 35, 70, 1),  # outside the BMP: two UTF-16 code units each
    ("👋" * 36, 72, 2),
])
def test_segment_counts(text: str, units: int, segments: int) -> None:
    count = count_segments(text)
    assert (count.units, count.segments) == (units, segments)


def test_escape_is_never_split_across_segments() -> None:
    text = "a" * 152 + "€" + "b" * 10  # the euro would straddle septets 153 and 154
    parts = split_segments(text)
    assert parts[0] == "a" * 152
    assert parts[1].startswith("€")
    assert count_segments(text).segments == 2


def test_surrogate_pair_is_never_split() -> None:
    text = "я" * 66 + "👋" + "я" * 10  # the emoji would straddle code units 67 and 68
    parts = split_segments(text)
    assert parts[0] == "я" * 66
    assert parts[1].startswith("👋")


def test_lookalike_substitution_only_when_asked() -> None:
    typed = "It’s “fine” – really…"
    assert prepare_text(typed) == (typed, Alphabet.UCS2)
    assert prepare_text(typed, substitute=True) == ('It\'s "fine" - really...', Alphabet.GSM7)
    # Letters are never replaced: the text goes as UCS-2, unchanged.
    assert prepare_text("Ẹ ku “àárọ̀”", substitute=True) == ("Ẹ ku “àárọ̀”", Alphabet.UCS2)


def test_encode_names_the_character_it_cannot_encode() -> None:
    assert encode_gsm7("A€") == bytes([0x41, 0x1B, 0x65])
    with pytest.raises(ValueError, match="'я' at position 1"):
        encode_gsm7("aя")


def test_decode_reads_unknown_escapes_as_the_basic_character() -> None:
    assert decode_gsm7(bytes([0x1B, 0x41])) == "A"
    with pytest.raises(ValueError, match="0x80"):
        decode_gsm7(b"\x80")


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_parts_rebuild_the_text_and_respect_the_limits(text: str) -> None:
    alphabet = choose_alphabet(text)
    parts = split_segments(text)
    assert "".join(parts) == text
    count = count_segments(text)
    assert count.segments == len(parts)
    assert count.units == text_units(text, alphabet)
    if len(parts) == 1:
        assert text_units(parts[0], alphabet) <= (160 if alphabet is Alphabet.GSM7 else 70)
    for part in parts if len(parts) > 1 else []:
        assert 0 < text_units(part, alphabet) <= (153 if alphabet is Alphabet.GSM7 else 67)
    if alphabet is Alphabet.UCS2:
        for part in parts:  # each part encodes alone: no surrogate pair was cut
            part.encode("utf-16-be")


@settings(max_examples=300, deadline=None)
@given(gsm_text)
def test_gsm7_round_trip(text: str) -> None:
    encoded = encode_gsm7(text)
    assert len(encoded) == text_units(text, Alphabet.GSM7)
    assert decode_gsm7(encoded) == text


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_substitution_never_loses_letters(text: str) -> None:
    replaced = substitute_lookalikes(text)
    assert [c for c in replaced if c.isalnum()] == [c for c in text if c.isalnum()]

"""Identities of the RapidPro backend: URNs, normalised as RapidPro stores them."""

from __future__ import annotations

import pytest

from rapidsms.backends.phone_numbers import InvalidIdentity
from rapidsms.backends.rapidpro.urns import normalize_urn


@pytest.mark.parametrize(
    ("given", "region", "expected"),
    [
        ("tel:+250788123123", None, "tel:+250788123123"),
        ("tel:+250 788 123 123", None, "tel:+250788123123"),
        ("TEL:0788123123", "RW", "tel:+250788123123"),
        ("+250788123123", None, "tel:+250788123123"),
        ("whatsapp:+250788123123", None, "whatsapp:250788123123"),
        ("telegram:1234", None, "telegram:1234"),
        ("twitter:@Jack", None, "twitter:jack"),
        ("mailto:Ann@Example.org", None, "mailto:ann@example.org"),
        ("twitterid:12345#jack", None, "twitterid:12345"),
        ("ext:abc-123", None, "ext:abc-123"),
    ],
)
def test_urns_are_normalised(given: str, region: str | None, expected: str) -> None:
    assert normalize_urn(given, region) == expected


@pytest.mark.parametrize(
    ("given", "reason"),
    [
        ("", "empty"),
        ("250788123123", "not a URN"),
        ("sms:+250788123123", "scheme RapidPro does not know"),
        ("tel:", "no path"),
        ("tel:0788123123", "no country code"),
        ("tel:+1", "not a phone number"),
        ("tel:+2507881", "not a possible phone number"),
        ("whatsapp:abc", "digits only"),
        ("telegram:@someone", "digits only"),
        ("mailto:nobody", "not an email"),
        ("ext:" + "x" * 300, "longer than 255"),
    ],
)
def test_what_is_not_a_urn_is_refused_with_the_reason(given: str, reason: str) -> None:
    with pytest.raises(InvalidIdentity, match=reason):
        normalize_urn(given)


def test_whatsapp_and_telegram_paths_are_ascii_digits_only() -> None:
    for urn in ("whatsapp:\u00b2\u00b3", "telegram:\u0661\u0662\u0663"):
        with pytest.raises(InvalidIdentity):
            normalize_urn(urn)

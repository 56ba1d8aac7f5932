"""Identities in E.164, so one phone is one connection."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from rapidsms.backends.phone_numbers import InvalidIdentity, check_region, normalize_identity


@pytest.mark.parametrize("raw, region, expected", [
    ("0803 123 4567", "NG", "+2348031234567"),
    ("+234 (803) 123-4567", "NG", "+2348031234567"),
    ("+1 555 000 0001", None, "+15550000001"),
    ("(555) 000-0001", "US", "+15550000001"),
    ("+44 20 7946 0018", "US", "+442079460018"),  # its own country code wins
    ("12345", None, "12345"),  # a short code without a region is kept as it is
    ("alice", None, "alice"),  # so is a chat user name
])
def test_normalised(raw: str, region: str | None, expected: str) -> None:
    assert normalize_identity(raw, region) == expected


@pytest.mark.parametrize("raw, region", [
    ("not-a-number", "US"),
    ("+1", None),
    ("12", "US"),
    ("+abc", None),
    ("   ", None),
])
def test_refused(raw: str, region: str | None) -> None:
    with pytest.raises(InvalidIdentity):
        normalize_identity(raw, region)


def test_region_is_checked_when_the_backend_is_built() -> None:
    assert check_region("ng", "gw") == "NG"
    assert check_region(None, "gw") is None
    with pytest.raises(ImproperlyConfigured, match="'ZZ'"):
        check_region("ZZ", "gw")

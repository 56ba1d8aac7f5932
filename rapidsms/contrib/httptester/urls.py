"""URLs of the message tester, named as in RapidSMS 2.x.

``httptester-index`` goes to a phone number's page; ``httptester`` is that
page (``reverse("httptester", args=["+15550100"])``).
"""

from __future__ import annotations

from django.urls import path, register_converter

from rapidsms.contrib.httptester import views


class PhoneNumberConverter:
    """A phone number in a URL: digits with an optional leading ``+``."""

    regex = r"\+?[0-9]{3,20}"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: object) -> str:
        return str(value)


register_converter(PhoneNumberConverter, "rapidsms_phone")

urlpatterns = [
    path("", views.generate_identity, name="httptester-index"),
    path("<rapidsms_phone:identity>/", views.message_tester, name="httptester"),
]

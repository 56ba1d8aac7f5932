"""Every page speaks the operator's language: French, Spanish, Portuguese, Swahili or Arabic.

The language comes from the switcher's cookie (Django's ``set_language``),
else the browser's ``Accept-Language``, else ``LANGUAGE_CODE``. Arabic pages
are written right to left.
"""

from __future__ import annotations

import html
import json
import re

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import translation
from django.utils.translation import gettext

from tests.i18n.catalogues import LANGUAGES

# Each page, and a text it shows (a heading or a button).
PAGES = [
    ("/", "Dashboard"),
    ("/httptester/+15550100/", "Message tester"),
    ("/messagelog/", "Message log"),
    ("/messaging/", "Find recipients"),
    ("/registration/", "Import a CSV file"),
    ("/registration/add/", "Add a contact"),
    ("/registration/bulk/", "Import contacts"),
    ("/store/messages/", "Filter"),
]
# The texts of the header every page shares. Where Django's own catalogues
# translate the same text ("Log in"), theirs come first, as Django merges them.
SHARED = ["Log out", "Skip to content", "Change language"]
# What the message tester's script shows while it sends.
SENDING = {"fr": "Envoi…", "es": "Enviando…", "pt": "A enviar…", "sw": "Inatuma…",
           "ar": "جارٍ الإرسال…"}
SPOT_CHECKS = {
    "fr": "Journal des messages",
    "es": "Registro de mensajes",
    "pt": "Registo de mensagens",
    "sw": "Kumbukumbu ya jumbe",
    "ar": "سجل الرسائل",
}


@pytest.fixture
def staff(client: Client, django_user_model) -> Client:
    user = django_user_model.objects.create_user("amina", password="x", is_staff=True)
    client.force_login(user)
    return client


def translated(language: str, text: str) -> str:
    with translation.override(language):
        return gettext(text)


def page_text(response) -> str:
    return html.unescape(response.content.decode())


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(("url", "text"), PAGES)
def test_each_page_renders_in_the_language_of_the_cookie(
    staff: Client, language: str, url: str, text: str
) -> None:
    staff.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = staff.get(url)
    assert response.status_code == 200
    body = page_text(response)
    direction = "rtl" if language == "ar" else "ltr"
    assert f'<html lang="{language}" dir="{direction}">' in body
    for english in [text, *SHARED]:
        expected = translated(language, english)
        assert expected != english, f"{english!r} is not translated into {language}"
        assert expected in body, f"{url} in {language} lacks {expected!r}"
    # The switcher shows the page's language as chosen.
    assert re.search(rf'<option value="{language}" lang="{language}" dir="{direction}" selected>',
                     body)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_the_message_log_reads_as_a_person_would_write_it(staff: Client, language: str) -> None:
    response = staff.get("/messagelog/", HTTP_ACCEPT_LANGUAGE=language)
    assert SPOT_CHECKS[language] in page_text(response)
    assert "Message log" not in page_text(response)


@pytest.mark.django_db
@override_settings(LANGUAGE_CODE="fr")
def test_language_code_alone_translates_the_pages(client: Client) -> None:
    body = page_text(client.get("/login/"))
    assert '<html lang="fr" dir="ltr">' in body
    assert "Aller au contenu" in body


@pytest.mark.django_db
def test_the_switcher_changes_the_language_and_comes_back(staff: Client) -> None:
    page = staff.get("/messagelog/?direction=I")
    assert 'action="/i18n/setlang/"' in page.content.decode()
    response = staff.post(
        "/i18n/setlang/", {"language": "sw", "next": "/messagelog/?direction=I"}
    )
    assert response.status_code == 302
    assert response["Location"] == "/messagelog/?direction=I"
    assert "Kumbukumbu ya jumbe" in page_text(staff.get(response["Location"]))
    staff.post("/i18n/setlang/", {"language": "ar", "next": "/"})
    assert '<html lang="ar" dir="rtl">' in page_text(staff.get("/"))


@pytest.mark.django_db
def test_the_login_page_has_the_switcher_too(client: Client) -> None:
    body = page_text(client.get("/login/", HTTP_ACCEPT_LANGUAGE="pt"))
    assert "Saltar para o conteúdo" in body
    assert 'name="language"' in body


@pytest.mark.django_db
@pytest.mark.parametrize(("language", "sending"), SENDING.items())
def test_the_scripts_texts_come_in_the_pages_language(
    client: Client, language: str, sending: str
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    response = client.get("/jsi18n/")
    assert response.status_code == 200
    # The catalogue is JSON inside the script, non-ASCII escaped.
    assert json.dumps(sending) in response.content.decode()


@pytest.mark.django_db
@override_settings(LANGUAGES=[("en", "English"), ("xx-pirate", "Pirate")])
def test_a_language_django_does_not_know_keeps_its_name(client: Client) -> None:
    body = page_text(client.get("/login/"))
    assert '<option value="xx-pirate" lang="xx-pirate" dir="ltr">Pirate</option>' in body

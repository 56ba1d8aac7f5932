"""Every bundled app replies in the contact's language, through the router.

The project's ``LANGUAGE_CODE`` is French; a contact who speaks Swahili gets
Swahili from the default app, the echo, registration and language handlers'
help, and the opt-out confirmations; after ``lang sw`` the next replies are
Swahili too.
"""

from __future__ import annotations

from django.test import override_settings
from django.utils import translation
from django.utils.translation import gettext

from rapidsms.models import Contact
from rapidsms.tests.harness import TestScript
from tests.i18n.catalogues import LANGUAGES

APPS = ["rapidsms.contrib.optout", "rapidsms.contrib.handlers", "rapidsms.contrib.default"]
HANDLERS = [
    "rapidsms.contrib.echo.handlers.echo.EchoHandler",
    "rapidsms.contrib.registration.handlers.register.RegisterHandler",
    "rapidsms.contrib.registration.handlers.language.LanguageHandler",
]
# What each bundled app answers, and the English text its reply is translated from.
PROMPTS = [
    ("bonjour", "Sorry, %(project_name)s could not understand your message."),
    ("echo", "To echo some text, send: ECHO <ANYTHING>"),
    ("join", "To register, send JOIN <NAME>"),
    ("lang", "To set your language, send LANGUAGE <CODE>"),
    ("STOP", "You have been unsubscribed from %(project_name)s and will get no more "
             "messages. Send %(keyword)s to subscribe again."),
    ("START", "You are subscribed to %(project_name)s again. Send %(keyword)s to stop."),
]
# The values the apps put into those texts: the next keyword to send.
KEYWORDS = {"STOP": "START", "START": "STOP"}


@override_settings(LANGUAGE_CODE="fr")
class ReplyLanguageTest(TestScript):
    apps = APPS
    handlers = HANDLERS

    def speaker(self, identity: str, language: str) -> None:
        connection = self.lookup_connections([identity])[0]
        connection.contact = Contact.objects.create(name=identity, language=language)
        connection.save()

    def test_a_swahili_contact_gets_every_bundled_reply_in_swahili(self):
        self.speaker("100", "sw")
        self.runScript(
            """
            100 > bonjour
            100 < Samahani, RapidSMS haikuelewa ujumbe wako.
            100 > echo
            100 < Ili kurudishiwa maandishi, tuma: ECHO <CHOCHOTE>
            100 > join
            100 < Ili kujisajili, tuma JOIN <JINA>
            100 > lang
            100 < Ili kuchagua lugha yako, tuma LANGUAGE <MSIMBO>
            100 > STOP
            100 < Umejiondoa kwenye RapidSMS na hutapokea ujumbe tena. Tuma START ili kujiunga tena.
            100 > START
            100 < Umejiunga tena na RapidSMS. Tuma STOP ili kusitisha.
            """
        )

    def test_lang_sw_switches_the_next_replies_to_swahili(self):
        self.runScript(
            """
            200 > join Amina
            200 < Merci de votre inscription, Amina !
            200 > echo
            200 < Pour recevoir un texte en écho, envoyez : ECHO <TEXTE>
            200 > lang sw
            200 < Nitazungumza nawe kwa Kiswahili.
            200 > echo
            200 < Ili kurudishiwa maandishi, tuma: ECHO <CHOCHOTE>
            200 > bonjour
            200 < Samahani, RapidSMS haikuelewa ujumbe wako.
            200 > lang ar
            200 < سأخاطبك باللغة العربيّة.
            200 > bonjour
            200 < عذرًا، لم يفهم RapidSMS رسالتك.
            """
        )
        assert Contact.objects.get(name="Amina").language == "ar"

    def test_every_bundled_reply_is_translated_into_every_language(self):
        for number, language in enumerate(LANGUAGES):
            identity = f"30{number}"
            self.speaker(identity, language)
            for text, english in PROMPTS:
                with self.subTest(language=language, text=text):
                    with translation.override(language):
                        expected = gettext(english)
                    assert expected != english, f"{english!r} has no {language} translation"
                    expected = expected % {
                        "project_name": "RapidSMS", "keyword": KEYWORDS.get(text, "")
                    } if "%(" in expected else expected
                    self.runScript(f"{identity} > {text}\n{identity} < {expected}")

"""rapidsms.contrib.registration: JOIN/REGISTER and LANGUAGE by SMS."""

from __future__ import annotations

import pytest
from django.test import override_settings

from rapidsms.contrib.registration.handlers.language import LanguageHandler, find_language
from rapidsms.contrib.registration.handlers.register import RegisterHandler
from rapidsms.messages.error import ErrorMessage
from rapidsms.models import Connection, Contact
from rapidsms.tests.harness import RapidTest, TestScript

HANDLERS = [
    "rapidsms.contrib.registration.handlers.register.RegisterHandler",
    "rapidsms.contrib.registration.handlers.language.LanguageHandler",
]

NOT_REGISTERED = (
    "You must JOIN or REGISTER yourself before you can set your language preference."
)


class RegistrationTranscriptTest(TestScript):
    apps = ["rapidsms.contrib.handlers", "rapidsms.contrib.default"]
    handlers = HANDLERS
    strict = True

    def test_register(self):
        self.runScript(
            """
            8005551212 > register as someuser
            8005551212 < Thank you for registering, as someuser!
            """
        )
        contact = Connection.objects.get(identity="8005551212").contact
        assert contact.name == "as someuser"

    def test_all_three_keywords(self):
        self.runScript(
            """
            100 > JOIN Adam Mckaig
            100 < Thank you for registering, Adam Mckaig!
            200 > reg Zoë
            200 < Thank you for registering, Zoë!
            300 > Register: Amina
            300 < Thank you for registering, Amina!
            """
        )
        assert sorted(Contact.objects.values_list("name", flat=True)) == [
            "Adam Mckaig",
            "Amina",
            "Zoë",
        ]

    def test_language(self):
        self.runScript(
            f"""
            8005551212 > lang english
            8005551212 < {NOT_REGISTERED}
            8005551212 > register as someuser
            8005551212 < Thank you for registering, as someuser!
            8005551212 > lang english
            8005551212 < I will speak to you in English.
            8005551212 > lang klingon
            8005551212 < Sorry, I don't speak "klingon".
            """
        )
        assert Contact.objects.get().language == "en"

    def test_help(self):
        self.runScript(
            """
            8005551212 > lang
            8005551212 < To set your language, send LANGUAGE <CODE>
            8005551212 > register
            8005551212 < To register, send JOIN <NAME>
            8005551212 > join,
            8005551212 < To register, send JOIN <NAME>
            """
        )
        assert not Contact.objects.exists()

    def test_language_switch_answers_in_the_new_language(self):
        self.runScript(
            """
            100 > join Amina
            100 < Thank you for registering, Amina!
            100 > language sw
            100 < Nitazungumza nawe kwa Kiswahili.
            100 > join Amina Juma
            100 < Asante kwa kujisajili, Amina Juma!
            100 > lang fr
            100 < Je vous parlerai en Français.
            100 > lang
            100 < Pour choisir votre langue, envoyez LANGUAGE <CODE>
            100 > lang ar
            100 < سأخاطبك باللغة العربيّة.
            100 > lang en
            100 < I will speak to you in English.
            """
        )

    def test_transcript_of_the_documentation(self):
        self.runScript(
            f"""
            100 > lang fr
            100 < {NOT_REGISTERED}
            100 > join Amina
            100 < Thank you for registering, Amina!
            100 > lang sw
            100 < Nitazungumza nawe kwa Kiswahili.
            100 > lang klingon
            100 < Samahani, sizungumzi "klingon".
            100 > lang english
            100 < I will speak to you in English.
            100 > lang
            100 < To set your language, send LANGUAGE <CODE>
            """
        )

    def test_unhandled_messages_still_get_the_default_reply(self):
        self.runScript(
            """
            100 > joinme
            100 < Thank you for registering, me!
            100 > hello
            100 < Sorry, RapidSMS could not understand your message.
            """
        )


class RegisterHandlerTest(RapidTest):
    apps = ["rapidsms.contrib.handlers"]
    handlers = HANDLERS

    def setUp(self):
        self.connection = self.lookup_connections(["100"])[0]

    def test_contact_is_created_and_linked(self):
        self.receive("join  Adam \n Mckaig  ", self.connection)
        self.connection.refresh_from_db()
        assert self.connection.contact.name == "Adam Mckaig"
        assert self.outbound[0].text == "Thank you for registering, Adam Mckaig!"

    def test_registering_again_renames_the_same_contact(self):
        self.receive("join Adam", self.connection)
        contact = Connection.objects.get(pk=self.connection.pk).contact
        contact.language = "fr"
        contact.save()
        other = self.lookup_connections(["200"])[0]
        other.contact = contact
        other.save()
        self.receive("join Adam Smith", self.lookup_connections(["100"])[0])
        contact.refresh_from_db()
        assert Contact.objects.count() == 1
        assert (contact.name, contact.language) == ("Adam Smith", "fr")
        assert list(contact.connection_set.order_by("identity").values_list(
            "identity", flat=True)) == ["100", "200"]
        assert self.outbound[-1].text == "Merci de votre inscription, Adam Smith !"

    def test_too_long_name_is_refused_with_an_error(self):
        self.receive("join " + "x" * 101, self.connection)
        assert not Contact.objects.exists()
        assert self.outbound[0].text == "Sorry, your name is too long: at most 100 characters."
        assert isinstance(self.outbound[0], ErrorMessage)

    def test_name_of_100_characters_is_accepted(self):
        self.receive("join " + "x" * 100, self.connection)
        assert Contact.objects.get().name == "x" * 100

    def test_language_requires_registration_and_is_an_error(self):
        self.receive("lang fr", self.connection)
        assert isinstance(self.outbound[0], ErrorMessage)
        assert self.outbound[0].text.startswith("You must JOIN or REGISTER")

    def test_unknown_language_is_an_error_and_changes_nothing(self):
        self.receive("join Adam", self.connection)
        self.receive("lang  xx  ", self.lookup_connections(["100"])[0])
        assert self.outbound[-1].text == 'Sorry, I don\'t speak "xx".'
        assert isinstance(self.outbound[-1], ErrorMessage)
        assert Contact.objects.get().language == ""


@pytest.mark.django_db
def test_handler_test_shortcut_creates_the_contact():
    assert RegisterHandler.test("join Adam Mckaig") == ["Thank you for registering, Adam Mckaig!"]
    assert Contact.objects.filter(name="Adam Mckaig").exists()
    # Each handler class tests on its own backend, so this sender is not registered.
    assert LanguageHandler.test("lang fr") == [
        "You must JOIN or REGISTER yourself before you can set your language preference."
    ]


@pytest.mark.parametrize(
    "text, code",
    [
        ("fr", "fr"),
        ("FR", "fr"),
        ("French", "fr"),
        ("french", "fr"),
        ("français", "fr"),
        ("FRANCAIS", "fr"),
        ("Kiswahili", "sw"),
        ("swahili", "sw"),
        ("العربيّة", "ar"),
        ("pt-BR", "pt-br"),
        ("klingon", None),
        ("", None),
    ],
)
def test_find_language(text, code):
    match = find_language(text)
    assert (match[0] if match else None) == code


@override_settings(LANGUAGES=[("en", "English"), ("x-pirate", "Pirate")])
def test_find_language_accepts_languages_django_does_not_know():
    assert find_language("pirate") == ("x-pirate", "Pirate")
    assert find_language("fr") is None

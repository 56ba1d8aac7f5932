"""rapidsms.contrib.default: DEFAULT_RESPONSE, read per message, in the sender's language."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils.translation import gettext_lazy

from rapidsms.contrib.default.app import DEFAULT_RESPONSE
from rapidsms.messages.error import ErrorMessage
from rapidsms.tests.harness import EchoApp, RapidTest, TestScript


class ReturningEchoApp(EchoApp):
    def handle(self, msg):
        super().handle(msg)
        return True


class DefaultAppTest(RapidTest):
    apps = ["rapidsms.contrib.default"]

    def setUp(self):
        self.connection = self.lookup_connections(["1112223333"])[0]

    def texts(self):
        return [msg.text for msg in self.outbound]

    def test_default_response(self):
        self.receive("asdf", self.connection)
        assert self.texts() == ["Sorry, RapidSMS could not understand your message."]
        assert isinstance(self.outbound[0], ErrorMessage)
        assert self.outbound[0].in_response_to is self.inbound[0]
        assert self.sent_messages[0]["identities"] == ["1112223333"]

    def test_no_reply_when_another_app_handled_the_message(self):
        self.apps = [ReturningEchoApp, "rapidsms.contrib.default"]
        self.set_router()
        with override_settings(DEFAULT_RESPONSE="hello"):
            self.receive("ping", self.connection)
        assert self.texts() == ["1112223333: ping"]

    def test_none_disables_the_reply(self):
        with override_settings(DEFAULT_RESPONSE=None):
            self.receive("asdf", self.connection)
        assert self.outbound == []

    def test_response_without_project_name_is_sent_as_written(self):
        with override_settings(DEFAULT_RESPONSE="hello"):
            self.receive("asdf", self.connection)
        assert self.texts() == ["hello"]

    def test_project_name_is_filled_in(self):
        with override_settings(DEFAULT_RESPONSE="hello %(project_name)s", PROJECT_NAME="world"):
            self.receive("asdf", self.connection)
        assert self.texts() == ["hello world"]

    def test_settings_are_read_for_each_message(self):
        with override_settings(PROJECT_NAME="Clinic A"):
            self.receive("one", self.connection)
        with override_settings(PROJECT_NAME="Clinic B"):
            self.receive("two", self.connection)
        assert self.texts() == [
            "Sorry, Clinic A could not understand your message.",
            "Sorry, Clinic B could not understand your message.",
        ]

    def test_broken_setting_still_replies_and_logs(self):
        with override_settings(DEFAULT_RESPONSE="%(nope)s went wrong"), self.assertLogs(
            "rapidsms.contrib.default.app", "ERROR"
        ) as logs:
            self.receive("asdf", self.connection)
        assert self.texts() == ["%(nope)s went wrong"]
        assert "DEFAULT_RESPONSE" in logs.output[0]

    def test_own_plain_text_is_not_translated(self):
        self.connection.contact = self.create_contact({"language": "fr"})
        self.connection.save()
        with override_settings(DEFAULT_RESPONSE="Sorry, %(project_name)s could not understand "
                               "your message."):
            self.receive("asdf", self.connection)
        assert self.texts() == ["Sorry, RapidSMS could not understand your message."]

    def test_own_lazy_text_is_translated_by_the_projects_catalog(self):
        # A project marks its own text with gettext_lazy; our catalog has this one.
        self.connection.contact = self.create_contact({"language": "sw"})
        self.connection.save()
        own = gettext_lazy("Sorry, %(project_name)s could not understand your message.")
        with override_settings(DEFAULT_RESPONSE=own, PROJECT_NAME="Kliniki"):
            self.receive("asdf", self.connection)
        assert self.texts() == ["Samahani, Kliniki haikuelewa ujumbe wako."]


class TranslatedDefaultTest(TestScript):
    apps = ["rapidsms.contrib.default"]
    strict = True

    def set_language(self, identity, language):
        connection = self.lookup_connections([identity])[0]
        connection.contact = self.create_contact({"language": language})
        connection.save()

    def test_each_contact_reads_the_reply_in_their_language(self):
        self.set_language("100", "fr")
        self.set_language("200", "sw")
        self.set_language("300", "ar")
        self.set_language("400", "")
        self.runScript(
            """
            100 > blah
            100 < Désolé, RapidSMS n'a pas compris votre message.
            200 > blah
            200 < Samahani, RapidSMS haikuelewa ujumbe wako.
            300 > blah
            300 < عذرًا، لم يفهم RapidSMS رسالتك.
            400 > blah
            400 < Sorry, RapidSMS could not understand your message.
            500 > blah
            500 < Sorry, RapidSMS could not understand your message.
            """
        )

    def test_unsupported_language_falls_back_to_language_code(self):
        self.set_language("100", "tlh")
        self.runScript(
            """
            100 > blah
            100 < Sorry, RapidSMS could not understand your message.
            """
        )

    def test_regional_variant_uses_the_base_language(self):
        self.set_language("100", "fr-ca")
        self.runScript(
            """
            100 > blah
            100 < Désolé, RapidSMS n'a pas compris votre message.
            """
        )

    @override_settings(LANGUAGE_CODE="fr")
    def test_language_code_is_the_default_language(self):
        self.runScript(
            """
            100 > blah
            100 < Désolé, RapidSMS n'a pas compris votre message.
            """
        )


@pytest.mark.parametrize(
    "language, expected",
    [
        ("en", "Sorry, RapidSMS could not understand your message."),
        ("fr", "Désolé, RapidSMS n'a pas compris votre message."),
        ("sw", "Samahani, RapidSMS haikuelewa ujumbe wako."),
        ("ar", "عذرًا، لم يفهم RapidSMS رسالتك."),
    ],
)
def test_built_in_text_is_a_lazy_translation(language, expected):
    from django.utils import translation

    with translation.override(language):
        assert str(DEFAULT_RESPONSE) % {"project_name": "RapidSMS"} == expected

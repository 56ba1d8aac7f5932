"""rapidsms.utils.translation: one text to many connections, each in its contact's language."""

from __future__ import annotations

import pytest
from django.test import override_settings
from django.utils import translation
from django.utils.translation import gettext, gettext_lazy

from rapidsms.errors import MessageSendingError
from rapidsms.models import Connection, Contact
from rapidsms.tests.harness import RapidTest
from rapidsms.utils.translation import (
    connection_language,
    group_connections,
    render_text,
    send_translated,
    supported_language,
)

SORRY = gettext_lazy("Sorry, %(project_name)s could not understand your message.")


class TranslationHelpersTest(RapidTest):
    apps = []

    def setUp(self):
        self.fr1, self.sw, self.none, self.blank, self.fr2, self.odd = self.lookup_connections(
            ["fr1", "sw", "none", "blank", "fr2", "odd"]
        )
        for conn, language in [
            (self.fr1, "fr"), (self.sw, "sw"), (self.blank, ""), (self.fr2, "fr"),
            (self.odd, "tlh"),
        ]:
            conn.contact = Contact.objects.create(name=conn.identity, language=language)
            conn.save()
        self.all = [self.fr1, self.sw, self.none, self.blank, self.fr2, self.odd]

    def grouped(self, connections):
        return [
            (language, [conn.identity for conn in group])
            for language, group in group_connections(connections)
        ]

    def test_group_connections_by_language_in_order_of_appearance(self):
        assert self.grouped(self.all) == [
            ("fr", ["fr1", "fr2"]),
            ("sw", ["sw"]),
            ("en", ["none", "blank", "odd"]),
        ]

    def test_group_a_queryset_in_one_query(self):
        queryset = Connection.objects.filter(pk__in=[c.pk for c in self.all]).order_by("pk")
        with self.assertNumQueries(1):
            assert self.grouped(queryset)[0] == ("fr", ["fr1", "fr2"])

    def test_group_a_list_in_one_query(self):
        fresh = list(Connection.objects.filter(pk__in=[c.pk for c in self.all]).order_by("pk"))
        with self.assertNumQueries(1):
            assert len(self.grouped(fresh)) == 3

    def test_group_a_single_connection(self):
        assert self.grouped(self.sw) == [("sw", ["sw"])]
        assert self.grouped([]) == []

    def test_send_translated_sends_one_message_per_language(self):
        messages = send_translated(SORRY, self.all)
        sent = {
            tuple(call["identities"]): call["text"] for call in self.sent_messages
        }
        assert sent == {
            ("fr1", "fr2"): "Désolé, %(project_name)s n'a pas compris votre message.",
            ("sw",): "Samahani, %(project_name)s haikuelewa ujumbe wako.",
            ("none", "blank", "odd"): "Sorry, %(project_name)s could not understand your message.",
        }
        assert [len(msg.connections) for msg in messages] == [2, 1, 3]

    def test_send_translated_with_a_callable_formats_after_translating(self):
        send_translated(
            lambda: gettext("Sorry, %(project_name)s could not understand your message.")
            % {"project_name": "Kliniki"},
            [self.sw, self.none],
        )
        assert [call["text"] for call in self.sent_messages] == [
            "Samahani, Kliniki haikuelewa ujumbe wako.",
            "Sorry, Kliniki could not understand your message.",
        ]

    def test_send_translated_sends_plain_text_as_written(self):
        send_translated("Clinic closed", [self.fr1, self.none])
        assert [call["text"] for call in self.sent_messages] == ["Clinic closed"] * 2

    def test_send_translated_passes_keywords_to_send(self):
        [msg] = send_translated("hi", [self.sw], fields={"campaign": "x"})
        assert msg.fields == {"campaign": "x"}

    def test_a_failing_group_does_not_stop_the_others(self):
        [stray] = self.lookup_connections(["stray"], backend="not-configured")
        stray.contact = Contact.objects.create(name="stray", language="fr")
        stray.save()
        with pytest.raises(MessageSendingError) as caught:
            send_translated(SORRY, [stray, self.sw, self.none])
        assert caught.value.failed_identities == ["stray"]
        assert [call["identities"] for call in self.sent_messages] == [["sw"], ["none"]]
        assert len(caught.value.messages) == 2

    def test_connection_language(self):
        assert connection_language(self.fr1) == "fr"
        assert connection_language(self.none) == "en"
        assert connection_language(self.odd) == "en"
        assert connection_language(None) == "en"


def test_supported_language():
    assert supported_language("fr") == "fr"
    assert supported_language("fr-ca") == "fr"
    assert supported_language("") == "en"
    assert supported_language(None) == "en"
    assert supported_language("tlh") == "en"
    with override_settings(LANGUAGE_CODE="sw"):
        assert supported_language("") == "sw"


def test_render_text():
    with translation.override("ar"):
        assert render_text(SORRY) == "عذرًا، لم يفهم %(project_name)s رسالتك."
        assert render_text("as written") == "as written"
        assert render_text(lambda: "called") == "called"
    with pytest.raises(TypeError, match="not int"):
        render_text(42)

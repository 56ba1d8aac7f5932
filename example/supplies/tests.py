"""Tests of the supplies app, the RapidSMS 2.x way: ``python manage.py test supplies``.

They route through every SMS app of the example project (handlers, supplies,
default), as a real message would.
"""

from __future__ import annotations

from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import TestCase
from django.utils import translation
from django.utils.translation import gettext

from rapidsms.backends.database.models import BackendMessage
from rapidsms.contrib.httptester.storage import conversation, store_and_queue
from rapidsms.models import Contact
from rapidsms.tests.harness import TestScript
from supplies.app import MAX_COUNT, STOCK_HELP
from supplies.handlers.help import HELP_TEXT, HelpHandler
from supplies.models import StockReport


class StockConversationTest(TestScript):
    strict = True  # a reply the transcript does not expect fails the test

    def test_report_is_recorded_and_confirmed(self) -> None:
        self.runScript("""
            +15550001 > stock ors 12
            +15550001 < Thank you. ORS: 12 in stock.
            +15550001 > STOCK  ORS   7
            +15550001 < Thank you. ORS: 7 in stock (last report: 12).
        """)
        reports = StockReport.objects.order_by("pk")
        self.assertEqual([(r.item, r.quantity) for r in reports], [("ORS", 12), ("ORS", 7)])
        self.assertEqual(reports[0].connection.identity, "+15550001")

    def test_item_of_several_words(self) -> None:
        self.runScript("""
            +15550001 > stock vitamin a 30
            +15550001 < Thank you. VITAMIN A: 30 in stock.
        """)

    def test_last_report_is_per_phone(self) -> None:
        self.runScript("""
            +15550001 > stock zinc 5
            +15550001 < Thank you. ZINC: 5 in stock.
            +15550002 > stock zinc 9
            +15550002 < Thank you. ZINC: 9 in stock.
        """)

    def test_keyword_alone_explains_the_format(self) -> None:
        self.runScript(f"""
            +15550001 > stock
            +15550001 < {STOCK_HELP}
        """)

    def test_bad_reports_are_refused_and_not_stored(self) -> None:
        self.runScript(f"""
            +15550001 > stock ors
            +15550001 < Sorry, that report has no count. {STOCK_HELP}
            +15550001 > stock 12 5
            +15550001 < Sorry, 12 is not an item name. {STOCK_HELP}
            +15550001 > stock ors 1000000
            +15550001 < Sorry, 1000000 is more than {MAX_COUNT}; check the count and send it again.
            +15550001 > stock {"x" * 41} 3
            +15550001 < Sorry, item names are at most 40 characters long.
        """)
        self.assertFalse(StockReport.objects.exists())

    def test_help(self) -> None:
        self.runScript(f"""
            +15550001 > help
            +15550001 < {HELP_TEXT}
            +15550001 > Help me please
            +15550001 < {HELP_TEXT}
        """)

    def test_other_messages_get_the_default_reply(self) -> None:
        self.runScript("""
            +15550001 > stockpile 3
            +15550001 < Sorry, RapidSMS demo could not understand your message.
            +15550001 > helpful
            +15550001 < Sorry, RapidSMS demo could not understand your message.
        """)

    def test_echo_and_ping_still_work(self) -> None:
        self.runScript("""
            +15550001 > echo hi
            +15550001 < hi
            +15550001 > ping
            +15550001 < pong
        """)


class ContactsLanguageTest(TestScript):
    """Each reply comes in the sender's language, from the catalogues in ``locale``."""

    strict = True

    def speaker(self, identity: str, language: str) -> None:
        connection = self.lookup_connections([identity])[0]
        connection.contact = Contact.objects.create(name=identity, language=language)
        connection.save()

    def test_every_reply_is_in_the_contacts_language(self) -> None:
        thanks = "Thank you. %(item)s: %(count)d in stock."
        again = "Thank you. %(item)s: %(count)d in stock (last report: %(last)d)."
        with translation.override("en"):
            english = {str(STOCK_HELP), str(HELP_TEXT), thanks % {"item": "ORS", "count": 4}}
        for number, language in enumerate(["fr", "es", "pt", "sw", "ar"]):
            identity = f"+1555002{number}"
            self.speaker(identity, language)
            with translation.override(language):
                first = gettext(thanks) % {"item": "ORS", "count": 4}
                second = gettext(again) % {"item": "ORS", "count": 6, "last": 4}
                stock_help, help_text = str(STOCK_HELP), str(HELP_TEXT)
            with self.subTest(language=language):
                # Translated: a missing catalogue would give the English text.
                self.assertFalse({first, stock_help, help_text} & english)
                self.runScript(f"""
                    {identity} > stock ors 4
                    {identity} < {first}
                    {identity} > stock ors 6
                    {identity} < {second}
                    {identity} > stock
                    {identity} < {stock_help}
                    {identity} > help
                    {identity} < {help_text}
                """)

    def test_the_limit_on_item_names_takes_the_languages_plural_form(self) -> None:
        self.speaker("+15550030", "ar")
        self.runScript(f"""
            +15550030 > stock {"x" * 41} 3
            +15550030 < عذرًا، يجب ألا يتجاوز اسم الصنف 40 حرفًا.
        """)


class HelpHandlerTest(TestCase):
    def test_answers_help_only(self) -> None:
        self.assertEqual(HelpHandler.test("HELP"), [str(HELP_TEXT)])
        self.assertIs(HelpHandler.test("helper"), False)


class MessageTesterTest(TestCase):
    """The message tester, through the project's real router and backend."""

    def test_conversation_holds_the_text_and_the_reply(self) -> None:
        store_and_queue("+15550009", "stock ors 3")
        entries, total = conversation("+15550009")
        self.assertEqual(
            [(entry.message.direction, entry.text) for entry in entries],
            [("I", "stock ors 3"), ("O", "Thank you. ORS: 3 in stock.")],
        )
        self.assertEqual(total, 2)
        self.assertEqual(entries[0].message.name, "message_tester")

    def test_conversation_is_per_number(self) -> None:
        store_and_queue("+15550009", "ping")
        self.assertEqual(conversation("+15550010"), ([], 0))
        self.assertEqual(BackendMessage.objects.filter(identity="+15550009").count(), 2)


class DemoSetupTest(TestCase):
    def test_creates_the_login_once(self) -> None:
        call_command("demo_setup", stdout=StringIO())
        call_command("demo_setup", stdout=StringIO())
        users = get_user_model().objects.filter(username="demo")
        self.assertEqual(users.count(), 1)
        self.assertTrue(users[0].is_superuser)
        self.assertTrue(users[0].check_password("demo"))

    def test_keeps_a_changed_password(self) -> None:
        call_command("demo_setup", stdout=StringIO())
        user = get_user_model().objects.get(username="demo")
        user.set_password("changed")
        user.save()
        call_command("demo_setup", stdout=StringIO())
        user.refresh_from_db()
        self.assertTrue(user.check_password("changed"))

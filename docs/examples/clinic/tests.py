"""Tests of the clinic app with the RapidSMS 2.x harness."""

from rapidsms.models import Connection
from rapidsms.tests.harness import RapidTest, TestScript

from .app import HOURS, JOIN_HELP, ClinicApp


class ClinicConversationTest(TestScript):
    apps = [ClinicApp]
    strict = True  # a reply the transcript does not expect fails the test

    def test_hours(self):
        self.runScript(f"""
            # the keyword is case-insensitive
            +15550001 > hours
            +15550001 < {HOURS}
        """)

    def test_join_stores_the_name(self):
        self.runScript("""
            +15550001 > JOIN Amina Diallo
            +15550001 < Thank you for joining, Amina Diallo.
        """)
        connection = Connection.objects.get(identity="+15550001")
        self.assertEqual(connection.contact.name, "Amina Diallo")

    def test_join_without_a_name(self):
        self.runScript(f"""
            +15550001 > join
            +15550001 < {JOIN_HELP}
        """)


class ClinicRoutingTest(RapidTest):
    apps = [ClinicApp]

    def test_other_messages_are_left_to_other_apps(self):
        connection = self.lookup_connections(["+15550001"])[0]
        msg = self.receive("hello", connection)
        self.assertFalse(msg.handled)
        self.assertEqual(msg.fields["keyword"], "HELLO")
        self.assertEqual(self.sent_messages, [])

    def test_blank_messages_are_dropped(self):
        connection = self.lookup_connections(["+15550001"])[0]
        msg = self.receive("   ", connection)
        self.assertNotIn("keyword", msg.fields)
        self.assertEqual(self.sent_messages, [])

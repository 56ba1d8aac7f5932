"""Transcript tests written the RapidSMS 2.x way, with ``TestScript``."""

from __future__ import annotations

from django.test import TestCase

from rapidsms.tests.harness import EchoApp, TestScript, TestScriptMixin
from tests.testing.sample_app.app import HelloApp

GREET_HANDLER = "tests.testing.sample_app.handlers.GreetHandler"


class HelloScriptTest(TestScript):
    apps = [HelloApp]

    def test_conversation_passes(self):
        self.runScript("""
            # comments and blank lines are skipped

            1112223333 > hello
            1112223333 < Hi 1112223333
            +250788123123 > HELLO
            +250788123123 < Hi +250788123123
        """)

    def test_assert_interaction_is_the_same(self):
        self.assertInteraction("""
            1112223333 > hello
            1112223333 < Hi 1112223333
        """)

    def test_identity_with_a_date_is_accepted(self):
        self.runScript("""
            1112223333@201201011200 > hello
            1112223333 < Hi 1112223333
        """)

    def test_replies_may_be_listed_after_several_messages(self):
        self.runScript("""
            1112223333 > hello
            4445556666 > hello
            4445556666 < Hi 4445556666
            1112223333 < Hi 1112223333
        """)

    def test_a_wrong_reply_fails_naming_the_line(self):
        with self.assertRaises(AssertionError) as caught:
            self.runScript("""
                1112223333 > hello
                1112223333 < Hello 1112223333
            """)
        self.assertEqual(
            str(caught.exception),
            "Line 3: expected 1112223333 < 'Hello 1112223333', got 1112223333 < 'Hi 1112223333'",
        )

    def test_a_reply_to_the_wrong_identity_fails(self):
        with self.assertRaises(AssertionError) as caught:
            self.runScript("""
                1112223333 > hello
                4445556666 < Hi 1112223333
            """)
        self.assertIn("Line 3: expected 4445556666 < 'Hi 1112223333'", str(caught.exception))

    def test_a_missing_reply_fails(self):
        with self.assertRaises(AssertionError) as caught:
            self.runScript("""
                1112223333 > goodbye
                1112223333 < Bye
            """)
        self.assertEqual(
            str(caught.exception), "Line 3: expected 1112223333 < 'Bye', got no reply"
        )

    def test_extra_replies_pass_as_in_rapidsms_2x(self):
        self.runScript("""
            1112223333 > hello
        """)
        self.runScript("""
            1112223333 > hello
            1112223333 > hello
            1112223333 < Hi 1112223333
        """)

    def test_a_malformed_line_is_an_error_naming_it(self):
        with self.assertRaises(ValueError) as caught:
            self.runScript("""
                1112223333 > hello
                this line has no direction
            """)
        self.assertIn("line 3", str(caught.exception))
        self.assertEqual(self.inbound, [], "nothing is sent when the script is invalid")

    def test_run_script_empties_the_outbox_first(self):
        self.send("earlier", self.lookup_connections(["1112223333"]))
        self.assertEqual(len(self.sent_messages), 1)
        self.runScript("""
            1112223333 > hello
            1112223333 < Hi 1112223333
        """)
        self.assertEqual([m["text"] for m in self.sent_messages], ["Hi 1112223333"])

    def test_a_message_sent_before_the_script_counts_as_a_reply(self):
        # RapidSMS 2.x matched '<' lines against everything the router sent
        # since the previous script, so this worked there and must work here.
        self.send("Welcome", self.lookup_connections(["1112223333"]))
        self.runScript("""
            1112223333 < Welcome
            1112223333 > hello
            1112223333 < Hi 1112223333
        """)

    def test_a_second_script_does_not_see_the_first_scripts_replies(self):
        self.runScript("""
            1112223333 > hello
            1112223333 < Hi 1112223333
        """)
        with self.assertRaises(AssertionError) as caught:
            self.runScript("""
                1112223333 < Hi 1112223333
            """)
        self.assertIn("got no reply", str(caught.exception))


class StrictScriptTest(TestScript):
    apps = [EchoApp, HelloApp]  # EchoApp does not mark messages handled: both reply
    strict = True

    def test_every_reply_listed_passes(self):
        self.runScript("""
            1112223333 > hello
            1112223333 < Hi 1112223333
            1112223333 < 1112223333: hello
        """)

    def test_an_unexpected_reply_fails(self):
        with self.assertRaises(AssertionError) as caught:
            self.runScript("""
                1112223333 > hello
                1112223333 < Hi 1112223333
            """)
        self.assertEqual(
            str(caught.exception),
            "Unexpected replies at the end of the transcript: 1112223333 < '1112223333: hello' "
            "(after line 2: 1112223333 > hello)",
        )


class HandlersScriptTest(TestScript):
    apps = ["rapidsms.contrib.handlers"]
    handlers = [GREET_HANDLER]

    def test_keyword_handler_conversation(self):
        self.runScript("""
            +250788123123 > greet Amina
            +250788123123 < Greetings, Amina!
            +250788123123 > greet
            +250788123123 < To greet someone, send: GREET <NAME>
        """)


class ScriptMixinOnTestCase(TestScriptMixin, TestCase):
    apps = [HelloApp]

    def test_mixin_works_with_a_plain_test_case(self):
        self.runScript("""
            1112223333 > hello
            1112223333 < Hi 1112223333
        """)


class DisabledPhasesScriptTest(TestScript):
    apps = [HelloApp]
    disable_phases = True

    def test_no_app_runs_so_no_reply_comes(self):
        with self.assertRaises(AssertionError):
            self.runScript("""
                1112223333 > hello
                1112223333 < Hi 1112223333
            """)
        self.assertEqual([m.text for m in self.inbound], ["hello"])

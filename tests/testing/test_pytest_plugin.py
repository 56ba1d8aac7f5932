"""The pytest plugin: its fixtures, as a project's own pytest run uses them."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

USER_TESTS = '''
from rapidsms.backends.database.models import BackendMessage
from rapidsms.router import get_router, receive, send
from rapidsms.tests.pytest_plugin import SentMessage


def test_router_is_installed_and_records(rapidsms_router, rapidsms_connection):
    assert get_router() is rapidsms_router
    msg = receive("echo hi", rapidsms_connection("+250788123123"))
    assert rapidsms_router.inbound == [msg]
    assert [m.text for m in rapidsms_router.outbound] == ["hi"]


def test_outbox_first(rapidsms_outbox, rapidsms_connection):
    assert rapidsms_outbox == []
    send("one", rapidsms_connection("+250788123123"))
    assert rapidsms_outbox == [
        SentMessage("mockbackend", rapidsms_outbox[0].id, "one", ["+250788123123"], {})
    ]


def test_outbox_second_starts_empty(rapidsms_outbox, rapidsms_connection):
    assert rapidsms_outbox == []
    send("two", rapidsms_connection("+250788123123"))
    assert [sent.text for sent in rapidsms_outbox] == ["two"]


def test_project_backends_are_replaced(rapidsms_outbox, rapidsms_connection):
    connection = rapidsms_connection("1112223333", backend="message_tester")
    assert connection.backend.name == "message_tester"
    receive("echo via the tester", connection)
    assert [(s.backend, s.identities, s.text) for s in rapidsms_outbox] == [
        ("message_tester", ["1112223333"], "via the tester")
    ]
    assert BackendMessage.objects.count() == 0, "nothing reached the real backend"


def test_fixtures_work_with_transactional_db(transactional_db, rapidsms_transcript):
    from django.db import transaction

    assert not transaction.get_connection().in_atomic_block
    rapidsms_transcript("""
        +250788123123 > ping
        +250788123123 < pong
    """)


def test_transcript_passes(rapidsms_transcript, rapidsms_outbox):
    rapidsms_transcript("""
        # two people, replies listed after both messages
        +250788123123 > echo hi
        1112223333@201201011200 > ping
        1112223333 < pong
        +250788123123 < hi
    """)
    rapidsms_transcript("""
        +250788123123 > echo again
        +250788123123 < again
    """)
    assert len(rapidsms_outbox) == 3


def test_transcript_wrong_reply(rapidsms_transcript):
    rapidsms_transcript("""
        +250788123123 > echo hi
        +250788123123 < hello
    """)


def test_transcript_unexpected_reply(rapidsms_transcript):
    rapidsms_transcript("""
        +250788123123 > echo hi
        +250788123123 < hi
        +250788123123 > something nobody understands
    """)
'''


@pytest.fixture
def run_user_tests(pytester, monkeypatch):
    """Return ``run(source)``: run a test module in a new pytest process, as a project would."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    monkeypatch.delenv("PYTEST_DISABLE_PLUGIN_AUTOLOAD", raising=False)
    monkeypatch.delenv("DJANGO_SETTINGS_MODULE", raising=False)
    # The child process would create and drop the same PostgreSQL test database
    # this process is using; an in-memory SQLite database is all it needs.
    monkeypatch.delenv("DATABASE_URL", raising=False)

    def run(source: str, *args: str) -> pytest.RunResult:
        pytester.makepyfile(test_user=source)
        # The plugin is not named here: the pytest11 entry point loads it.
        return pytester.runpytest_subprocess(
            "-p", "no:cacheprovider", "--ds=tests.settings", "-W", "error::DeprecationWarning",
            *args,
        )

    return run


def test_fixtures_in_a_projects_pytest_run(run_user_tests):
    result = run_user_tests(USER_TESTS)
    result.assert_outcomes(passed=6, failed=2)
    result.stdout.fnmatch_lines([
        "*Line 3: expected +250788123123 < 'hello', got +250788123123 < 'hi'",
        "*Unexpected replies at the end of the transcript: +250788123123 < "
        "'Sorry, RapidSMS could not understand your message.' "
        "(after line 4: +250788123123 > something nobody understands)",
        "FAILED test_user.py::test_transcript_wrong_reply - *",
        "FAILED test_user.py::test_transcript_unexpected_reply - *",
    ])


HARNESS_TESTS = '''
from django.conf import settings
from django.test import TestCase

from rapidsms.router import get_router
from rapidsms.router.blocking import BlockingRouter
from rapidsms.tests.harness import (
    MockRouter, RapidTest, RapidTransactionTest, TestRouter, TestRouterMixin, TestScript,
    TestScriptMixin,
)
from tests.testing.sample_app.app import HelloApp


class HelloTest(RapidTest):
    apps = [HelloApp]

    def test_hello(self):
        self.receive("hello", self.lookup_connections(["1112223333"])[0])
        self.assertEqual(self.outbound[0].text, "Hi 1112223333")


class HelloScript(TestScript):
    apps = [HelloApp]

    def test_script(self):
        self.runScript("""
            1112223333 > hello
            1112223333 < Hi 1112223333
        """)


class HelloMixinScript(TestScriptMixin, TestCase):
    apps = [HelloApp]

    def test_script(self):
        self.runScript("""
            1112223333 > hello
            1112223333 < Hi 1112223333
        """)


class HelloTransactionTest(RapidTransactionTest):
    apps = [HelloApp]

    def test_one(self):
        self.receive("hello", self.lookup_connections(["1112223333"])[0])
        self.assertEqual(self.sent_messages[0]["text"], "Hi 1112223333")

    def test_two(self):
        self.receive("hello", self.lookup_connections(["1112223333"])[0])
        self.assertEqual(len(self.sent_messages), 1)


def test_after_the_harness_tests_the_projects_router_is_back():
    # No database: pytest-django runs this after every database test above.
    from tests import settings as project

    assert settings.INSTALLED_BACKENDS == project.INSTALLED_BACKENDS
    router = get_router()
    assert type(router) is BlockingRouter
    assert set(router.backends) == set(project.INSTALLED_BACKENDS)
'''


def test_harness_subclasses_are_collected_and_nothing_else(run_user_tests):
    result = run_user_tests(HARNESS_TESTS, "-v", "-W", "error::pytest.PytestCollectionWarning")
    result.assert_outcomes(passed=6)
    result.stdout.fnmatch_lines([
        "test_user.py::HelloTest::test_hello PASSED*",
        "test_user.py::HelloScript::test_script PASSED*",
        "test_user.py::HelloMixinScript::test_script PASSED*",
        "test_user.py::HelloTransactionTest::test_one PASSED*",
        "test_user.py::HelloTransactionTest::test_two PASSED*",
        "test_user.py::test_after_the_harness_tests_the_projects_router_is_back PASSED*",
    ])


def test_plugin_is_registered_through_the_pytest11_entry_point():
    plugins = importlib.metadata.entry_points(group="pytest11")
    assert [ep.value for ep in plugins if ep.name == "rapidsms"] == [
        "rapidsms.tests.pytest_plugin"
    ]


def _import_plugin(prelude: str) -> str:
    """Import the plugin in a fresh interpreter after ``prelude``; return what it printed."""
    code = textwrap.dedent(prelude) + textwrap.dedent("""
        import sys
        import rapidsms.tests.pytest_plugin as plugin
        fixtures = [name for name in dir(plugin) if name.startswith("rapidsms_")]
        django_loaded = any(name == "django" or name.startswith("django.") for name in sys.modules)
        print(plugin.HAS_PYTEST_DJANGO, fixtures, django_loaded)
    """)
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def test_plugin_imports_without_django_configured_or_imported():
    assert _import_plugin("") == (
        "True ['rapidsms_connection', 'rapidsms_outbox', 'rapidsms_router', "
        "'rapidsms_transcript'] False"
    )


def test_plugin_defines_no_fixtures_without_pytest_django():
    assert _import_plugin("""
        import sys
        sys.modules["pytest_django"] = None  # as if pytest-django were not installed
    """) == "False [] False"

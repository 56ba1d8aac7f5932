"""Each harness test gets its own router and settings, and leaves the project's behind."""

from __future__ import annotations

import unittest
import warnings

import pytest
from django.conf import settings

from rapidsms.router import get_router
from rapidsms.router.blocking import BlockingRouter
from rapidsms.router.test import TestRouter
from rapidsms.tests.harness import MockBackend
from tests.testing import isolation_cases as cases

ROUTER_SETTINGS = ("INSTALLED_BACKENDS", "RAPIDSMS_HANDLERS", "RAPIDSMS_ROUTER")
MISSING = object()

# The cases run here open their own transactions, or flush the database.
pytestmark = pytest.mark.django_db(transaction=True)


def run_case(case: type[unittest.TestCase]) -> unittest.TestResult:
    """Run every test of ``case`` as a test runner would and return the result."""
    result = unittest.TestResult()
    unittest.defaultTestLoader.loadTestsFromTestCase(case).run(result)
    return result


def problems(result: unittest.TestResult) -> str:
    return "\n".join(text for _, text in result.errors + result.failures)


@pytest.fixture
def project_is_back():
    """Return a check that the project's router settings, and a router built from them, are back."""
    project = {name: getattr(settings, name, MISSING) for name in ROUTER_SETTINGS}
    assert isinstance(project["INSTALLED_BACKENDS"], dict) and project["INSTALLED_BACKENDS"]
    assert project["RAPIDSMS_HANDLERS"] is not MISSING

    def check() -> None:
        assert {name: getattr(settings, name, MISSING) for name in ROUTER_SETTINGS} == project
        router = get_router()
        assert type(router) is BlockingRouter
        assert set(router.backends) == set(project["INSTALLED_BACKENDS"])
        handlers_app = router.get_app("rapidsms.contrib.handlers")
        assert [f"{h.__module__}.{h.__name__}" for h in handlers_app.handlers] == list(
            project["RAPIDSMS_HANDLERS"]
        )

    return check


@pytest.mark.parametrize("case", [cases.RecordingCase, cases.RecordingTransactionCase])
def test_each_test_runs_with_its_own_router_then_the_projects_is_back(
    project_is_back, case
):
    case.seen.clear()
    before = get_router()
    assert type(before) is BlockingRouter

    result = run_case(case)

    assert result.wasSuccessful(), problems(result)
    assert result.testsRun == 2
    first, second = case.seen
    for seen in (first, second):
        assert isinstance(seen["router"], TestRouter)
        assert seen["get_router"] is seen["router"]
        assert seen["RAPIDSMS_ROUTER"] is seen["router"]
        assert seen["INSTALLED_BACKENDS"] == {"mockbackend": {"ENGINE": MockBackend}}
        assert seen["RAPIDSMS_HANDLERS"] == [cases.GREET_HANDLER]
        assert seen["inbound at start"] == []
    assert first["router"] is not second["router"]
    project_is_back()
    assert get_router() is not before, "the router is rebuilt from the project's settings"


def test_settings_come_back_after_failures_and_errors(project_is_back):
    result = run_case(cases.FailingCase)
    assert (result.testsRun, len(result.failures), len(result.errors)) == (2, 1, 1)
    assert "fails on purpose" in problems(result)
    assert "errors on purpose" in problems(result)
    project_is_back()

    result = run_case(cases.SetUpErrorCase)
    assert len(result.errors) == 1
    assert "setUp fails on purpose" in problems(result)
    project_is_back()


def test_a_router_that_cannot_be_built_is_an_error_of_the_test(project_is_back):
    result = run_case(cases.BadBackendCase)
    assert len(result.errors) == 1
    assert "rapidsms.models.Contact" in problems(result)
    assert "unreachable" not in problems(result)
    # The handlers and backends installed before the router failed are removed too.
    project_is_back()


@pytest.mark.parametrize("case", [cases.SkippedBadBackendCase, cases.SkippedTestBadBackendCase])
def test_a_skipped_test_builds_no_router(project_is_back, case):
    result = run_case(case)
    assert result.errors == []
    assert len(result.skipped) == 1
    project_is_back()


def test_a_project_without_the_handlers_setting_has_none_afterwards(settings):
    del settings.RAPIDSMS_HANDLERS
    cases.RecordingCase.seen.clear()

    result = run_case(cases.RecordingCase)

    assert result.wasSuccessful(), problems(result)
    assert cases.RecordingCase.seen[0]["RAPIDSMS_HANDLERS"] == [cases.GREET_HANDLER]
    from django.conf import settings as django_settings

    # Absent, not empty: without the setting the handlers app searches the apps.
    assert not hasattr(django_settings, "RAPIDSMS_HANDLERS")


def test_debug_runs_the_test_with_the_router_installed(project_is_back):
    cases.DebugCase.seen.clear()
    cases.DebugCase.setUpClass()
    try:
        cases.DebugCase("test_hello").debug()
    finally:
        cases.DebugCase.tearDownClass()
    assert isinstance(cases.DebugCase.seen[0]["router"], TestRouter)
    project_is_back()


def test_deprecated_test_script_warns_and_still_works(project_is_back):
    from rapidsms.tests.scripted import TestScript
    from tests.testing.sample_app.app import HelloApp

    with pytest.deprecated_call(match="rapidsms.tests.scripted.TestScript"):

        class OldStyleScript(TestScript):
            apps = [HelloApp]

            def setUp(self):
                super().setUp()
                self.startRouter()

            def tearDown(self):
                self.stopRouter()
                super().tearDown()

            def test_hello(self):
                self.runScript("""
                    1112223333 > hello
                    1112223333 < Hi 1112223333
                """)

            def test_wrong_reply(self):
                self.runScript("""
                    1112223333 > hello
                    1112223333 < Bye
                """)

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run_case(OldStyleScript)
    assert (result.testsRun, len(result.failures), len(result.errors)) == (2, 1, 0), problems(
        result
    )
    assert "Line 3: expected 1112223333 < 'Bye'" in problems(result)
    messages = sorted({str(w.message) for w in caught if w.category is DeprecationWarning})
    assert messages == [
        "TestScript.startRouter() is deprecated; the router is set up for every test.",
        "TestScript.stopRouter() is deprecated; the router is removed after every test.",
    ]
    project_is_back()

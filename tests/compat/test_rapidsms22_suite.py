"""RapidSMS 2.2.0's own tests, from its release on PyPI, pass here but for documented differences.

The release is downloaded once into a cache (pytest's, or the folder
``RAPIDSMS22_CACHE`` names) and its test modules run in a process of their
own with 2.2's test settings (:mod:`tests.compat.rapidsms22`). Every test
must pass except those of :data:`EXPECTED`, each failing for a difference
that docs/migrating.rst explains in the numbered section it names, and those
of :data:`KNOWN_DEFECTS`, 2.x behaviour not restored yet. A test that starts
failing, or one of these that starts passing, fails this test with the list.

Without the network the test is skipped, or fails under
``RAPIDSMS_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from rapidsms.testing.services import missing
from tests.compat.rapidsms22 import source
from tests.compat.rapidsms22.run import KANNEL_MODELS

# 2.2's test settings build a Celery app, as its projects' settings do.
pytest.importorskip("celery")

ROOT = Path(__file__).resolve().parents[2]
MIGRATING = ROOT / "docs" / "migrating.rst"

KANNEL = "rapidsms.backends.kannel.tests."
VUMI = "rapidsms.backends.vumi.tests."
HTTPTESTER = "rapidsms.contrib.httptester.tests."
MESSAGING = "rapidsms.contrib.messaging.tests.test_views.TestSendView."
REGISTRATION = "rapidsms.contrib.registration.tests."
BLOCKING = "rapidsms.router.blocking.tests.test_backend.RouterBackendTest."
CELERY = "rapidsms.router.celery.tests."
DB = "rapidsms.router.db.tests."

#: 2.2 tests that fail for a deliberate difference: test id -> "<section>: why".
EXPECTED: dict[str, str] = {
    KANNEL_MODELS: "22: rapidsms.backends.kannel.models is gone",
    KANNEL + "KannelDeliveryReportTest.test_valid_post":
        "22: reports update messages, not kannel.models.DeliveryReport; no Kannel backend: 404",
    KANNEL + "KannelDeliveryReportTest.test_invalid_post":
        "22: the delivery report URL answers 404 while no Kannel backend is configured",
    VUMI + "VumiViewTest.test_blank_message_is_valid": "4: an empty text is not routed",
    HTTPTESTER + "FormTest.test_clean_identity": "24: the tester's message needs a text",
    HTTPTESTER + "ViewTest.test_clear_all_identity_messages":
        "24: clearing everything calls clear_messages(None), which the test does not mock",
    MESSAGING + "test_post": "24: text and connections, and a confirmation before sending",
    MESSAGING + "test_post_send_error": "24: the send view takes text and connections",
    **{
        REGISTRATION + f"TestBulkAdd.test_bulk_add_{case}":
            "24: a refused import is answered 400, listing every bad line"
        for case in ("bad_backend", "bad_line", "no_lines")
    },
    **{
        REGISTRATION + f"TestViews.test_{case}": "24: a language outside LANGUAGES is refused"
        for case in ("contact_create", "contact_update", "contact_update_add_connection")
    },
    REGISTRATION + "TestViews.test_delete_connection":
        "24: a connection removed from a contact stays, without a contact",
    **{
        REGISTRATION + f"TestViews.test_{case}": "24: 405 to a request without GET or POST"
        for case in ("registration", "registration_render", "contact_existing_404")
    },
    BLOCKING + "test_router_downcases_backend_configs": "11: unknown backend options",
    BLOCKING + "test_send_captures_exception": "5: sending failures are raised",
    CELERY + "CeleryRouterTest.test_incoming": "25: no task per message with its text",
    CELERY + "CeleryRouterTest.test_outgoing": "25: msg.id is the stored message's id",
    CELERY + "CeleryRouterTest.test_send_async_catches_error":
        "25: send_async takes stored ids",
    DB + "DatabaseRouterReceiveTest.test_receive_async_fields":
        "25: no task per message with its fields",
    **{
        DB + f"DatabaseRouterReceiveTest.test_{case}": "22: queue_message() is gone"
        for case in ("queue_multi_connections", "queue_queryset_connections",
                     "queue_single_connection", "queue_status")
    },
    DB + "DatabaseRouterReceiveTest.test_create_message_from_dbm":
        "22: create_message_from_dbm() is gone",
    DB + "DatabaseRouterReceiveTest.test_receive_status": "21: statuses are names",
    DB + "DatabaseRouterReceiveTest.test_receive_status_with_error": "21: statuses are names",
    DB + "DatabaseRouterSendTest.test_database_message_sent": "21: statuses are names",
    **{
        DB + f"DatabaseRouterSendTest.test_{case}": "25: the router retries, nothing raises"
        for case in ("all_transmissions_set_to_E_if_backend_sending_error",
                     "only_failed_transmissions_set_to_E")
    },
    **{
        DB + f"DatabaseRouterSendTest.test_{case}":
            "25: a transmission created with a letter status is not sent"
        for case in ("send_doesnt_send_already_sent_transmissions",
                     "send_successful_message_status", "send_successful_status")
    },
    **{
        DB + f"DatabaseRouterSendTest.test_group_transmissions{case}":
            "22: group_transmissions() is gone"
        for case in ("", "_custom_default_batch_size", "_default_batch_size",
                     "_different_backends")
    },
    **{
        DB + f"MessageStatusTest.test_{case}": "22: Message.set_status() is gone"
        for case in ("inbound_message_status_error", "inbound_message_status_queued",
                     "inbound_message_status_received", "outbound_message_status_delivered",
                     "outbound_message_status_error", "outbound_message_status_processing",
                     "outbound_message_status_sent")
    },
    **{
        f"rapidsms.tests.test_management.UpdateAppsAndBackendsTest.test_{case}":
            "20: update_apps is gone"
        for case in ("adds_app", "no_apps_then_none_added")
    },
}

#: 2.2 tests that fail for 2.x behaviour not restored yet: test id -> what is wrong.
KNOWN_DEFECTS: dict[str, str] = {}


@pytest.fixture(scope="module")
def release(request, tmp_path_factory) -> Path:
    """The unpacked release, downloaded the first time into a cache that outlives the run."""
    if os.environ.get("RAPIDSMS22_CACHE"):
        cache = Path(os.environ["RAPIDSMS22_CACHE"])
    elif getattr(request.config, "cache", None) is not None:
        cache = request.config.cache.mkdir("rapidsms-2.2.0")
    else:
        cache = tmp_path_factory.mktemp("rapidsms-2.2.0")
    try:
        return source.fetch(cache)
    except source.Unavailable as exc:
        missing(f"RapidSMS {source.VERSION} could not be downloaded from PyPI: {exc}")
        raise


@pytest.fixture(scope="module")
def outcomes(release, tmp_path_factory) -> dict[str, dict[str, str]]:
    """Each 2.2 test's outcome, from a run in a process of its own."""
    output = tmp_path_factory.mktemp("rapidsms22-run") / "outcomes.json"
    env = {key: value for key, value in os.environ.items()
           if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    result = subprocess.run(
        [sys.executable, "-m", "tests.compat.rapidsms22.run", str(release), str(output)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300,
    )
    assert output.exists(), f"The 2.2 tests did not run:\n{result.stdout}\n{result.stderr}"
    return json.loads(output.read_text())


def last_line(detail: str) -> str:
    lines = [line for line in detail.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def test_every_2_2_test_module_ran(outcomes):
    modules = {test_id.rsplit(".", 2)[0] for test_id in outcomes if ":" not in test_id}
    # 2.2.0's 29 test modules hold 247 tests; a module that fails to import
    # shows up as one failed test, so count modules too.
    assert len(outcomes) >= 248, len(outcomes)
    assert not [t for t in outcomes if t.startswith("unittest.loader")], outcomes.keys()
    assert "rapidsms.tests.translation.tests" in modules
    assert "rapidsms.backends.kannel.tests" in modules


def test_2_2_tests_pass_but_for_documented_differences(outcomes):
    failing = {test_id for test_id, outcome in outcomes.items() if outcome["status"] != "pass"}
    known = set(EXPECTED) | set(KNOWN_DEFECTS)
    unexpected = sorted(failing - known)
    now_passing = sorted(known - failing)
    report = [f"{test_id}: {last_line(outcomes[test_id]['detail'])}" for test_id in unexpected]
    report += [f"{test_id} now passes: remove it from EXPECTED or KNOWN_DEFECTS"
               for test_id in now_passing]
    assert not report, "\n".join(report)


def test_each_expected_failure_names_a_section_of_the_migration_page():
    page = MIGRATING.read_text(encoding="utf-8")
    sections = set(re.findall(r"^(\d+)\. \S", page, flags=re.MULTILINE))
    for test_id, why in EXPECTED.items():
        number, _, reason = why.partition(": ")
        assert number in sections and reason, f"{test_id}: {why!r} names no section"

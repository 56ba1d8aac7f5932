"""RapidPro under real ``celery worker`` processes: sends coalesced, retried, each made once.

Needs PostgreSQL and a broker, like the other worker tests; RapidPro is the
sandbox, served over HTTP from this process.
"""

from __future__ import annotations

import math
import time
from collections import Counter

import pytest

from rapidsms.backends.rapidpro.sandbox import Sandbox
from rapidsms.router import lookup_connections, send
from rapidsms.router.db.models import Transmission
from rapidsms.router.db.status import Status
from tests.durable.pipeline import Pipeline, broker_from_environment, require_postgresql
from tests.durable.processes import wait_until
from tests.rapidpro.conftest import TOKEN, urns

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

#: Seconds a send waits for others of the same text.
WINDOW = 2.0


@pytest.fixture
def pipeline(settings, tmp_path):
    require_postgresql()
    run = Pipeline(broker_from_environment(), settings, tmp_path)
    yield run
    run.close()


def test_single_sends_of_one_text_leave_real_workers_as_few_broadcasts(pipeline, settings):
    with Sandbox(token=TOKEN) as sandbox:
        pipeline.extra_env.update(RAPIDSMS_TEST_RAPIDPRO_URL=sandbox.url,
                                  RAPIDSMS_TEST_RAPIDPRO_TOKEN=TOKEN,
                                  RAPIDSMS_TEST_COALESCE_WINDOW=str(WINDOW))
        queue = f"{pipeline.send_prefix}rapidpro"
        pipeline.queues.append(queue)
        settings.INSTALLED_BACKENDS = {**settings.INSTALLED_BACKENDS, "rapidpro": {
            "ENGINE": "rapidsms.backends.rapidpro.RapidProBackend", "url": sandbox.url,
            "api_token": TOKEN, "coalesce_window": WINDOW,
        }}
        settings.RAPIDSMS_ROUTER = "rapidsms.router.celery.CeleryRouter"
        pipeline.start_workers(2, queues=[queue])
        # The first broadcast meets an outage: the router retries it, once.
        sandbox.fail_next(503, method="POST", endpoint="broadcasts")
        started = time.monotonic()
        for connection in lookup_connections("rapidpro", urns(150)):
            send("The clinic is closed on Friday", [connection])
        # Sends made within one window's slot go together: a busy machine that
        # takes longer over the loop spreads them over more slots.
        slots = math.ceil((time.monotonic() - started) / WINDOW) + 1

        def finished() -> bool:
            return not Transmission.objects.filter(
                direction="O").exclude(status=Status.SENT).exists()

        wait_until(finished, timeout=60, message="RapidPro sends did not finish")
        received = Counter(sandbox.received_urns())
        assert received == Counter(urns(150)), "each recipient gets the message once"
        # 150 single sends, one refused attempt: a few requests per slot, not 150.
        broadcasts = sandbox.count("POST", "broadcasts", status=201)
        assert broadcasts <= 2 * slots + 2 and broadcasts <= 30, (broadcasts, slots)
        assert sandbox.count("POST", "broadcasts", status=503) == 1

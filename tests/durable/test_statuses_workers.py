"""Real workers: a send killed while the gateway has it, and a STOP between a failure and its retry.

Needs PostgreSQL (``DATABASE_URL``) and a broker (``CELERY_BROKER_URL``, Redis
or RabbitMQ); skipped without them, failed under ``RAPIDSMS_REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import pytest

from rapidsms.backends.signals import delivery_report
from rapidsms.router.db.models import Transmission
from rapidsms.router.db.recovery import UNKNOWN_OUTCOME, recover
from rapidsms.router.db.status import Status
from tests.durable.pipeline import Pipeline, broker_from_environment, require_postgresql
from tests.durable.processes import wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pipeline(settings, tmp_path):
    require_postgresql()
    run = Pipeline(broker_from_environment(), settings, tmp_path)
    yield run
    run.sink.release()
    run.close()


def reply_to(identity: str) -> Transmission:
    return Transmission.objects.get(direction="O", identity=identity)


def test_a_send_worker_killed_mid_request_leaves_the_reply_unknown_until_a_report(pipeline):
    (worker,) = pipeline.start_workers(1)
    pipeline.sink.stall("slow-gateway")
    pipeline.post([("+15550001", "echo slow-gateway")])
    wait_until(lambda: pipeline.sink.stalled, 60, message="the reply never reached the sink")

    worker.kill()  # SIGKILL while the HTTP request is open
    pipeline.sink.release()  # the gateway had the message all along

    def resolved() -> bool:
        recover()  # what beat runs every minute; the claim expires after the lease
        return reply_to("+15550001").status != Status.SENDING

    wait_until(resolved, 60, interval=0.5, message="the dead worker's claim never expired")
    transmission = reply_to("+15550001")
    assert (transmission.status, transmission.last_error) == (Status.UNKNOWN, UNKNOWN_OUTCOME)
    assert pipeline.sink.texts()[("+15550001", "slow-gateway")] == 1

    # The gateway's delivery report carries our message id (as Kannel's and
    # the HTTP gateways' report URLs do) and settles it.
    delivery_report.send(sender=None, backend="sink", message_id=str(transmission.message_id),
                         identity="+15550001", status="delivered", raw={"stat": "DELIVRD"})
    transmission.refresh_from_db()
    assert transmission.status == Status.DELIVERED


def test_a_stop_between_a_failure_and_its_retry_is_honoured_by_the_workers(pipeline):
    from rapidsms.router import lookup_connections, send

    pipeline.start_workers(1)
    pipeline.sink.refuse("news", 503)  # the gateway is down for the bulk message
    stopper, other = lookup_connections("sink", ["+15550001", "+15550002"])
    send("news of the week", [stopper, other])
    wait_until(lambda: Transmission.objects.filter(status=Status.RETRY).count() == 2, 60,
               message="the bulk message was never tried")

    pipeline.post([("+15550001", "STOP")])
    wait_until(lambda: any(to == "+15550001" for to, _ in pipeline.sink.texts()), 60,
               message="the STOP was never confirmed")
    pipeline.sink.refuse("news", None)  # the gateway is back
    pipeline.wait_finished(1, timeout=60)

    texts = pipeline.sink.texts()
    assert texts[("+15550002", "news of the week")] == 1
    assert texts[("+15550001", "news of the week")] == 0
    news = Transmission.objects.get(direction="O", identity="+15550001",
                                    message__text="news of the week")
    assert (news.status, news.last_error) == (Status.CANCELLED, "cancelled: opted out")

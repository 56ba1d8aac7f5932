"""A killed worker: replies keep coming within seconds, at the default settings.

Runs the deployment guide's processes (a worker routing incoming messages in
processes, a worker sending in threads, and beat) against PostgreSQL and a
real broker, Redis and RabbitMQ in turn, with none of the store's timings
shortened. A thread posts messages to the inbound endpoint the whole time;
one worker is killed with SIGKILL and a replacement started, as systemd
would. Every message received after the kill must be answered once, within
:data:`REPLY_WITHIN` seconds of its intake.
"""

from __future__ import annotations

import os
import threading
import time
from collections import Counter
from datetime import datetime

import pytest
import requests
from django.utils import timezone

from rapidsms.router.db.conf import DEFAULTS
from rapidsms.router.db.models import Message, Transmission
from rapidsms.router.db.status import Status
from tests.durable.pipeline import Pipeline, require_postgresql
from tests.durable.processes import Beat, Worker, missing, reachable, wait_until

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]

#: What the issue promises: a reply within this many seconds of intake, kill or not.
REPLY_WITHIN = 20.0

#: Messages received before a kill of the send worker, whose reply tasks it
#: held (not those it was sending), are answered this soon.
BEFORE_KILL_WITHIN = 30.0

#: The store's timings, left at their defaults (the other tests shorten them).
DEFAULT_TIMINGS = {
    name: DEFAULTS[name]
    for name in (
        "RAPIDSMS_RETRY_BASE_DELAY",
        "RAPIDSMS_RETRY_MAX_DELAY",
        "RAPIDSMS_SEND_LEASE",
        "RAPIDSMS_REDISPATCH_AFTER",
        "RAPIDSMS_PROCESSING_LEASE",
    )
}


def broker_url(kind: str) -> str:
    """Return the URL of the ``kind`` broker from the environment; skip/fail when none answers."""
    if kind == "redis":
        candidates = [os.environ.get("REDIS_URL", ""), os.environ.get("CELERY_BROKER_URL", "")]
        scheme, port, hint = "redis", 6379, "REDIS_URL=redis://127.0.0.1:6379/0"
    else:
        candidates = [os.environ.get("RABBITMQ_URL", ""), os.environ.get("CELERY_BROKER_URL", "")]
        scheme, port, hint = "amqp", 5672, "RABBITMQ_URL=amqp://guest:guest@127.0.0.1:5672//"
    url = next((url for url in candidates if url.startswith(scheme)), "")
    if not url:
        missing(f"This test needs {kind}: set {hint}")
    if not reachable(url, port):
        missing(f"No {kind} answers at {url}")
    return url


class Deployment(Pipeline):
    """The pipeline run as the deployment guide runs it, with the default timings."""

    def worker_env(self) -> dict[str, str]:
        env = super().worker_env()
        env.update(
            RAPIDSMS_TEST_VISIBILITY="",  # Redis's own visibility timeout (an hour)
            RAPIDSMS_TEST_PREFETCH="4",  # Celery's default
            RAPIDSMS_TEST_RECOVER_EVERY="60",  # the guide's beat schedule
        )
        return env

    def start(self) -> dict[str, Worker]:
        """Start the incoming worker, the send worker and beat; return them by role."""
        env = self.worker_env()
        processes = {
            "incoming": Worker("incoming", env, [self.incoming_queue], self.log_dir,
                               concurrency=2, pool="prefork"),
            "send": Worker("send", env, [f"{self.send_prefix}sink"], self.log_dir,
                           concurrency=8, pool="threads"),
            "beat": Beat("beat", env, self.log_dir),
        }
        self.workers.extend(processes.values())
        for process in processes.values():
            process.launch()
        for process in processes.values():
            process.wait_ready()
        return processes


    def close(self) -> None:
        for process in self.workers:
            process.kill()  # no need to wait for a warm shutdown
        super().close()


class Poster(threading.Thread):
    """Post a message to the inbound endpoint every ``interval`` seconds until stopped."""

    def __init__(self, url: str, tag: str, interval: float = 0.02) -> None:
        super().__init__(daemon=True)
        self.url = url
        self.tag = tag
        self.interval = interval
        self.stopped = threading.Event()
        self.statuses: Counter = Counter()

    def run(self) -> None:
        session = requests.Session()
        count = 0
        while not self.stopped.is_set():
            count += 1
            answer = session.post(
                self.url,
                data={"from": f"+1555{count % 50:07d}", "text": f"echo {self.tag}-{count}",
                      "id": f"{self.tag}-{count}"},
                timeout=30,
            )
            self.statuses[answer.status_code] += 1
            self.stopped.wait(self.interval)

    def stop(self) -> None:
        self.stopped.set()
        self.join(60)


def reply_delays(
    since: datetime, until: datetime | None, killed_at: datetime
) -> dict[int, float | None]:
    """Return, for each message received in (``since``, ``until``], the seconds to its reply.

    None for a message not answered yet, its reply being sent by a live
    worker included. Left out: messages whose reply the killed worker was
    sending (claimed before ``killed_at``), which stay "sending" until its
    lease runs out (five minutes), since the gateway may have them.
    """
    received = Message.objects.filter(direction="I", date__gt=since)
    if until is not None:
        received = received.filter(date__lte=until)
    dates = dict(received.values_list("pk", "date"))
    replies = Transmission.objects.filter(
        direction="O", message__in_response_to__in=list(dates)
    ).values_list("message__in_response_to", "status", "sent", "claimed_at")
    delays: dict[int, float | None] = dict.fromkeys(dates)
    for message_id, status, sent, claimed_at in replies:
        if status == Status.SENDING and claimed_at is not None and claimed_at < killed_at:
            del delays[message_id]
        elif status == Status.SENT:
            delays[message_id] = (sent - dates[message_id]).total_seconds()
    return delays


def wait_for_replies(
    since: datetime, until: datetime | None, killed_at: datetime, timeout: float
) -> dict:
    """Return :func:`reply_delays` once every message has its reply, or after ``timeout``."""
    deadline = time.monotonic() + timeout
    delays = reply_delays(since, until, killed_at)
    while None in delays.values() and time.monotonic() < deadline:
        time.sleep(0.2)
        delays = reply_delays(since, until, killed_at)
    return delays


def kill_and_replace(run: Deployment, victim: Worker) -> tuple[datetime, datetime]:
    """Kill ``victim`` while messages come in and start a replacement; return when and the kill.

    The first time is when the messages started coming in.
    """
    poster = Poster(f"{run.inbound.url}/inbound/", tag=victim.name)
    replies = len(run.sink.accepted)
    started_at = timezone.now()
    poster.start()
    decide = run.sink._decide
    try:
        wait_until(lambda: len(run.sink.accepted) >= replies + 10, 30,
                   message="no reply came before the kill")
        # Its processes are busy (a slow app, a slow gateway), so the tasks
        # it takes meanwhile wait in its hands, where the kill loses them
        # on Redis.
        victim.pause_pool()
        run.sink._decide = lambda body: (time.sleep(1), decide(body))[1]
        time.sleep(2)
        killed_at = timezone.now()
        victim.kill()
        run.sink._decide = decide
        victim.launch()  # as systemd restarts it
        # A few more messages, then none: no later arrival may be what
        # wakes the workers for them. (Counted, not timed: a busy machine
        # may store none in a fixed two seconds.)
        wait_until(lambda: Message.objects.filter(direction="I", date__gt=killed_at).count()
                   >= 5, 60, message="no message was stored after the kill")
    finally:
        run.sink._decide = decide
        poster.stop()
    assert set(poster.statuses) == {200}
    victim.wait_ready()
    return started_at, killed_at


@pytest.mark.parametrize("kind", ["redis", "rabbitmq"])
def test_replies_keep_coming_within_seconds_when_a_worker_is_killed(kind, settings, tmp_path):
    require_postgresql()
    run = Deployment(broker_url(kind), settings, tmp_path, **DEFAULT_TIMINGS)
    try:
        processes = run.start()
        for victim in ("incoming", "send"):
            started_at, killed_at = kill_and_replace(run, processes[victim])

            after = wait_for_replies(killed_at, None, killed_at, timeout=REPLY_WITHIN + 10)
            assert after, "no message was received after the kill"
            late = {pk: delay for pk, delay in after.items()
                    if delay is None or delay > REPLY_WITHIN}
            assert not late, (
                f"{victim} worker killed: {len(late)} of {len(after)} messages received after "
                f"the kill were not answered within {REPLY_WITHIN}s (None: not at all): "
                f"{sorted(late.items())[:10]}"
            )
            answers = Counter(
                Message.objects.filter(direction="O", in_response_to__in=list(after))
                .values_list("in_response_to", flat=True)
            )
            assert set(answers.values()) == {1}, f"{victim} worker killed: a message answered twice"
            # What the killed worker held goes out too: for the incoming
            # worker, the batch it was routing (its claim runs out within
            # the lease, however long it had been working); for the send
            # worker, the tasks it had not started (not the send in flight).
            within = REPLY_WITHIN if victim == "incoming" else BEFORE_KILL_WITHIN
            before = wait_for_replies(started_at, killed_at, killed_at, timeout=within + 5)
            late = {pk: delay for pk, delay in before.items()
                    if delay is None or delay > within}
            assert not late, (
                f"{len(late)} of {len(before)} messages received before the {victim} worker "
                f"was killed were not answered within {within}s: {sorted(late.items())[:10]}"
            )
        assert max(run.sink.counts().values()) == 1, "a reply reached the gateway twice"
    finally:
        run.close()

"""Benchmark: the durable pipeline, stage by stage and end to end, on PostgreSQL.

Run with ``python bench/pipeline.py [--messages N] [--workers 1 2]``. Needs
PostgreSQL and a broker: ``DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/rapidsms_bench``, created if missing) and
``CELERY_BROKER_URL`` (default ``redis://127.0.0.1:6379/0``).

For each number of routing workers, one run times each stage alone:

1. intake: N messages posted over HTTP to the inbound endpoint (Django
   behind a threaded WSGI server in this process), stored in PostgreSQL,
   with no worker running;
2. routing: ``celery worker`` processes on the incoming queue route the
   backlog (all the test settings' apps, the echo handler answering) and
   store the replies, from the first claim to the last message handled;
3. sending: one more worker, on the send queue, sends the replies over HTTP
   to a local sink, from its first claim to the last reply sent.

Then, with the routing workers and one sending worker running, the same N
messages are posted as fast as 16 threads can (all stages at once: the end
to end rate, from the first request to the last reply sent), and a few
hundred at a steady ``--rate``; both report the latency from intake (the
message's row) to send (the reply's ``sent`` time), p50 and p99.
Everything runs on this machine, so the load generator, the web server, the
sink (a process of its own), PostgreSQL, the broker and the workers share
its CPUs.

Last, it measures the deployment as ``docs/howto/deploy.rst`` runs it: the
guide's settings and processes (gunicorn, the ``incoming`` and ``send``
workers, beat), with ``bench/deployed.py``, whose options go in
``--deployed-args``. ``--deployed only`` runs just that; ``--deployed no``
just the stages.
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/rapidsms_bench")
os.environ.setdefault("CELERY_BROKER_URL", "redis://127.0.0.1:6379/0")
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"


def ensure_database(url: str) -> None:
    """Create the benchmark's PostgreSQL database when it does not exist."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    admin = parsed._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


class SettingsProxy:
    """Lets :class:`~tests.durable.pipeline.Pipeline` change settings outside pytest."""

    def __setattr__(self, name: str, value: Any) -> None:
        from django.conf import settings

        from rapidsms.router.api import reset_router

        setattr(settings, name, value)
        reset_router()


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def post_paced(pipeline: Any, texts: list[tuple[str, str]], rate: float) -> list[int]:
    """Post ``texts`` at ``rate`` per second (a gateway that is not flooding us)."""
    codes: list[int] = []
    start = time.monotonic()
    for index in range(0, len(texts), 5):
        delay = start + index / rate - time.monotonic()
        if delay > 0:
            time.sleep(delay)
        codes += pipeline.post(texts[index:index + 5], threads=5)
    return codes


class SinkProcess:
    """The tests' sink gateway in a process of its own, so that it does not share this
    process's interpreter with the load generator and the intake server."""

    def __init__(self) -> None:
        code = (
            "import sys, time\n"
            "from tests.durable.sink import Sink\n"
            "sink = Sink().start()\n"
            "print(sink.url, flush=True)\n"
            "sys.stdin.read()\n"
        )
        self.proc = subprocess.Popen([sys.executable, "-c", code], cwd=ROOT, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        self.url = self.proc.stdout.readline().strip()

    def stop(self) -> None:
        self.proc.stdin.close()
        self.proc.kill()
        self.proc.wait(10)


def own_sink(pipeline: Any) -> None:
    """Replace the pipeline's in-process sink with one in its own process."""
    pipeline.sink.stop()
    pipeline.sink = SinkProcess()


def truncate() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE db_transmissionevent, db_transmission, db_message, db_wakeup")


def wait_routed(messages: int, timeout: float) -> None:
    """Wait until ``messages`` incoming messages are handled."""
    from rapidsms.router.db.models import Transmission

    deadline = time.monotonic() + timeout
    routed = Transmission.objects.filter(direction="I", status__in=["handled", "errored"])
    while routed.count() < messages:
        if time.monotonic() > deadline:
            raise AssertionError(f"only {routed.count()} of {messages} routed in {timeout}s")
        time.sleep(0.1)


def stage_run(workers: int, messages: int, concurrency: int, log_dir: Path,
              pool: str = "threads") -> dict[str, float]:
    """Time each stage alone: intake over HTTP, routing the backlog, sending the replies.

    Messages are posted with no worker running; then ``workers`` workers on
    the incoming queue route the backlog; then one worker on the send queue
    sends the replies. Each stage has the machine to itself, so its rate is
    what that kind of process can do here.
    """
    from django.db.models import Max, Min

    from rapidsms.router.db.models import Transmission
    from tests.durable.pipeline import Pipeline

    truncate()
    pipeline = Pipeline(os.environ["CELERY_BROKER_URL"], SettingsProxy(), log_dir)
    own_sink(pipeline)
    try:
        texts = [(f"+1555{i % 500:07d}", f"echo bench {i}") for i in range(messages)]
        start = time.monotonic()
        codes = pipeline.post(texts, threads=16)
        intake = time.monotonic() - start
        assert set(codes) == {200}, f"inbound answered {set(codes)}"
        incoming_queue, send_queue = pipeline.queues
        pipeline.start_workers(workers, concurrency=concurrency, queues=[incoming_queue],
                               pool=pool)
        wait_routed(messages, timeout=600)
        pipeline.start_workers(1, concurrency=concurrency, queues=[send_queue])
        pipeline.wait_finished(messages, timeout=600)
        routing = Transmission.objects.filter(direction="I").aggregate(
            first=Min("claimed_at"), last=Max("updated")
        )
        sending = Transmission.objects.filter(direction="O").aggregate(
            first=Min("claimed_at"), last=Max("sent")
        )
        assert Transmission.objects.filter(direction="O", status="sent").count() == messages
    finally:
        pipeline.close()
    return {
        "intake_per_s": messages / intake,
        "routed_per_s": messages / (routing["last"] - routing["first"]).total_seconds(),
        "sent_per_s": messages / (sending["last"] - sending["first"]).total_seconds(),
    }


def live_run(workers: int, messages: int, concurrency: int, log_dir: Path,
             rate: float | None = None) -> dict[str, float]:
    """Post messages to running workers, flooding or at a steady ``rate``.

    Return the end-to-end rate (from the first request to the last reply
    sent) and the latency percentiles from intake to send.
    """
    from rapidsms.router.db.models import Message, Transmission
    from tests.durable.pipeline import Pipeline

    truncate()
    pipeline = Pipeline(os.environ["CELERY_BROKER_URL"], SettingsProxy(), log_dir)
    own_sink(pipeline)
    try:
        incoming_queue, send_queue = pipeline.queues
        pipeline.start_workers(workers, concurrency=concurrency, queues=[incoming_queue])
        pipeline.start_workers(1, concurrency=concurrency, queues=[send_queue])
        texts = [(f"+1555{i % 500:07d}", f"echo bench {i}") for i in range(messages)]
        pipeline.post(texts[:20])  # warm up connections, router and caches
        pipeline.wait_finished(20, timeout=60)
        truncate()
        start = time.monotonic()
        codes = post_paced(pipeline, texts, rate) if rate else pipeline.post(texts, threads=16)
        pipeline.wait_finished(messages, timeout=600)
        total = time.monotonic() - start
        assert set(codes) == {200}, f"inbound answered {set(codes)}"
        received = {
            message.pk: message.date
            for message in Message.objects.filter(direction="I").only("pk", "date")
        }
        latencies = [
            (sent - received[original]).total_seconds()
            for sent, original in Transmission.objects.filter(direction="O").values_list(
                "sent", "message__in_response_to_id"
            )
        ]
        assert len(latencies) == messages
    finally:
        pipeline.close()
    return {
        "end_to_end_per_s": messages / total,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": percentile(latencies, 0.99) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--concurrency", type=int, default=4,
                        help="threads per worker (processes with --pool prefork)")
    parser.add_argument("--pool", default="threads", choices=["threads", "prefork", "solo"],
                        help="pool of the routing workers in the stage run (default threads)")
    parser.add_argument("--rate", type=float, default=20.0,
                        help="messages per second of the paced run that measures latency "
                             "without a backlog (0: skip it)")
    parser.add_argument("--deployed", choices=["also", "only", "no"], default="also",
                        help="also (the default) or only measure the deployment as the "
                             "deployment guide runs it, with bench/deployed.py")
    parser.add_argument("--deployed-args", default="",
                        help="options for bench/deployed.py, in one string "
                             "(e.g. \"--messages 5000 --rate 100\"; see its --help)")
    args = parser.parse_args()
    if args.deployed != "only":
        run_stages(args)
    if args.deployed != "no":
        # The guide's processes (gunicorn, the incoming and send workers, beat)
        # with its settings, which the stage run above does not use.
        print("\nAs deployed (bench/deployed.py):", flush=True)
        subprocess.run([sys.executable, str(Path(__file__).with_name("deployed.py")),
                        *shlex.split(args.deployed_args)], check=True)


def run_stages(args: argparse.Namespace) -> None:
    """Time each stage alone, then all at once, on this process's test settings."""
    ensure_database(os.environ["DATABASE_URL"])
    import django
    from django.core.management import call_command

    django.setup()
    logging.getLogger("rapidsms").addHandler(logging.StreamHandler())
    logging.getLogger("rapidsms").setLevel(logging.WARNING)
    call_command("migrate", verbosity=0)
    print(f"Python {platform.python_version()}, {os.cpu_count()} CPUs, "
          f"broker {urlparse(os.environ['CELERY_BROKER_URL']).scheme}, "
          f"{args.messages} messages, {args.concurrency} threads per worker")
    with tempfile.TemporaryDirectory() as log_dir:
        for workers in args.workers:
            result = stage_run(workers, args.messages, args.concurrency, Path(log_dir),
                               pool=args.pool)
            processes = workers * (args.concurrency if args.pool == "prefork" else 1)
            print(
                f"{workers} routing worker(s) ({args.pool}): intake "
                f"{result['intake_per_s']:.0f} msgs/s over HTTP; backlog routed "
                f"{result['routed_per_s']:.0f} msgs/s ({result['routed_per_s'] / processes:.0f} "
                f"per worker process); replies sent {result['sent_per_s']:.0f} msgs/s by one "
                "sending worker"
            )
            flooded = live_run(workers, args.messages, args.concurrency, Path(log_dir))
            print(
                f"{workers} routing worker(s), all stages at once, flooded: end to end "
                f"{flooded['end_to_end_per_s']:.0f} msgs/s, intake->send "
                f"p50 {flooded['p50_ms']:.0f} ms, p99 {flooded['p99_ms']:.0f} ms"
            )
            if args.rate:
                count = max(50, min(args.messages, int(args.rate * 15)))
                paced = live_run(workers, count, args.concurrency, Path(log_dir), args.rate)
                print(
                    f"{workers} routing worker(s), {args.rate:.0f} msgs/s offered: "
                    f"intake->send p50 {paced['p50_ms']:.0f} ms, p99 {paced['p99_ms']:.0f} ms"
                )


if __name__ == "__main__":
    main()

"""The whole pipeline with real parts: HTTP inbound -> PostgreSQL -> Celery workers -> HTTP sink.

Used by the worker tests and by ``bench/pipeline.py``. Messages are posted
over HTTP to the inbound endpoint of a live Django server; real ``celery
worker`` processes run the echo app and send the replies through
:class:`~tests.durable.backend.SinkBackend` to a :class:`~tests.durable.sink.Sink`.
"""

from __future__ import annotations

import os
import queue
import threading
import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import quote

import kombu.pools
import requests

from tests.durable.processes import Worker, missing, reachable
from tests.durable.sink import Sink

#: Transmission statuses that still need a worker.
UNFINISHED = ("received", "processing", "queued", "sending", "retry")


def broker_from_environment() -> str:
    """Return ``CELERY_BROKER_URL``, or skip/fail the test when no broker answers there."""
    broker = os.environ.get("CELERY_BROKER_URL", "")
    if not broker or broker.startswith("memory"):
        missing(
            "These tests need a broker: set CELERY_BROKER_URL=redis://127.0.0.1:6379/0 "
            "or amqp://guest:guest@127.0.0.1:5672//"
        )
    default_port = 6379 if broker.startswith("redis") else 5672
    if not reachable(broker, default_port):
        missing(f"No broker answers at CELERY_BROKER_URL={broker}")
    return broker


def require_postgresql(
    why: str = "worker processes cannot share the in-memory SQLite test database",
) -> None:
    """Skip/fail the test unless the test database is PostgreSQL."""
    from django.db import connection

    if connection.vendor != "postgresql":
        missing(
            "These tests need PostgreSQL (DATABASE_URL=postgres://postgres@127.0.0.1:5432/test): "
            f"{why}."
        )


def database_url() -> str:
    """Return a URL of the database this process uses (the test database) for the workers."""
    from django.db import connection

    conf = connection.settings_dict
    auth = quote(conf["USER"] or "")
    if conf.get("PASSWORD"):
        auth += ":" + quote(conf["PASSWORD"])
    host = conf["HOST"] or "127.0.0.1"
    return f"postgres://{auth}@{host}:{conf['PORT'] or 5432}/{conf['NAME']}"


def use_broker(url: str) -> None:
    """Point this process's Celery app at ``url`` and drop connections to the previous one."""
    from tests.durable.celery_app import app

    # The CELERY_BROKER_URL environment variable overrides broker_url in
    # Celery; the read and write URLs take precedence over both.
    app.conf.broker_url = app.conf.broker_read_url = app.conf.broker_write_url = url
    app.conf.task_always_eager = False
    # Producer pools are kept per broker URL, in the app and in kombu's registry.
    app._pool = None
    amqp = app.__dict__.get("amqp")
    if amqp is not None:
        amqp._producer_pool = None
    kombu.pools.reset()


class InboundServer:
    """Django served over HTTP on 127.0.0.1 by a fixed pool of threads, as a gateway sees it.

    A pool rather than a thread per request, so that each thread keeps its
    database connection (``CONN_MAX_AGE``), as a production server would.
    """

    def __init__(self, threads: int = 8) -> None:
        from django.core.handlers.wsgi import WSGIHandler
        from django.core.servers.basehttp import WSGIRequestHandler, WSGIServer
        from django.db import connections

        class QuietHandler(WSGIRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

        class PooledWSGIServer(WSGIServer):
            def __init__(self) -> None:
                super().__init__(("127.0.0.1", 0), QuietHandler, allow_reuse_address=False)
                self.backlog: queue.Queue = queue.Queue()
                self.pool = [threading.Thread(target=self.work, daemon=True)
                             for _ in range(threads)]
                for thread in self.pool:
                    thread.start()

            def process_request(self, request: Any, client_address: Any) -> None:
                self.backlog.put((request, client_address))

            def work(self) -> None:
                while (item := self.backlog.get()) is not None:
                    request, client_address = item
                    try:
                        self.finish_request(request, client_address)
                    except Exception:
                        self.handle_error(request, client_address)
                    finally:
                        self.shutdown_request(request)
                connections.close_all()

            def server_close(self) -> None:
                super().server_close()
                for _ in self.pool:
                    self.backlog.put(None)
                for thread in self.pool:
                    thread.join(10)

        self.httpd = PooledWSGIServer()
        self.httpd.set_app(WSGIHandler())
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> InboundServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


class Pipeline:
    """One run of the pipeline: a sink, queues of its own, the test process configured, workers."""

    def __init__(self, broker: str, settings: Any, log_dir: Path, **timings: float) -> None:
        self.broker = broker
        self.log_dir = log_dir
        from django.db import connection

        self.db_settings = connection.settings_dict
        self.previous_max_age = self.db_settings.get("CONN_MAX_AGE", 0)
        self.db_settings["CONN_MAX_AGE"] = 60
        self.sink = Sink().start()
        self.inbound = InboundServer().start()
        prefix = f"t{uuid.uuid4().hex[:8]}"
        self.incoming_queue = f"{prefix}.incoming"
        self.send_prefix = f"{prefix}.send."
        self.queues = [self.incoming_queue, f"{self.send_prefix}sink"]
        self.workers: list[Worker] = []
        #: more environment for the workers (a test's own backends)
        self.extra_env: dict[str, str] = {}
        self.timings = {
            "RAPIDSMS_RETRY_BASE_DELAY": 0.2,
            "RAPIDSMS_RETRY_MAX_DELAY": 1.0,
            "RAPIDSMS_SEND_LEASE": 3.0,
            "RAPIDSMS_REDISPATCH_AFTER": 3.0,
            "RAPIDSMS_PROCESSING_LEASE": 3.0,
            **timings,
        }
        settings.ROOT_URLCONF = "tests.durable.inbound"
        settings.CELERY_TASK_ALWAYS_EAGER = False
        settings.RAPIDSMS_INCOMING_QUEUE = self.incoming_queue
        settings.RAPIDSMS_SEND_QUEUE_PREFIX = self.send_prefix
        for name, value in self.timings.items():
            setattr(settings, name, value)
        settings.INSTALLED_BACKENDS = {
            "sink": {"ENGINE": "tests.durable.backend.SinkBackend", "url": self.sink.url},
        }
        settings.RAPIDSMS_ROUTER = "rapidsms.router.celery.CeleryRouter"
        use_broker(broker)

    def worker_env(self) -> dict[str, str]:
        env = {
            "DJANGO_SETTINGS_MODULE": "tests.durable.worker_settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": self.broker,
            "RAPIDSMS_TEST_SINK_URL": self.sink.url,
            "RAPIDSMS_INCOMING_QUEUE": self.incoming_queue,
            "RAPIDSMS_SEND_QUEUE_PREFIX": self.send_prefix,
            "RAPIDSMS_TEST_VISIBILITY": "5",
        }
        env.update({name: str(value) for name, value in self.timings.items()})
        env.update(self.extra_env)
        return env

    def start_workers(self, count: int, beat_on_first: bool = False,
                      concurrency: int = 4, queues: list[str] | None = None,
                      pool: str = "threads") -> list[Worker]:
        """Start ``count`` workers at once and wait until all consume.

        They serve ``queues`` (default: the incoming queue and the sink's
        send queue) with ``concurrency`` threads (or processes: ``pool``).
        """
        started = []
        for index in range(count):
            name = f"w{len(self.workers) + 1}"
            worker = Worker(name, self.worker_env(), queues or self.queues, self.log_dir,
                            concurrency=concurrency, beat=beat_on_first and index == 0,
                            pool=pool)
            self.workers.append(worker)
            started.append(worker.launch())
        for worker in started:
            worker.wait_ready()
        return started

    def post(self, messages: Sequence[tuple[str, str]], threads: int = 8) -> list[int]:
        """POST ``(identity, text)`` pairs to the inbound endpoint; return the status codes."""
        url = f"{self.inbound.url}/inbound/"
        sessions: dict[int, requests.Session] = {}

        def one(item: tuple[int, tuple[str, str]]) -> int:
            index, (identity, text) = item
            session = sessions.setdefault(threading.get_ident(), requests.Session())
            answer = session.post(url, data={"from": identity, "text": text, "id": f"in-{index}"},
                                  timeout=30)
            return answer.status_code

        with ThreadPoolExecutor(threads) as pool:
            return list(pool.map(one, enumerate(messages)))

    def wait_finished(self, expected_incoming: int, timeout: float) -> None:
        """Wait until every incoming message is finished and no transmission is pending."""
        from django.db.models import Count

        from rapidsms.router.db.models import Transmission

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            incoming = Transmission.objects.filter(direction="I").count()
            pending = Transmission.objects.filter(status__in=UNFINISHED).count()
            if incoming >= expected_incoming and pending == 0:
                return
            time.sleep(0.2)
        counts = dict(
            Transmission.objects.values_list("status").annotate(n=Count("pk")).order_by()
        )
        logs = "\n".join(f"--- {w.name}\n{w.log_tail(15)}" for w in self.workers)
        raise AssertionError(f"not finished within {timeout}s: {counts}\n{logs}")

    def close(self) -> None:
        """Stop every worker, the sink, and delete this run's queues."""
        for worker in self.workers:
            worker.stop()
        self.inbound.stop()
        self.db_settings["CONN_MAX_AGE"] = self.previous_max_age
        self.sink.stop()
        self.delete_queues()

    def delete_queues(self) -> None:
        from tests.durable.celery_app import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
                for name in self.queues:
                    channel = conn.channel()
                    try:
                        channel.queue_delete(name)
                    except Exception:
                        pass
                    finally:
                        channel.close()
        except Exception:
            pass  # a broker that is gone keeps nothing

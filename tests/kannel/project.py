"""Our side of the Kannel tests: the project under gunicorn and a Celery worker.

Kannel's smsbox calls the project's inbound URL on a real gunicorn; the
durable router (``CeleryRouter``) stores each message, and a real ``celery
worker`` routes it and sends the replies to Kannel's sendsms interface. The
three processes share the test database (PostgreSQL) and a broker.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

from tests.durable.pipeline import database_url
from tests.durable.processes import REPO_ROOT, Worker, free_port, missing, reachable, wait_until

ENGINE = "rapidsms.backends.kannel.KannelBackend"
#: The backend whose sendsms password is wrong, to see Kannel refuse it.
WRONG_PASSWORD_BACKEND = "kannel-wrong-password"


def kannel_backends(sendsms_url: str, password: str, site_url: str,
                    token: str) -> dict[str, dict[str, Any]]:
    """Return ``INSTALLED_BACKENDS``: Kannel as documented, and one with a wrong password."""

    def backend(sendsms_password: str) -> dict[str, Any]:
        return {
            "ENGINE": ENGINE,
            "sendsms_url": sendsms_url,
            "sendsms_params": {"username": "rapidsms", "password": sendsms_password,
                               "from": "1234"},
            "delivery_report_url": site_url,
            "inbound_secrets": [token],
        }

    return {"kannel": backend(password),
            WRONG_PASSWORD_BACKEND: backend(f"not-{password}")}


class Project:
    """The project served by gunicorn on 127.0.0.1, and one Celery worker with beat."""

    def __init__(self, broker: str, log_dir: Path, token: str) -> None:
        self.broker = broker
        self.log_dir = log_dir
        self.token = token
        self.port = free_port()
        prefix = f"k{uuid.uuid4().hex[:8]}"
        self.incoming_queue = f"{prefix}.incoming"
        self.send_prefix = f"{prefix}.send."
        self.queues = [self.incoming_queue, f"{self.send_prefix}kannel",
                       f"{self.send_prefix}{WRONG_PASSWORD_BACKEND}"]
        self.gunicorn: subprocess.Popen[bytes] | None = None
        self.worker: Worker | None = None
        self.sendsms_url = ""
        self.sendsms_password = ""

    @property
    def site_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def backends(self) -> dict[str, dict[str, Any]]:
        return kannel_backends(self.sendsms_url, self.sendsms_password, self.site_url, self.token)

    def env(self) -> dict[str, str]:
        return {
            "DJANGO_SETTINGS_MODULE": "tests.kannel.settings",
            "DATABASE_URL": database_url(),
            "CELERY_BROKER_URL": self.broker,
            "RAPIDSMS_INCOMING_QUEUE": self.incoming_queue,
            "RAPIDSMS_SEND_QUEUE_PREFIX": self.send_prefix,
            "RAPIDSMS_TEST_VISIBILITY": "5",
            "RAPIDSMS_TEST_SENDSMS_URL": self.sendsms_url,
            "RAPIDSMS_TEST_SENDSMS_PASSWORD": self.sendsms_password,
            "RAPIDSMS_TEST_SITE_URL": self.site_url,
            "RAPIDSMS_TEST_KANNEL_TOKEN": self.token,
            "PYTHONPATH": str(REPO_ROOT),
        }

    def launch(self, sendsms_url: str, sendsms_password: str) -> Project:
        """Start gunicorn and the worker without waiting for them."""
        self.sendsms_url, self.sendsms_password = sendsms_url, sendsms_password
        gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
        if gunicorn is None:
            missing("gunicorn is not installed (pip install -e .[test])")
        with open(self.log_dir / "gunicorn.out", "ab") as output:
            self.gunicorn = subprocess.Popen(
                [str(gunicorn), "--workers", "2", "--bind", f"127.0.0.1:{self.port}",
                 "--error-logfile", "-", "django.core.wsgi:get_wsgi_application()"],
                cwd=REPO_ROOT, env={**os.environ, **self.env()}, stdout=output,
                stderr=subprocess.STDOUT, start_new_session=True,
            )
        self.worker = Worker("kannel-worker", self.env(), self.queues, self.log_dir,
                             concurrency=4, beat=True).launch()
        return self

    def wait_ready(self) -> Project:
        assert self.gunicorn is not None and self.worker is not None

        def serving() -> bool:
            assert self.gunicorn is not None
            if self.gunicorn.poll() is not None:
                raise AssertionError(f"gunicorn exited:\n{self.gunicorn_log()}")
            return reachable(self.site_url, self.port)

        wait_until(serving, 60, message=f"gunicorn did not start:\n{self.gunicorn_log()}")
        self.worker.wait_ready(60)
        return self

    def restart_worker(self) -> None:
        assert self.worker is not None
        self.worker.stop()
        self.worker.start(60)

    def stop(self) -> None:
        if self.worker is not None:
            self.worker.stop()
        if self.gunicorn is not None and self.gunicorn.poll() is None:
            os.killpg(self.gunicorn.pid, signal.SIGTERM)
            try:
                self.gunicorn.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.gunicorn.pid, signal.SIGKILL)
                self.gunicorn.wait(10)

    def gunicorn_log(self, lines: int = 40) -> str:
        try:
            text = (self.log_dir / "gunicorn.out").read_text(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])

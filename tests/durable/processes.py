"""Start and stop the real processes of the durable tests: Celery workers, a Redis server.

Every process is started in its own session so that a test can kill it with
all its children (``SIGKILL`` to the process group), as a crashed machine
would, and so that teardown leaves nothing running.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def services_required() -> bool:
    """Return True when a missing service must fail the test instead of skipping it."""
    return os.environ.get("RAPIDSMS_REQUIRE_SERVICES") == "1"


def missing(reason: str) -> None:
    """Skip the test, or fail it under ``RAPIDSMS_REQUIRE_SERVICES=1``."""
    if services_required():
        pytest.fail(f"{reason} (RAPIDSMS_REQUIRE_SERVICES=1 requires it)", pytrace=False)
    pytest.skip(reason)


def reachable(url: str, default_port: int) -> bool:
    """Return True when something listens at the host and port of ``url``."""
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or default_port),
                                      timeout=1):
            return True
    except OSError:
        return False


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, interval: float = 0.1, message: str = "") -> None:
    """Poll ``predicate`` until it is true; fail the test after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(interval)
    if not predicate():
        pytest.fail(message or f"condition not met within {timeout}s", pytrace=False)


class Worker:
    """One ``celery worker`` with the thread pool (or ``pool``: ``prefork``, ``solo``)."""

    def __init__(self, name: str, env: dict[str, str], queues: list[str], log_dir: Path,
                 concurrency: int = 4, beat: bool = False, pool: str = "threads") -> None:
        self.name = name
        self.env = env
        self.queues = queues
        self.log_path = log_dir / f"{name}.log"
        self.ready_path = log_dir / f"{name}.ready"
        self.schedule_path = log_dir / f"{name}-beat-schedule"
        self.concurrency = concurrency
        self.beat = beat
        self.pool = pool
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 30) -> Worker:
        """Start the worker and wait until it consumes from its queues."""
        return self.launch().wait_ready(timeout)

    def launch(self) -> Worker:
        """Start the worker process without waiting for it."""
        self.ready_path.unlink(missing_ok=True)
        command = self.command()
        env = {**os.environ, **self.env, "RAPIDSMS_TEST_READY_FILE": str(self.ready_path),
               "PYTHONPATH": str(REPO_ROOT)}
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        log.close()
        return self

    def command(self) -> list[str]:
        """Return the command line that starts the process."""
        command = [
            sys.executable, "-m", "celery", "-A", "tests.durable.celery_app", "worker",
            "-P", self.pool, "-c", str(self.concurrency), "-Q", ",".join(self.queues),
            "-n", f"{self.name}@%h", "-l", "WARNING",
            "--without-gossip", "--without-mingle", "--without-heartbeat",
        ]
        if self.beat:
            command += ["-B", "-s", str(self.schedule_path)]
        return command

    def wait_ready(self, timeout: float = 30) -> Worker:
        """Wait until the worker consumes from its queues; fail the test if it does not."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while not self.ready_path.exists():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                pytest.fail(f"worker {self.name} did not start:\n{self.log_tail()}",
                            pytrace=False)
            time.sleep(0.05)
        return self

    def pause_pool(self) -> None:
        """Stop the pool's processes (SIGSTOP), as a long task would keep them busy.

        The worker's main process still takes tasks from the broker, and
        holds them until a pool process is free. Nothing with the thread pool.
        """
        if not self.proc or self.proc.poll() is not None:
            return
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children")
        for pid in children.read_text().split() if children.exists() else []:
            os.kill(int(pid), signal.SIGSTOP)

    def kill(self) -> None:
        """Kill the worker and its children at once, as a crash would (SIGKILL)."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self, grace: float = 3) -> None:
        """Stop the worker: SIGTERM, then SIGKILL after ``grace`` seconds.

        The tests do not wait for a slow warm shutdown: whatever the worker
        was doing is redelivered, which is safe because every task is idempotent.
        """
        if not self.proc or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        except ProcessLookupError:
            pass

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"


class Beat(Worker):
    """``celery beat`` on its own, as a deployment runs it (one for the whole deployment)."""

    def __init__(self, name: str, env: dict[str, str], log_dir: Path) -> None:
        env = {**env, "RAPIDSMS_TEST_STANDALONE_BEAT": "1"}
        super().__init__(name, env, [], log_dir, concurrency=0)

    def command(self) -> list[str]:
        return [
            sys.executable, "-m", "celery", "-A", "tests.durable.celery_app", "beat",
            "-s", str(self.schedule_path), "-l", "WARNING",
        ]


class RedisServer:
    """A throwaway ``redis-server`` without persistence, so a restart loses every queued task."""

    def __init__(self, log_dir: Path) -> None:
        self.binary = shutil.which("redis-server")
        self.port = free_port()
        self.log_path = log_dir / "redis.log"
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        assert self.binary, "redis-server is not installed"
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(
            [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--protected-mode", "no"],
            stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        log.close()
        wait_until(lambda: reachable(self.url, self.port), 10, message="redis-server did not start")
        return self

    def kill(self) -> None:
        """Crash the server: everything queued in it is gone."""
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    stop = kill

"""Run the example project as ``make demo`` does: its commands, and ``runserver`` on loopback."""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

EXAMPLE_DIR = Path(__file__).resolve().parents[2] / "example"
_CSRF_TOKEN = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def manage(db_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run ``manage.py <args>`` of the example project on ``db_path``."""
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=EXAMPLE_DIR,
        env=example_env(db_path),
        capture_output=True,
        text=True,
        timeout=120,
    )


def example_env(db_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    # pytest-django exported the test suite's settings; the example has its own.
    env["DJANGO_SETTINGS_MODULE"] = "example_project.settings"
    env["EXAMPLE_DB_PATH"] = str(db_path)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def csrf_token(html: str) -> str:
    match = _CSRF_TOKEN.search(html)
    assert match, "no CSRF token in the page:\n" + html
    return match.group(1)


def migrated_database(tmp_path_factory: pytest.TempPathFactory, db_path: Path) -> Path:
    """Write a migrated example database to ``db_path``, as ``make demo``'s first step does.

    The migrations run once per test session, into a template that is copied.
    """
    template = tmp_path_factory.getbasetemp() / "example-migrated.sqlite3"
    if not template.exists():
        building = template.with_suffix(".building")
        result = manage(building, "migrate", "--noinput")
        assert result.returncode == 0, result.stdout + result.stderr
        building.rename(template)
    shutil.copyfile(template, db_path)
    return db_path


def prepare_database(tmp_path_factory: pytest.TempPathFactory, db_path: Path) -> None:
    """Migrate ``db_path`` and create the demo login, as ``make demo`` does."""
    migrated_database(tmp_path_factory, db_path)
    result = manage(db_path, "demo_setup")
    assert result.returncode == 0, result.stdout + result.stderr


@contextmanager
def serve_example(db_path: Path, log_path: Path) -> Iterator[str]:
    """Serve the example project on a free loopback port; yield its base URL."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    with open(log_path, "w") as log:
        process = subprocess.Popen(
            [sys.executable, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
            cwd=EXAMPLE_DIR,
            env=example_env(db_path),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_until_serving(base_url, process, log_path)
        yield base_url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def wait_until_serving(base_url: str, process: subprocess.Popen, log_path: Path) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail("runserver exited early:\n" + log_path.read_text())
        try:
            requests.get(base_url + "/login/", timeout=1)
            return
        except requests.ConnectionError:
            time.sleep(0.1)
    pytest.fail("runserver did not answer within 30 s:\n" + log_path.read_text())

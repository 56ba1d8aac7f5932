"""Under a real gunicorn: a charset Django cannot read is 400, and no URL reaches the log.

Before, ``charset=punycode`` (or ``idna``, ``base64``...) made Django raise
while it built the request, gunicorn answered 500 and wrote the full URL,
token included, to its error log. The server is started on 127.0.0.1 for
each test and stopped at its end.
"""

from __future__ import annotations

import http.client
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from rapidsms.testing.fake_gateway import unused_port
from tests.backends.gunicorn_settings import TOKEN

ROOT = Path(__file__).resolve().parents[2]
CHARSETS = ["punycode", "idna", "base64", "rot13", "undefined", "zlib"]
QUERY = f"token={TOKEN}&identity=%2B15550000001&text=caf%C3%A9&x=a..b-%FF"


def start_gunicorn(port: int, error_log: Path, middleware: bool) -> subprocess.Popen[bytes]:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent))
    if gunicorn is None:
        pytest.skip("gunicorn is not installed (pip install -e .[test])")
    env = {key: value for key, value in os.environ.items() if key != "DATABASE_URL"}
    env.update(DJANGO_SETTINGS_MODULE="tests.backends.gunicorn_settings",
               RAPIDSMS_TEST_ENCODING_MIDDLEWARE="1" if middleware else "0")
    return subprocess.Popen(
        [gunicorn, "--workers", "1", "--bind", f"127.0.0.1:{port}", "--pythonpath", str(ROOT),
         "--error-logfile", str(error_log), "--log-level", "info",
         "django.core.wsgi:get_wsgi_application()"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def wait_for(port: int, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise RuntimeError("gunicorn exited while starting")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start within a minute")


class Server:
    """A gunicorn serving the test project on 127.0.0.1; :meth:`stop` ends it."""

    def __init__(self, tmp_path: Path, middleware: bool) -> None:
        self.port, self.error_log = unused_port(), tmp_path / "gunicorn-error.log"
        self.middleware = middleware
        self.process = start_gunicorn(self.port, self.error_log, middleware)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


@pytest.fixture(params=[True, False], ids=["with-middleware", "without-middleware"])
def served(request: Any, tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path, request.param)
    try:
        wait_for(server.port, server.process)
        yield server
    finally:
        server.stop()


def ask(port: int, method: str, path: str, charset: str) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request(method, f"{path}?{QUERY}", body=b"identity=%2B15550000001&text=hi",
                           headers={"Content-Type":
                                    f"application/x-www-form-urlencoded; charset={charset}"})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def test_an_unreadable_charset_is_400_and_the_token_stays_out_of_the_error_log(
    served: Server,
) -> None:
    answers = []
    for charset in CHARSETS:
        for method in ("GET", "POST"):
            status, body = ask(served.port, method, "/backends/gw/", charset)
            answers.append(status)
            assert status == 400, (charset, method, body[:200])
            assert b"charset" in body
            for page in ("/", "/admin/login/"):
                status, body = ask(served.port, method, page, charset)
                answers.append(status)
                assert status < 500, (charset, method, page, body[:200])
                if served.middleware:
                    assert status == 400, (charset, method, page, body[:200])
    assert len(answers) == len(CHARSETS) * 2 * 3
    served.stop()  # gunicorn has written and closed its log
    log = served.error_log.read_text(encoding="utf-8", errors="replace")
    assert "Booting worker" in log  # the log is the one gunicorn wrote
    assert TOKEN not in log
    assert "Error handling request" not in log

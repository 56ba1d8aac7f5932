"""The gateways' HTTP session reads the environment's proxy settings once per host."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
import requests.utils

from rapidsms.backends.sessions import GatewaySession


class Recorder:
    """An HTTP server on 127.0.0.1 that answers 200 and records each request line."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the http.server API)
                recorder.lines.append(self.requestline)
                self.send_response(200)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(autouse=True)
def no_proxy_settings(monkeypatch):
    """Start each test from an environment without proxy settings."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "REQUESTS_CA_BUNDLE",
                 "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


@pytest.fixture
def recorder():
    server = Recorder()
    yield server
    server.close()


def test_a_proxy_from_the_environment_is_used(recorder, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", recorder.url)

    answer = GatewaySession().get("http://gateway.example/send?to=1", timeout=5)

    assert answer.status_code == 200
    assert recorder.lines == ["GET http://gateway.example/send?to=1 HTTP/1.1"]


def test_no_proxy_from_the_environment_is_honoured(recorder, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")

    answer = GatewaySession().get(f"{recorder.url}/send", timeout=5)

    assert answer.status_code == 200
    assert recorder.lines == ["GET /send HTTP/1.1"]


def test_the_environment_is_read_once_per_host(recorder, monkeypatch):
    calls: list[str] = []
    real = requests.utils.get_environ_proxies

    def counting(url: str, no_proxy: Any = None) -> dict[str, str]:
        calls.append(url)
        return real(url, no_proxy=no_proxy)

    monkeypatch.setattr(requests.utils, "get_environ_proxies", counting)
    session = GatewaySession()
    for number in range(3):
        session.get(f"{recorder.url}/send?n={number}", timeout=5)

    assert len(recorder.lines) == 3
    assert len(calls) == 1


def test_a_ca_bundle_from_the_environment_is_used(monkeypatch):
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/ssl/gateway-ca.pem")
    session = GatewaySession()

    found = session.merge_environment_settings("https://gateway.example/", {}, None, None, None)
    assert found["verify"] == "/etc/ssl/gateway-ca.pem"
    given = session.merge_environment_settings("https://gateway.example/", {}, None, False, None)
    assert given["verify"] is False

"""A fake gateway: a real HTTP server on 127.0.0.1, in a thread of the test process.

It records every request and answers as the test tells it, so outgoing
tests exercise the real ``requests`` session, sockets and timeouts::

    with FakeGateway() as gateway:
        gateway.answer = lambda request: Answer(503, "busy")
        backend.send(...)
        assert gateway.requests[0].form["to"] == "+15550001"
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit


@dataclass
class RecordedRequest:
    """One request the gateway received."""

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    client_port: int = 0

    @property
    def form(self) -> dict[str, str]:
        """The URL-encoded body (or, for GET, the query) as a dict of single values."""
        if self.method == "GET":
            return self.query
        return _single(parse_qs(self.body.decode("utf-8"), keep_blank_values=True))

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def fields(self) -> dict[str, Any]:
        """The request's parameters, whatever way they were sent."""
        if self.headers.get("content-type", "").startswith("application/json"):
            return self.json
        return self.form


@dataclass
class Answer:
    """How the gateway answers: status and body, after ``delay`` seconds.

    ``drop`` closes the connection without answering, as a crashing gateway does.
    """

    status: int = 200
    body: str = "OK"
    delay: float = 0.0
    drop: bool = False
    headers: dict[str, str] = field(default_factory=dict)


class FakeGateway:
    """An HTTP server on a free port of 127.0.0.1 that records and answers requests."""

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self.answer: Callable[[RecordedRequest], Answer] = lambda request: Answer()
        self._lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                recorded = RecordedRequest(
                    method=self.command,
                    path=parts.path,
                    query=_single(parse_qs(parts.query, keep_blank_values=True)),
                    headers={key.lower(): value for key, value in self.headers.items()},
                    body=body,
                    client_port=self.client_address[1],
                )
                with gateway._lock:
                    gateway.requests.append(recorded)
                answer = gateway.answer(recorded)
                if answer.delay:
                    time.sleep(answer.delay)
                if answer.drop:
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                payload = answer.body.encode("utf-8")
                self.send_response(answer.status)
                for key, value in answer.headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            do_GET = do_POST = do_PUT = _handle

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/send"

    def start(self) -> FakeGateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def __enter__(self) -> FakeGateway:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def unused_port() -> int:
    """Return a port of 127.0.0.1 that nothing listens on (connections are refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _single(parsed: dict[str, list[str]]) -> dict[str, str]:
    return {key: values[0] if len(values) == 1 else values for key, values in parsed.items()}

"""A stand-in SMS gateway on 127.0.0.1: counts what it receives, fails when told to.

It answers ``POST /send`` with a JSON body ``{"id", "to", "text"}``:

* 200 ``{"message_id": "gw-<n>"}`` normally;
* 500 (or what ``fail_status`` says) while ``failures_left`` is above zero;
* 400 ``{"error": "invalid destination"}`` for a text containing ``reject``;
* for a text containing a word given to :meth:`Sink.stall`: nothing until
  :meth:`Sink.release` (a gateway that takes the message and is slow to
  answer), then 200;
* for a text containing a word given to :meth:`Sink.refuse`: that status.
"""

from __future__ import annotations

import json
import threading
from collections import Counter
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class Sink:
    """A threaded HTTP server that records every message it accepts."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.accepted: list[dict[str, Any]] = []
        self.refused = 0
        self.failures_left = 0
        self.fail_status = 500
        self.retry_after: str | None = None
        self.stall_word: str | None = None
        self.stalled: list[dict[str, Any]] = []
        self.released = threading.Event()
        self.refused_words: dict[str, int] = {}
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler_class())
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}/send"

    def start(self) -> Sink:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def fail_next(self, count: int, status: int = 500, retry_after: str | None = None) -> None:
        """Answer the next ``count`` requests with ``status``."""
        with self.lock:
            self.failures_left = count
            self.fail_status = status
            self.retry_after = retry_after

    def stall(self, word: str) -> None:
        """Hold the answer to every request whose text contains ``word`` until :meth:`release`."""
        self.released.clear()
        self.stall_word = word

    def release(self) -> None:
        """Answer the held requests (and those to come) with 200."""
        self.stall_word = None
        self.released.set()

    def refuse(self, word: str, status: int | None = 503) -> None:
        """Answer texts containing ``word`` with ``status``; ``None`` stops refusing them."""
        with self.lock:
            if status is None:
                self.refused_words.pop(word, None)
            else:
                self.refused_words[word] = status

    def counts(self) -> Counter:
        """Return how often each ``(message id, identity)`` was accepted."""
        with self.lock:
            return Counter((item["id"], item["to"]) for item in self.accepted)

    def texts(self) -> Counter:
        """Return how often each ``(identity, text)`` was accepted."""
        with self.lock:
            return Counter((item["to"], item["text"]) for item in self.accepted)

    def _decide(self, body: dict[str, Any]) -> tuple[int, dict[str, Any], dict[str, str]]:
        text = str(body.get("text", ""))
        if self.stall_word and self.stall_word in text:
            with self.lock:
                self.stalled.append(body)
            self.released.wait(120)  # the message arrived; the answer is late
        with self.lock:
            for word, status in self.refused_words.items():
                if word in text:
                    self.refused += 1
                    return status, {"error": "gateway overloaded"}, {}
            if self.failures_left > 0:
                self.failures_left -= 1
                self.refused += 1
                headers = {"Retry-After": self.retry_after} if self.retry_after else {}
                return self.fail_status, {"error": "gateway overloaded"}, headers
            if "reject" in str(body.get("text", "")):
                self.refused += 1
                return 400, {"error": "invalid destination"}, {}
            self.accepted.append(body)
            return 200, {"message_id": f"gw-{len(self.accepted)}"}, {}

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        sink = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body go in two writes; without this, Nagle's algorithm
            # and the client's delayed ACK add 40 ms to every answer.
            disable_nagle_algorithm = True

            def do_POST(self) -> None:  # noqa: N802 (the http.server API)
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                if len(raw) < length:
                    # The sender died between its headers and its body (a worker
                    # killed mid-send): there is no message, and nobody to answer.
                    self.close_connection = True
                    return
                try:
                    body = json.loads(raw or b"{}")
                except ValueError:
                    status, answer, headers = 400, {"error": "not JSON"}, {}
                else:
                    status, answer, headers = sink._decide(body)
                payload = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output readable

        return Handler

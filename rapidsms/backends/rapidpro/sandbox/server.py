"""The sandbox's HTTP server: API v2 over a real socket on the loopback interface.

What it answers like RapidPro: token authentication (``Authorization: Token
...``, 403 ``{"detail": "Invalid token"}`` otherwise), ``.json`` endpoints,
cursor pagination (250 items a page, newest first, an absolute ``next``
link), 400 with per-field errors, 404 ``{"detail": "Not found."}``, and 429
with ``Retry-After`` once more than ``rate_limit`` requests arrive within
``rate_window`` seconds. On top of that, for tests and local work:

* ``fail_next(...)`` and ``delay_next(...)`` make the next matching requests
  fail or answer late (a delay can come after the request was carried out,
  the case where a client cannot know what happened);
* ``requests`` records every API request, and ``count(...)`` counts them;
* ``POST /sandbox/receive.json`` (no token) records an incoming message and
  delivers it to the resthook subscribers and the flow webhook, as a flow
  would.
"""

from __future__ import annotations

import base64
import json
import logging
import math
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

from rapidsms.backends.rapidpro.sandbox.workspace import (
    SENT_STATUSES,
    NotFound,
    SandboxWorkspace,
    ValidationFailed,
)
from rapidsms.backends.rapidpro.types import format_datetime, parse_datetime

logger = logging.getLogger("rapidsms.backends.rapidpro.sandbox")

PAGE_SIZE = 250
#: The endpoints the sandbox answers (under /api/v2/, with .json).
ENDPOINTS = frozenset({
    "workspace", "org", "messages", "broadcasts", "contacts", "resthooks",
    "resthook_subscribers",
})


@dataclass
class RecordedRequest:
    """One API request the sandbox answered."""

    method: str
    endpoint: str
    query: dict[str, str]
    body: Any
    status: int


@dataclass
class Fault:
    """A planned failure or delay for the next ``count`` matching requests."""

    count: int
    method: str | None
    endpoint: str | None
    status: int | None = None
    retry_after: float | None = None
    delay: float = 0.0
    after_processing: bool = True

    def matches(self, method: str, endpoint: str) -> bool:
        return (self.method in (None, method)) and (self.endpoint in (None, endpoint))


class Sandbox:
    """A local RapidPro API server; use it as a context manager or call start()/stop().

    ::

        with Sandbox(token="secret") as sandbox:
            client = RapidProClient(sandbox.url, "secret")
    """

    def __init__(
        self,
        *,
        token: str = "sandbox-token",
        shape: str = "current",
        host: str = "127.0.0.1",
        port: int = 0,
        rate_limit: int | None = None,
        rate_window: float = 3600.0,
        country: str = "RW",
        flow_webhook_url: str | None = None,
        flow_webhook_headers: dict[str, str] | None = None,
    ) -> None:
        self.tokens = {token}
        self.workspace = SandboxWorkspace(shape=shape, country=country)
        self.rate_limit = rate_limit
        self.rate_window = rate_window
        self.flow_webhook_url = flow_webhook_url
        self.flow_webhook_headers = dict(flow_webhook_headers or {})
        self.requests: list[RecordedRequest] = []
        self._hits: deque[float] = deque()
        self._faults: list[Fault] = []
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer((host, port), _Handler)
        self._server.daemon_threads = True
        self._server.sandbox = self  # type: ignore[attr-defined]
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The server's root URL (give it to the client or the backend as ``url``)."""
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def shape(self) -> str:
        return self.workspace.shape

    def start(self) -> Sandbox:
        """Serve in a background thread; return self."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._server.serve_forever,
                kwargs={"poll_interval": 0.05},  # a quick stop() matters in tests
                name="rapidpro-sandbox",
                daemon=True,
            )
            self._thread.start()
        return self

    def serve_forever(self) -> None:
        """Serve in the calling thread until interrupted."""
        self._server.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._thread is not None:
            self._server.shutdown()
            self._thread.join()
            self._thread = None
        self._server.server_close()

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # Test controls ---------------------------------------------------------

    def fail_next(
        self,
        status: int = 503,
        *,
        count: int = 1,
        retry_after: float | None = None,
        method: str | None = None,
        endpoint: str | None = None,
    ) -> None:
        """Answer the next ``count`` matching requests with ``status`` without acting."""
        with self._lock:
            self._faults.append(Fault(count, method, endpoint, status, retry_after))

    def delay_next(
        self,
        seconds: float,
        *,
        count: int = 1,
        method: str | None = None,
        endpoint: str | None = None,
        after_processing: bool = True,
    ) -> None:
        """Answer the next ``count`` matching requests ``seconds`` late.

        With ``after_processing`` the request is carried out first, so a
        client that gives up waiting cannot know it happened.
        """
        with self._lock:
            self._faults.append(
                Fault(count, method, endpoint, delay=seconds, after_processing=after_processing)
            )

    def count(
        self, method: str | None = None, endpoint: str | None = None, status: int | None = None
    ) -> int:
        """Count the recorded requests matching the given method, endpoint and status."""
        with self._lock:
            return sum(
                1
                for r in self.requests
                if method in (None, r.method)
                and endpoint in (None, r.endpoint)
                and status in (None, r.status)
            )

    def reset_requests(self) -> None:
        """Forget the recorded requests and the rate-limit history."""
        with self._lock:
            self.requests.clear()
            self._hits.clear()

    def received_urns(self) -> list[str]:
        """Return the URN of every outgoing message the workspace holds, in order."""
        with self.workspace.lock:
            return [m.urn for m in self.workspace.messages if m.direction == "out"]

    def receive(self, urn: str, text: str, **kwargs: Any) -> dict[str, Any]:
        """Record an incoming message and deliver it to subscribers and the flow webhook.

        Return ``{"message": ..., "deliveries": [(url, status or error), ...]}``.
        """
        message = self.workspace.receive(urn, text, **kwargs)
        deliveries = []
        if message.status == "handled":
            deliveries = self.deliver(message)
        return {"message": self.workspace.render_message(message), "deliveries": deliveries}

    def deliver(self, message: Any) -> list[tuple[str, Any]]:
        """Post ``message`` to every resthook subscriber and to the flow webhook, if set."""
        targets: list[tuple[str, dict[str, Any], dict[str, str]]] = []
        payload = self.workspace.resthook_payload(message)
        for subscriber in list(self.workspace.subscribers):
            targets.append((subscriber.target_url, payload, {}))
        if self.flow_webhook_url:
            headers = {"X-Idempotency-Key": message.uuid, **self.flow_webhook_headers}
            targets.append(
                (self.flow_webhook_url, self.workspace.flow_webhook_body(message), headers)
            )
        results: list[tuple[str, Any]] = []
        for url, body, headers in targets:
            try:
                answer = requests.post(url, json=body, headers=headers, timeout=15)
                results.append((url, answer.status_code))
            except requests.RequestException as exc:
                results.append((url, f"{type(exc).__name__}: {exc}"))
        return results

    # Request handling --------------------------------------------------------

    def _take_fault(self, method: str, endpoint: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.matches(method, endpoint):
                    fault.count -= 1
                    if fault.count <= 0:
                        self._faults.remove(fault)
                    return fault
        return None

    def _throttle(self) -> float | None:
        """Count one request; return the seconds to wait when over the limit."""
        if self.rate_limit is None:
            return None
        with self._lock:
            moment = time.monotonic()
            while self._hits and self._hits[0] <= moment - self.rate_window:
                self._hits.popleft()
            if len(self._hits) >= self.rate_limit:
                return max(1.0, math.ceil(self._hits[0] + self.rate_window - moment))
            self._hits.append(moment)
            return None

    def _record(self, method: str, endpoint: str, query: dict[str, str], body: Any,
                status: int) -> None:
        with self._lock:
            self.requests.append(RecordedRequest(method, endpoint, query, body, status))

    def handle(
        self, method: str, path: str, query: dict[str, str], headers: Any, body: Any
    ) -> tuple[int, Any, dict[str, str], float]:
        """Answer one request: return (status, JSON body, headers, delay after acting)."""
        if path.rstrip("/") == "/sandbox/receive.json" and method == "POST":
            return self._control_receive(body)
        prefix = "/api/v2/"
        if not path.startswith(prefix) or not path.endswith(".json"):
            return 404, {"detail": "Not found."}, {}, 0.0
        endpoint = path[len(prefix) : -len(".json")]
        if not self._authenticated(headers):
            detail = "Invalid token" if headers.get("Authorization") else (
                "Authentication credentials were not provided."
            )
            self._record(method, endpoint, query, body, 403)
            return 403, {"detail": detail}, {}, 0.0
        fault = self._take_fault(method, endpoint)
        if fault is not None and fault.status is not None:
            extra = {} if fault.retry_after is None else {"Retry-After": f"{fault.retry_after:g}"}
            self._record(method, endpoint, query, body, fault.status)
            return fault.status, {"detail": "Sandbox fault."}, extra, 0.0
        if fault is not None and not fault.after_processing:
            time.sleep(fault.delay)
        wait = self._throttle()
        if wait is not None:
            self._record(method, endpoint, query, body, 429)
            detail = f"Request was throttled. Expected available in {wait:g} seconds."
            return 429, {"detail": detail}, {"Retry-After": f"{wait:g}"}, 0.0
        try:
            status, data = self._dispatch(method, endpoint, query, body)
        except ValidationFailed as exc:
            status, data = 400, exc.errors
        except NotFound:
            status, data = 404, {"detail": "Not found."}
        self._record(method, endpoint, query, body, status)
        delay = fault.delay if fault is not None and fault.after_processing else 0.0
        return status, data, {}, delay

    def _authenticated(self, headers: Any) -> bool:
        scheme, _, credentials = (headers.get("Authorization") or "").partition(" ")
        if scheme.lower() == "token":
            return credentials.strip() in self.tokens
        if scheme.lower() == "basic":
            try:
                decoded = base64.b64decode(credentials).decode()
            except (ValueError, UnicodeDecodeError):
                return False
            return decoded.partition(":")[2] in self.tokens
        return False

    def _control_receive(self, body: Any) -> tuple[int, Any, dict[str, str], float]:
        if not isinstance(body, dict) or not body.get("urn") or "text" not in body:
            return 400, {"error": "Post {\"urn\": ..., \"text\": ...}."}, {}, 0.0
        try:
            result = self.receive(str(body["urn"]), str(body["text"]))
        except ValueError:
            return 400, {"error": f"Invalid URN: {body['urn']}"}, {}, 0.0
        return 201, result, {}, 0.0

    def _dispatch(
        self, method: str, endpoint: str, query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        ws = self.workspace
        if endpoint not in ENDPOINTS:
            raise NotFound()
        if method == "POST" and not isinstance(body, dict):
            raise ValidationFailed({"non_field_errors": ["Invalid data. Expected a dictionary."]})
        if endpoint in ("workspace", "org") and method == "GET":
            return 200, ws.render_workspace()
        if endpoint == "messages":
            if method == "GET":
                return 200, self._page(endpoint, query, self._messages(query), ws.render_message)
            if method == "POST":
                return 201, ws.render_message(ws.create_message(body))
        if endpoint == "broadcasts":
            if method == "GET":
                items = self._broadcasts(query)
                return 200, self._page(endpoint, query, items, ws.render_broadcast)
            if method == "POST":
                return 201, ws.render_broadcast(ws.create_broadcast(body))
        if endpoint == "contacts":
            return self._contacts(method, query, body)
        if endpoint == "resthooks" and method == "GET":
            hooks = [
                {"resthook": slug, "created_on": format_datetime(on),
                 "modified_on": format_datetime(on)}
                for slug, on in ws.resthooks.items()
            ]
            return 200, {"next": None, "previous": None, "results": hooks}
        if endpoint == "resthook_subscribers":
            return self._subscribers(method, query, body)
        raise NotFound()

    def _messages(self, query: dict[str, str]) -> list[Any]:
        ws = self.workspace
        with ws.lock:
            items = list(ws.messages)
        folder = query.get("folder")
        if folder is not None:
            folders = {
                "inbox": lambda m: m.direction == "in" and m.status == "handled" and not m.flow,
                "flows": lambda m: m.direction == "in" and m.status == "handled" and m.flow,
                "archived": lambda m: m.visibility == "archived",
                "outbox": lambda m: m.direction == "out" and m.status in ("pending", "queued"),
                "sent": lambda m: m.direction == "out" and m.status in SENT_STATUSES,
                "failed": lambda m: m.direction == "out" and m.status == "failed",
            }
            if ws.shape == "v9":
                folders["incoming"] = lambda m: m.direction == "in" and m.status == "handled"
            keep = folders.get(folder.lower())
            items = [m for m in items if keep(m)] if keep else []
        else:
            items = [m for m in items if m.status != "pending"]
        key = "uuid" if ws.shape == "current" else "id"
        if query.get(key):
            items = [m for m in items if str(getattr(m, key)) == query[key]]
        if query.get("broadcast"):
            items = [m for m in items if str(m.broadcast_id) == query["broadcast"]]
        if query.get("contact"):
            items = [m for m in items if m.contact.uuid == query["contact"]]
        return _between(items, query)

    def _broadcasts(self, query: dict[str, str]) -> list[Any]:
        ws = self.workspace
        with ws.lock:
            items = list(ws.broadcasts)
        key = "uuid" if ws.shape == "current" else "id"
        if query.get(key):
            items = [b for b in items if str(getattr(b, key)) == query[key]]
        return _between(items, query)

    def _contacts(self, method: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        ws = self.workspace
        if method == "GET":
            with ws.lock:
                items = list(ws.contacts.values())
            if query.get("uuid"):
                items = [c for c in items if c.uuid == query["uuid"]]
            if query.get("urn"):
                try:
                    urn = ws.normalize_urn(query["urn"])
                except ValueError:
                    urn = query["urn"]
                items = [c for c in items if urn in c.urns]
            items.sort(key=lambda c: (c.modified_on, c.uuid), reverse=True)
            return 200, self._page("contacts", query, items, ws.render_contact, "modified_on")
        if method == "POST":
            if query.get("uuid"):
                contact, _ = ws.save_contact(body, ws.find_contact(uuid=query["uuid"]))
                return 200, ws.render_contact(contact)
            if query.get("urn"):
                if "urns" in body:
                    raise ValidationFailed(
                        {"urns": ["Field urns is not allowed when updating by URN."]}
                    )
                try:
                    urn = ws.normalize_urn(query["urn"])
                except ValueError as exc:
                    raise ValidationFailed({"urn": [f"Invalid URN: {query['urn']}"]}) from exc
                try:
                    existing = ws.find_contact(urn=urn)
                except NotFound:
                    existing = None
                contact, created = ws.save_contact(body, existing, upsert_urn=urn)
                return (201 if created else 200), ws.render_contact(contact)
            contact, _ = ws.save_contact(body, None)
            return 201, ws.render_contact(contact)
        if method == "DELETE":
            if query.get("uuid"):
                ws.delete_contact(ws.find_contact(uuid=query["uuid"]))
            elif query.get("urn"):
                ws.delete_contact(ws.find_contact(urn=query["urn"]))
            else:
                raise ValidationFailed({"detail": ["URL must contain one of: uuid, urn."]})
            return 204, None
        raise NotFound()

    def _subscribers(self, method: str, query: dict[str, str], body: Any) -> tuple[int, Any]:
        ws = self.workspace
        if method == "GET":
            items = list(ws.subscribers)
            if query.get("resthook"):
                items = [s for s in items if s.resthook == query["resthook"]]
            if query.get("id"):
                items = [s for s in items if str(s.id) == query["id"]]
            rendered = [ws.render_subscriber(s) for s in reversed(items)]
            return 200, {"next": None, "previous": None, "results": rendered}
        if method == "POST":
            return 201, ws.render_subscriber(ws.subscribe(body))
        if method == "DELETE":
            with ws.lock:
                found = [s for s in ws.subscribers if str(s.id) == query.get("id")]
                if not found:
                    raise NotFound()
                ws.subscribers.remove(found[0])
            return 204, None
        raise NotFound()

    def _page(
        self,
        endpoint: str,
        query: dict[str, str],
        items: list[Any],
        render: Any,
        order_field: str = "created_on",
    ) -> dict[str, Any]:
        """Return one page of ``items`` (already filtered) after ``query["cursor"]``."""
        ordered = sorted(items, key=lambda o: (getattr(o, order_field), _ident(o)), reverse=True)
        cursor = _decode_cursor(query.get("cursor"))
        if cursor is not None:
            ordered = [o for o in ordered if (format_datetime(getattr(o, order_field)),
                                              _ident(o)) < cursor]
        page = ordered[:PAGE_SIZE]
        next_url = None
        if len(ordered) > PAGE_SIZE:
            last = page[-1]
            token = _encode_cursor(format_datetime(getattr(last, order_field)), _ident(last))
            params = {k: v for k, v in query.items() if k != "cursor"}
            params["cursor"] = token
            next_url = f"{self.url}/api/v2/{endpoint}.json?{urlencode(params)}"
        return {"next": next_url, "previous": None, "results": [render(o) for o in page]}


def _ident(obj: Any) -> str:
    value = getattr(obj, "id", None)
    return f"{value:012d}" if isinstance(value, int) else str(getattr(obj, "uuid", ""))


def _encode_cursor(when: str, ident: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([when, ident]).encode()).decode()


def _decode_cursor(value: str | None) -> tuple[str, str] | None:
    if not value:
        return None
    try:
        when, ident = json.loads(base64.urlsafe_b64decode(value.encode()))
        return str(when), str(ident)
    except (ValueError, TypeError):
        raise ValidationFailed({"detail": ["Invalid cursor"]}) from None


def _between(items: list[Any], query: dict[str, str]) -> list[Any]:
    """Filter on ``created_on`` by inclusive ``after``/``before``, as RapidPro does.

    An unparseable date gives an empty result, not an error: RapidPro does that too.
    """
    try:
        after = parse_datetime(query.get("after"))
        before = parse_datetime(query.get("before"))
    except ValueError:
        return []
    if after is not None:
        items = [o for o in items if o.created_on >= after]
    if before is not None:
        items = [o for o in items if o.created_on <= before]
    return items


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "RapidProSandbox/1.0"
    # Headers and body go out in two writes; with Nagle's algorithm the body
    # would wait for the client's delayed ACK (40 ms a request).
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_DELETE(self) -> None:
        self._serve("DELETE")

    def _serve(self, method: str) -> None:
        sandbox: Sandbox = self.server.sandbox  # type: ignore[attr-defined]
        parts = urlsplit(self.path)
        query = {k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body: Any = None
        if raw:
            try:
                body = json.loads(raw)
            except ValueError:
                self._reply(400, {"detail": "JSON parse error"}, {})
                return
        try:
            status, data, headers, delay = sandbox.handle(
                method, parts.path, query, self.headers, body
            )
        except Exception:  # a sandbox bug must not kill the connection silently
            logger.exception("The sandbox failed on %s %s", method, self.path)
            status, data, headers, delay = 500, {"detail": "Sandbox error"}, {}, 0.0
        if delay:
            time.sleep(delay)
        try:
            self._reply(status, data, headers)
        except OSError:
            pass  # the client gave up waiting: that is what a delay is for

    def _reply(self, status: int, data: Any, headers: dict[str, str]) -> None:
        payload = b"" if data is None else json.dumps(data).encode()
        self.send_response(status)
        if payload:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        if payload:
            self.wfile.write(payload)

    def log_message(self, format: str, *args: Any) -> None:
        logger.debug("sandbox: " + format, *args)

"""Benchmark: the router's cost per message against calling the apps directly.

Run with ``make bench`` or ``python bench/router.py [--messages N]``.

N messages go through ``rapidsms.router.receive()`` with the handlers, echo
and default apps installed and an in-memory backend; nothing touches a
database. The floor is the same apps' phase methods called directly in a
loop, with the same messages and the same backend calls, so the difference
between the two figures is what routing itself costs.
"""

from __future__ import annotations

import argparse
import gc
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

TEXTS = ["echo hello world", "ping", "what is this?", "ECHO", "Echo  Bonjour à tous"]


class MemoryBackend:
    """Placeholder; replaced by a real BackendBase subclass once Django is set up."""


def configure_django() -> None:
    settings.configure(
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "rapidsms",
            "rapidsms.contrib.handlers",
            "rapidsms.contrib.echo",
            "rapidsms.contrib.default",
        ],
        DATABASES={},
        USE_TZ=True,
        INSTALLED_BACKENDS={"bench": {"ENGINE": "__main__.MemoryBackend"}},
        RAPIDSMS_HANDLERS=[
            "rapidsms.contrib.echo.handlers.echo.EchoHandler",
            "rapidsms.contrib.echo.handlers.ping.PingHandler",
        ],
        LOGGING_CONFIG=None,
    )
    django.setup()
    from rapidsms.backends.base import BackendBase

    class _MemoryBackend(BackendBase):
        """Count what would be sent; keeps memory flat over millions of messages."""

        def configure(self, **options: Any) -> None:
            self.sent = 0

        def send(self, id_: str, text: str, identities: list[str],
                 context: dict[str, Any] | None = None) -> None:
            self.sent += len(identities)

    globals()["MemoryBackend"] = _MemoryBackend


def make_connection() -> Any:
    from rapidsms.models import Backend, Connection

    # Unsaved rows: the router only reads backend.name and identity.
    return Connection(backend=Backend(name="bench"), identity="+15550001")


def run_router(n: int, connection: Any) -> float:
    from rapidsms.router import receive

    texts = TEXTS
    count = len(texts)
    start = time.perf_counter()
    for i in range(n):
        receive(texts[i % count], connection)
    return time.perf_counter() - start


def run_direct(n: int, connection: Any, apps: list, backend: Any) -> float:
    """Call each app's phases by hand: the work the apps do, without the router."""
    from rapidsms.messages.incoming import IncomingMessage
    from rapidsms.messages.outgoing import OutgoingMessage

    texts = TEXTS
    count = len(texts)
    incoming = ("filter", "parse", "handle", "default", "cleanup")
    outgoing_apps = list(reversed(apps))
    start = time.perf_counter()
    for i in range(n):
        msg = IncomingMessage(connections=[connection], text=texts[i % count])
        for phase in incoming:
            if phase == "default" and msg.handled:
                continue
            for app in apps:
                if getattr(app, phase)(msg) is True and phase == "handle":
                    msg.handled = True
                    break
        for response in msg.responses:
            options = dict(response)
            reply_class = options.pop("class_", OutgoingMessage)
            reply = reply_class(**options)
            for app in outgoing_apps:
                app.outgoing(reply)
            backend.send(reply.id, reply.text, [connection.identity], reply.extra_backend_context())
    return time.perf_counter() - start


def best_of(repeats: int, func: Any, *args: Any) -> float:
    times = []
    for _ in range(repeats):
        gc.collect()
        times.append(func(*args))
    return min(times), statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()

    configure_django()
    from rapidsms.router import get_router

    router = get_router()
    connection = make_connection()
    backend = router.backends["bench"]
    apps = router.apps
    n = args.messages

    # Warm up both paths (imports, regex compilation, caches).
    run_router(min(n, 1000), connection)
    run_direct(min(n, 1000), connection, apps, backend)

    router_best, router_median = best_of(args.repeats, run_router, n, connection)
    direct_best, direct_median = best_of(args.repeats, run_direct, n, connection, apps, backend)

    print(f"machine: {platform.machine()} {platform.processor() or ''} cpus={os.cpu_count()} "
          f"python={platform.python_version()} django={django.get_version()}")
    print(f"apps: {', '.join(app.name for app in apps)}; {n} messages, best of {args.repeats}")
    for label, best, median in (
        ("router (receive)", router_best, router_median),
        ("floor (direct calls)", direct_best, direct_median),
    ):
        print(f"{label:22s} {n / best:10.0f} msg/s  {best / n * 1e6:8.2f} us/msg "
              f"(median {median / n * 1e6:.2f} us/msg)")
    ratio = router_best / direct_best
    print(f"router cost / floor: {ratio:.2f}x (target <= 4x)")
    return 0 if ratio <= 4 else 1


if __name__ == "__main__":
    sys.exit(main())

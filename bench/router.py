"""Benchmark: the router's cost per message against calling the apps directly.

Run with ``make bench`` or ``python bench/router.py [--messages N]``.

``--compare-2x`` measures instead, in the same run, this package and
RapidSMS 2.2 on the plain workload of ``bench/router_workload.py``:
RapidSMS 2.2 is installed from the package index into an environment of its
own (``bench/.venv-rapidsms-2.2``, made on first use), and the two take
turns, several rounds each, so that a busy moment of the machine does not
favour either.

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


RAPIDSMS_2X = Path(__file__).resolve().parent / ".venv-rapidsms-2.2"
WORKLOAD = Path(__file__).resolve().parent / "router_workload.py"


def rapidsms_2x_python() -> Path:
    """Return the interpreter of an environment with RapidSMS 2.2, making it on first use."""
    python = RAPIDSMS_2X / "bin" / "python"
    if not python.exists():
        import subprocess

        print(f"Installing RapidSMS 2.2 from the package index into {RAPIDSMS_2X} ...")
        subprocess.run([sys.executable, "-m", "venv", str(RAPIDSMS_2X)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "rapidsms==2.2.0",
                        "django>=4.2,<5.1"], check=True)
    return python


def compare_2x(args: argparse.Namespace) -> int:
    """Run the plain workload under RapidSMS 2.2 and this package, in turns; print both."""
    import json
    import subprocess

    old = rapidsms_2x_python()
    rates: dict[str, list[float]] = {"2x": [], "ours": []}
    versions: dict[str, str] = {}
    for _ in range(args.rounds):
        for key, python, messages in (("2x", old, max(1000, args.messages // 10)),
                                      ("ours", Path(sys.executable), args.messages)):
            # Run from outside the checkout, so that 2.2's environment imports its own rapidsms.
            out = subprocess.run(
                [str(python), str(WORKLOAD), "--messages", str(messages),
                 "--repeats", str(args.repeats)],
                check=True, capture_output=True, text=True, cwd=Path(WORKLOAD).anchor,
                env={key: value for key, value in os.environ.items()
                     if key not in ("PYTHONPATH", "DJANGO_SETTINGS_MODULE")},
            ).stdout
            result = json.loads(out)
            assert result["replies_per_message"] == 1.0, result
            rates[key] += result["rates"]
            versions[key] = f"RapidSMS {result['version']}, Django {result['django']}"
    load = os.getloadavg()[0]
    print(f"machine: {platform.machine()} cpus={os.cpu_count()} "
          f"python={platform.python_version()} load average {load:.2f}")
    print(f"plain workload (echo, ping, unknown; handlers and default apps; no database): "
          f"{args.rounds} rounds of {args.repeats} runs each")
    for key, label in (("2x", "RapidSMS 2.2"), ("ours", "this package")):
        values = rates[key]
        print(f"{label:14s} {max(values):9.0f} msg/s best, {statistics.median(values):9.0f} "
              f"median  ({versions[key]})")
    best = max(rates["ours"]) / max(rates["2x"])
    median = statistics.median(rates["ours"]) / statistics.median(rates["2x"])
    print(f"this package / RapidSMS 2.2: {best:.1f}x best to best, {median:.1f}x median to "
          f"median (target >= 20x)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=20000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--compare-2x", action="store_true",
                        help="compare with RapidSMS 2.2 on the plain workload")
    parser.add_argument("--rounds", type=int, default=3, help="turns each (--compare-2x)")
    args = parser.parse_args()
    if args.compare_2x:
        return compare_2x(args)

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

"""The plain routing workload, runnable under this package or under RapidSMS 2.x.

``bench/router.py --compare-2x`` runs this script twice in one run: with this
package's interpreter, and with an environment that has RapidSMS 2.2 from
the package index. The script imports only the public 2.x API, so both run
exactly the same code: ``receive()`` of three kinds of text (one the echo
handler answers, one the ping handler answers, one that only the default app
answers), the handlers and default apps installed, and a backend that only
counts what it is asked to send. Nothing touches a database.

It prints one line of JSON: the messages per second of each run, and the
package's version.
"""

from __future__ import annotations

import argparse
import gc
import json
import sys
import time
from typing import Any

import django
from django.conf import settings

TEXTS = ["echo hello world", "ping", "what is this?"]


def configure(extra_apps: int = 0) -> Any:
    """Configure Django in memory and return the counting backend's class.

    ``extra_apps`` SMS apps that look at every message in every phase and
    take none go before the handlers (this package only: how the cost grows
    with the number of apps).
    """
    router_apps = None
    if extra_apps:
        from rapidsms.apps.base import AppBase

        class Onlooker(AppBase):
            """Looks at each message in every phase; takes none."""

            def filter(self, msg: Any) -> None:
                msg.fields.get("seen")

            parse = handle = default = cleanup = outgoing = filter

        router_apps = [type(f"Onlooker{n}", (Onlooker,), {"__module__": __name__})
                       for n in range(extra_apps)]
    settings.configure(
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "rapidsms",
            "rapidsms.contrib.handlers",
            "rapidsms.contrib.default",
        ],
        DATABASES={},
        USE_TZ=True,
        INSTALLED_BACKENDS={"bench": {"ENGINE": "__main__.CountingBackend"}},
        RAPIDSMS_HANDLERS=[
            "rapidsms.contrib.echo.handlers.echo.EchoHandler",
            "rapidsms.contrib.echo.handlers.ping.PingHandler",
        ],
        LOGGING_CONFIG=None,
    )
    django.setup()
    from rapidsms.backends.base import BackendBase


    class CountingBackend(BackendBase):
        """Count the recipients of what it is asked to send."""

        sent = 0

        def send(self, id_: Any, text: str, identities: list, context: Any = None) -> None:
            type(self).sent += len(identities)

    sys.modules["__main__"].CountingBackend = CountingBackend  # type: ignore[attr-defined]
    if router_apps:
        from rapidsms.router.blocking import BlockingRouter

        settings.RAPIDSMS_ROUTER = BlockingRouter(apps=[
            *router_apps, "rapidsms.contrib.handlers", "rapidsms.contrib.default"])
    return CountingBackend


def run(n: int, connection: Any) -> float:
    """Route ``n`` messages; return the seconds it took."""
    from rapidsms.router import receive

    texts = TEXTS
    start = time.perf_counter()
    for i in range(n):
        receive(texts[i % 3], connection)
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--extra-apps", type=int, default=0)
    args = parser.parse_args()

    backend = configure(args.extra_apps)
    import rapidsms
    from rapidsms.models import Backend, Connection

    # An unsaved connection: the router only reads its backend's name and identity.
    connection = Connection(backend=Backend(name="bench"), identity="+15550001")
    run(min(args.messages, 500), connection)  # warm up: imports, caches
    backend.sent = 0
    rates = []
    for _ in range(args.repeats):
        gc.collect()
        rates.append(args.messages / run(args.messages, connection))
    replies = backend.sent / (args.messages * args.repeats)
    version = getattr(rapidsms, "__version__", "") or getattr(rapidsms, "VERSION", "")
    print(json.dumps({"version": str(version), "django": django.get_version(),
                      "rates": rates, "replies_per_message": replies}))
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the message log on an SQLite file, in messages per second and commits per message.

Run with ``python bench/messagelog.py [--messages N]``.

N messages go through ``rapidsms.router.receive()`` with the message log,
the handlers (``ECHO``) and the default app installed, on a temporary SQLite
*file* configured as the example project configures it (write-ahead log,
``synchronous=NORMAL``, ``IMMEDIATE`` transactions). Every message gets one
reply, so every message is two log rows. The senders' connections are
looked up once, before the clock starts (``--lookup`` looks the sender up
for every message, as a gateway's inbound view does), and the backend only
counts what it is asked to send, so the database work measured is the
log's; ``--backend database`` uses the message tester's database backend
instead, which writes each reply to its own table as well.

Transactions are counted as the database sees them: each commit of an
atomic block, plus each write made outside one (SQLite runs such a write as
a transaction of its own). The target is at most one per message.

``--journal default`` runs the same on Django's default SQLite settings
(rollback journal, ``synchronous=FULL``) and ``--unbuffered`` makes the log
write each row at once, as RapidSMS 2.x did, for comparison.
"""

from __future__ import annotations

import argparse
import gc
import importlib.util
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import django  # noqa: E402
from django.conf import settings  # noqa: E402

TEXTS = ["echo hello world", "echo Bonjour à tous", "what is this?", "ECHO"]
IDENTITIES = 200
WARM_UP = 200
WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")


class MemoryBackend:
    """Placeholder; replaced by a real BackendBase subclass once Django is set up."""


def example_sqlite_options() -> dict[str, Any]:
    """Return the example project's SQLite ``OPTIONS``, read from its settings file."""
    path = ROOT / "example" / "example_project" / "settings.py"
    spec = importlib.util.spec_from_file_location("example_settings_for_bench", path)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return dict(module.SQLITE_OPTIONS)


def configure_django(db_path: Path, journal: str, backend: str) -> None:
    options = example_sqlite_options() if journal == "example" else {}
    engine = (
        "rapidsms.backends.database.DatabaseBackend" if backend == "database"
        else "__main__.MemoryBackend"
    )
    settings.configure(
        INSTALLED_APPS=[
            "django.contrib.contenttypes",
            "django.contrib.auth",
            "rapidsms",
            "rapidsms.backends.database",
            "rapidsms.contrib.messagelog",
            "rapidsms.contrib.handlers",
            "rapidsms.contrib.echo",
            "rapidsms.contrib.default",
        ],
        DATABASES={
            "default": {
                "ENGINE": "django.db.backends.sqlite3",
                "NAME": str(db_path),
                "OPTIONS": options,
            }
        },
        USE_TZ=True,
        INSTALLED_BACKENDS={"bench": {"ENGINE": engine}},
        RAPIDSMS_HANDLERS=["rapidsms.contrib.echo.handlers.echo.EchoHandler"],
        LOGGING_CONFIG=None,
    )
    django.setup()
    from rapidsms.backends.base import BackendBase

    class _MemoryBackend(BackendBase):
        """Count what would be sent: no database work of its own."""

        def configure(self, **options: Any) -> None:
            self.sent = 0

        def send(self, id_: str, text: str, identities: list[str],
                 context: dict[str, Any] | None = None) -> None:
            self.sent += len(identities)

    globals()["MemoryBackend"] = _MemoryBackend


class TransactionCounter:
    """Count commits of atomic blocks and writes made outside any (each its own transaction)."""

    def __init__(self, connection: Any) -> None:
        self.connection = connection
        self.commits = 0
        self.autocommit_writes = 0
        original = connection.commit

        def counting_commit() -> None:
            self.commits += 1
            original()

        connection.commit = counting_commit

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        if not self.connection.in_atomic_block and sql.lstrip().upper().startswith(WRITES):
            self.autocommit_writes += 1
        return execute(sql, params, many, context)

    @property
    def total(self) -> int:
        return self.commits + self.autocommit_writes

    def reset(self) -> None:
        self.commits = self.autocommit_writes = 0


def run(n: int, start: int = 0, lookup: bool = False) -> float:
    """Route ``n`` messages from a pool of senders; return the seconds taken."""
    from rapidsms.router import lookup_connections, receive

    identities = [f"+1555{i:07d}" for i in range(IDENTITIES)]
    pool = lookup_connections("bench", identities)
    started = time.perf_counter()
    for i in range(start, start + n):
        if lookup:
            # As a gateway's inbound view does: find the sender's connection first.
            connection = lookup_connections("bench", [identities[i % IDENTITIES]])[0]
        else:
            connection = pool[i % IDENTITIES]
        receive(TEXTS[i % len(TEXTS)], connection)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=3,
                        help="runs of --messages each; the best and the median are shown")
    parser.add_argument("--journal", choices=["example", "default"], default="example",
                        help="the example project's SQLite options, or Django's defaults")
    parser.add_argument("--backend", choices=["memory", "database"], default="memory")
    parser.add_argument("--unbuffered", action="store_true",
                        help="write each log row at once, as RapidSMS 2.x did")
    parser.add_argument("--lookup", action="store_true",
                        help="look the sender's connection up for each message, as an "
                        "inbound view does (two more queries per message)")
    parser.add_argument("--profile", action="store_true",
                        help="print where the time goes (cProfile, top 25 by own time, "
                        "or by cumulative time with BENCH_SORT=cumtime)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="rapidsms-bench-") as folder:
        db_path = Path(folder) / "bench.sqlite3"
        configure_django(db_path, args.journal, args.backend)
        from django.core.management import call_command
        from django.db import connection

        from rapidsms.contrib.messagelog.app import flush_log_rows
        from rapidsms.contrib.messagelog.models import Message
        from rapidsms.signals import incoming_processed

        call_command("migrate", verbosity=0)
        if args.unbuffered:
            # Without its signal the log writes every row at once.
            incoming_processed.disconnect(flush_log_rows,
                                          dispatch_uid="rapidsms.contrib.messagelog.flush")
        run(WARM_UP)  # builds the router, creates the connections, warms the caches
        rows_before = Message.objects.count()
        counter = TransactionCounter(connection)
        times = []
        with connection.execute_wrapper(counter):
            for repeat in range(args.repeats):
                gc.collect()
                start = WARM_UP + repeat * args.messages
                if args.profile:
                    import cProfile
                    import pstats

                    profiler = cProfile.Profile()
                    times.append(profiler.runcall(run, args.messages, start, args.lookup))
                    order = os.environ.get("BENCH_SORT", "tottime")  # or cumtime
                    pstats.Stats(profiler).sort_stats(order).print_stats(25)
                else:
                    times.append(run(args.messages, start=start, lookup=args.lookup))
        rows = Message.objects.count() - rows_before
        journal = connection.cursor().execute("PRAGMA journal_mode").fetchone()[0]

    n = args.messages * args.repeats
    best, median = min(times), statistics.median(times)
    print(f"machine: {platform.machine()} cpus={os.cpu_count()} "
          f"python={platform.python_version()} django={django.get_version()} "
          f"sqlite={connection.Database.sqlite_version}")
    print(f"{args.repeats} runs of {args.messages} messages on an SQLite file "
          f"(journal_mode={journal}, options: {args.journal}), "
          f"backend: {args.backend}, log: {'unbuffered' if args.unbuffered else 'buffered'}, "
          f"connection look-up per message: {'yes' if args.lookup else 'no'}")
    per_run = args.messages
    print(f"messages per second:      {per_run / best:10.0f}  best run "
          f"({best / per_run * 1e6:.0f} us/msg); median run {per_run / median:.0f}")
    print(f"log rows per message:     {rows / n:10.2f}")
    print(f"transactions per message: {counter.total / n:10.2f}  "
          f"({counter.commits} commits, {counter.autocommit_writes} writes outside a transaction)")
    measured_log_only = args.backend == "memory" and not args.unbuffered
    ok = rows == 2 * n and (not measured_log_only or counter.total <= n)
    if not ok:
        print("FAILED: expected two log rows and at most one transaction per message")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: requests per second the generic HTTP inbound view takes, against a bare view.

Run with ``python bench/inbound.py [--requests N] [--concurrency C] [--db postgres|sqlite|both]
[--views baseline,durable,blocking] [--web-workers W]``.

For each database it builds a throw-away project (settings, a fresh
database, migrations) and, for each view, starts ``gunicorn`` with ``W``
sync workers (default 2) on 127.0.0.1 and drives it from a separate
load-generator process of ``C`` threads (default 8), each request with a
sender, a text and a gateway id of its own:

``baseline``
    A bare Django view that does one INSERT (autocommit: one commit) and
    answers 200: the floor of any view that stores what it is given.
``durable``
    The generic HTTP inbound view with the durable router
    (``rapidsms.router.db.DatabaseRouter``), as deployed: token check,
    de-duplication claim, connection look-up, the message stored, and a
    wake-up for the workers published to Redis (``--broker``) once it is
    committed. No worker runs: this is intake alone.
``blocking``
    The same view with the blocking router: the echo, handlers and default
    apps run in the request and the reply is written by the database
    backend. A second phase posts every gateway id twice at once (both
    workers race for it) and checks each was routed once.

It prints requests per second, p50/p99 latency and, for the durable view,
its rate as a share of the baseline's (the target is at least half), and
checks that every accepted message was stored (or answered) exactly once.

PostgreSQL is read from ``BENCH_DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/rapidsms_bench``; the database is
dropped and created for each view). Needs the ``test`` and ``celery``
extras (gunicorn, psycopg, Celery with Redis).
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlparse

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "bench-token-0123456789"
BACKEND = "bench"

SETTINGS = '''
SECRET_KEY = "bench-only"
DEBUG = False
USE_TZ = True
ALLOWED_HOSTS = ["127.0.0.1"]
ROOT_URLCONF = "bench_urls"
INSTALLED_APPS = [
    "django.contrib.contenttypes", "django.contrib.auth", "rapidsms",
    "rapidsms.backends.database", "rapidsms.backends.inbound",
    "rapidsms.contrib.handlers", "rapidsms.contrib.echo", "rapidsms.contrib.default",
] + {extra_apps}
MIDDLEWARE = []
DATABASES = {{"default": {database}}}
{router}
INSTALLED_BACKENDS = {{
    "{backend}": {{"ENGINE": "bench_backend.DatabaseHttpBackend",
                  "inbound_secrets": ["{token}"], "inbound_params": {{"id_name": "id"}}}},
}}
RAPIDSMS_HANDLERS = [
    "rapidsms.contrib.echo.handlers.echo.EchoHandler",
    "rapidsms.contrib.echo.handlers.ping.PingHandler",
]
LOGGING = {{"version": 1, "disable_existing_loggers": False,
            "root": {{"handlers": [], "level": "ERROR"}}}}
'''

BACKEND_MODULE = '''
from rapidsms.backends.database import DatabaseBackend
from rapidsms.backends.http_base import HttpBackendBase


class DatabaseHttpBackend(DatabaseBackend, HttpBackendBase):
    """Receive through the generic HTTP view; write replies to the database."""

    inbound_view = "rapidsms.backends.http.views.GenericHttpBackendView"

    def configure(self, inbound_params=None, **options):
        self.inbound_params = inbound_params or {}
        HttpBackendBase.configure(self, **options)
'''

URLS = '''
from django.urls import include, path

from bench_baseline import insert

urlpatterns = [
    path("backends/", include("rapidsms.backends.urls")),
    path("baseline/", insert),
]
'''

DURABLE = '''
RAPIDSMS_ROUTER = "rapidsms.router.db.DatabaseRouter"
RAPIDSMS_CELERY_APP = "bench_celery.app"
CELERY_BROKER_URL = {broker!r}
CELERY_TASK_ALWAYS_EAGER = False
RAPIDSMS_INCOMING_QUEUE = "rapidsms.bench.incoming"
'''

CELERY_APP = '''
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench_settings")
app = Celery("bench")
app.config_from_object("django.conf:settings", namespace="CELERY")
'''

# The floor: what any view that stores its request costs (one INSERT, autocommit).
BASELINE = '''
from django.db import connection
from django.http import HttpResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def insert(request):
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_baseline (identity, text, gateway_id, received) "
            "VALUES (%s, %s, %s, %s)",
            [request.POST.get("identity", ""), request.POST.get("text", ""),
             request.POST.get("id", ""), timezone.now()],
        )
    return HttpResponse("OK")
'''

BASELINE_TABLE = '''
import django
django.setup()
from django.db import connection
with connection.cursor() as cursor:
    cursor.execute(
        "CREATE TABLE bench_baseline (id {serial} PRIMARY KEY, identity varchar(255), "
        "text text, gateway_id varchar(255), received timestamp with time zone)"
    )
'''

WSGI = '''
from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()
'''


def database_settings(kind: str, project: Path) -> dict:
    if kind == "sqlite":
        return {
            "ENGINE": "django.db.backends.sqlite3",
            "NAME": str(project / "bench.sqlite3"),
            "OPTIONS": {
                "timeout": 30,
                "transaction_mode": "IMMEDIATE",
                "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            },
        }
    url = urlparse(os.environ.get("BENCH_DATABASE_URL",
                                  "postgres://postgres@127.0.0.1:5432/rapidsms_bench"))
    return {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": url.path.lstrip("/"),
        "USER": url.username or "postgres",
        "PASSWORD": url.password or "",
        "HOST": url.hostname or "127.0.0.1",
        "PORT": str(url.port or 5432),
        "CONN_MAX_AGE": 60,
        "OPTIONS": {"server_side_binding": os.environ.get("BENCH_SERVER_SIDE_BINDING") == "1"},
    }


def recreate_postgres(db: dict) -> None:
    import psycopg

    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"],
                         password=db["PASSWORD"], dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}"')
        conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def write_project(kind: str, view: str, broker: str) -> tuple[Path, dict]:
    project = Path(tempfile.mkdtemp(prefix=f"rapidsms-bench-{kind}-"))
    db = database_settings(kind, project)
    durable = view == "durable"
    (project / "bench_settings.py").write_text(SETTINGS.format(
        database=repr(db), backend=BACKEND, token=TOKEN,
        extra_apps=repr(["rapidsms.router.db"] if durable else []),
        router=DURABLE.format(broker=broker) if durable else ""))
    (project / "bench_backend.py").write_text(BACKEND_MODULE)
    (project / "bench_urls.py").write_text(URLS)
    (project / "bench_wsgi.py").write_text(WSGI)
    (project / "bench_celery.py").write_text(CELERY_APP)
    (project / "bench_baseline.py").write_text(BASELINE)
    return project, db


def project_env(project: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(project), str(ROOT)])
    env["DJANGO_SETTINGS_MODULE"] = "bench_settings"
    return env


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(port: int, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", f"/backends/{BACKEND}/")
            conn.getresponse().read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("gunicorn did not start")


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(name_part: str, parent: int | None = None) -> float:
    """Return the CPU seconds used so far by the processes whose command line has ``name_part``.

    With ``parent``, only that process's children count (gunicorn's workers).
    """
    total = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/cmdline", "rb") as file:
                command = file.read().replace(b"\0", b" ").decode(errors="replace")
            with open(f"/proc/{entry.name}/stat") as file:
                fields = file.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if name_part not in command or (parent is not None and int(fields[1]) != parent):
            continue
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def run_view(kind: str, view: str, args: argparse.Namespace) -> dict:
    """Start gunicorn on a fresh project and database for ``view``; load it; count what it kept."""
    project, db = write_project(kind, view, args.broker)
    env = project_env(project)
    if kind == "postgres":
        recreate_postgres(db)
    subprocess.run([sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"],
                   cwd=project, env=env, check=True)
    serial = "bigserial" if kind == "postgres" else "integer"
    subprocess.run([sys.executable, "-c", BASELINE_TABLE.format(serial=serial)], cwd=project,
                   env=env, check=True)
    port = free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen(
        [gunicorn, "--workers", str(args.web_workers), "--bind", f"127.0.0.1:{port}",
         "--log-level", "warning", "bench_wsgi:application"],
        cwd=project, env=env,
    )
    path = "/baseline/" if view == "baseline" else f"/backends/{BACKEND}/?token={TOKEN}"
    try:
        wait_until_up(port)
        client = [sys.executable, __file__, "--client", f"http://127.0.0.1:{port}",
                  "--path", path, "--requests", str(args.requests),
                  "--concurrency", str(args.concurrency)]
        subprocess.run([*client, "--requests", "200", "--prefix", "warm"], check=True,
                       capture_output=True)  # warm up: imports, connections
        before = (cpu_seconds("gunicorn", parent=server.pid), cpu_seconds("postgres"))
        load = json.loads(subprocess.run(client, check=True, capture_output=True,
                                         text=True).stdout)
        after = (cpu_seconds("gunicorn", parent=server.pid), cpu_seconds("postgres"))
        load["web_cpu_ms"] = (after[0] - before[0]) / args.requests * 1000
        load["db_cpu_ms"] = (after[1] - before[1]) / args.requests * 1000
        duplicates = None
        if view == "blocking":
            duplicates = json.loads(subprocess.run(
                [*client, "--duplicates"], check=True, capture_output=True, text=True).stdout)
    finally:
        server.terminate()
        server.wait(timeout=30)
    counts = json.loads(subprocess.run(
        [sys.executable, "-c", COUNT_SCRIPT], cwd=project, env=env, check=True,
        capture_output=True, text=True).stdout)
    shutil.rmtree(project, ignore_errors=True)
    return {"load": load, "duplicates": duplicates, "counts": counts}


COUNT_SCRIPT = '''
import json, django
django.setup()
from django.apps import apps
from django.db import connection
from rapidsms.backends.database.models import BackendMessage
from rapidsms.backends.inbound.models import ReceivedMessage
replies = BackendMessage.objects.filter(direction="O")
with connection.cursor() as cursor:
    cursor.execute("SELECT count(*), count(DISTINCT gateway_id) FROM bench_baseline")
    rows, distinct_rows = cursor.fetchone()
stored = distinct_stored = 0
if apps.is_installed("rapidsms.router.db"):
    from rapidsms.router.db.models import Transmission
    incoming = Transmission.objects.filter(direction="I")
    stored = incoming.count()
    distinct_stored = incoming.values("message__external_id").distinct().count()
print(json.dumps({
    "replies_load": replies.filter(text__startswith="load ").count(),
    "replies_dup": replies.filter(text__startswith="dup ").count(),
    "distinct_dup": replies.filter(text__startswith="dup ").values("text").distinct().count(),
    "claims": ReceivedMessage.objects.count(),
    "baseline_rows": rows, "baseline_distinct": distinct_rows,
    "stored": stored, "distinct_stored": distinct_stored,
}))
'''


# The load generator (runs in its own process) ------------------------------------

def client_main(args: argparse.Namespace) -> None:
    target = urlparse(args.client)
    path = args.path
    jobs: list[tuple[str, str]] = []
    if args.duplicates:
        count = max(args.requests // 10, 50)
        for n in range(count):  # each id twice in a row: two threads race for it
            jobs += [(f"dup-{n}", f"echo dup {n}")] * 2
    else:
        jobs = [(f"{args.prefix}-{n}", f"echo {args.prefix} {n}") for n in range(args.requests)]
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    position = iter(range(len(jobs)))

    def worker(index: int) -> None:
        while True:
            with lock:
                n = next(position, None)
            if n is None:
                return
            message_id, text = jobs[n]
            body = urlencode({"identity": f"+1555{index:03d}{n % 10000:04d}", "text": text,
                              "id": message_id})
            started = time.perf_counter()
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=30)
            try:
                conn.request("POST", path, body=body,
                             headers={"Content-Type": "application/x-www-form-urlencoded"})
                status = conn.getresponse().status
            except OSError:
                status = 0
            finally:
                conn.close()
            elapsed = time.perf_counter() - started
            with lock:
                latencies.append(elapsed)
                statuses[status] = statuses.get(status, 0) + 1

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(args.concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    latencies.sort()
    print(json.dumps({
        "requests": len(jobs),
        "seconds": wall,
        "rps": len(jobs) / wall,
        "p50_ms": statistics.median(latencies) * 1000,
        "p99_ms": latencies[int(len(latencies) * 0.99) - 1] * 1000,
        "statuses": statuses,
    }))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="postgres")
    parser.add_argument("--views", default="baseline,durable,blocking",
                        help="comma-separated: baseline, durable, blocking")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--broker", default=os.environ.get("CELERY_BROKER_URL",
                                                           "redis://127.0.0.1:6379/0"))
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--path", help=argparse.SUPPRESS)
    parser.add_argument("--prefix", default="load", help=argparse.SUPPRESS)
    parser.add_argument("--duplicates", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(args)
        return
    views = [view.strip() for view in args.views.split(",") if view.strip()]
    load = os.getloadavg()
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs, "
          f"load average {load[0]:.2f}; gunicorn {args.web_workers} sync workers; "
          f"{args.requests} requests, {args.concurrency} client threads, loopback")
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for kind in kinds:
        rates: dict[str, float] = {}
        for view in views:
            result = run_view(kind, view, args)
            load, dup, counts = result["load"], result["duplicates"], result["counts"]
            rates[view] = load["rps"]
            accepted = load["statuses"].get("200", 0)
            kept = {"baseline": (counts["baseline_rows"], counts["baseline_distinct"]),
                    "durable": (counts["stored"], counts["distinct_stored"]),
                    "blocking": (counts["replies_load"], counts["replies_load"])}[view]
            print(f"{kind:9} {view:9} {load['rps']:7.0f} req/s  p50 {load['p50_ms']:6.1f} ms  "
                  f"p99 {load['p99_ms']:6.1f} ms  CPU per request: web "
                  f"{load['web_cpu_ms']:.2f} ms, database {load['db_cpu_ms']:.2f} ms  "
                  f"answers {load['statuses']}  kept {kept[0]} ({kept[1]} distinct) "
                  f"of {accepted} accepted")
            if dup is not None:
                print(f"{'':19} duplicates: {dup['requests']} posts of {dup['requests'] // 2} "
                      f"ids at {dup['rps']:.0f} req/s, answers {dup['statuses']}, routed "
                      f"{counts['replies_dup']} ({counts['distinct_dup']} distinct)")
        if "baseline" in rates and "durable" in rates:
            share = rates["durable"] / rates["baseline"]
            print(f"{kind:9} durable intake / bare INSERT view: {share:.2f} (target >= 0.50)")


if __name__ == "__main__":
    main()

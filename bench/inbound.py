"""Benchmark: messages per second the generic HTTP inbound view accepts and routes.

Run with ``python bench/inbound.py [--requests N] [--concurrency C] [--db sqlite|postgres|both]``.

For each database it builds a throw-away project (settings, a fresh
database, migrations), starts ``gunicorn`` with 2 sync workers on
127.0.0.1, and drives it from a separate load-generator process of
threads, each posting ``echo <n>`` with a token and a unique gateway id.
Every accepted request goes the whole way: token check, de-duplication
claim, connection lookup, the echo/handlers/default apps, and the reply
written by the database backend. The figures printed are requests per
second, p50/p99 latency, and a check that every accepted message got
exactly one reply. A second phase posts every gateway id twice at once
(both workers race for it) and checks each was routed once.

PostgreSQL is read from ``BENCH_DATABASE_URL`` (default
``postgres://postgres@127.0.0.1:5432/rapidsms_bench``; the database is
dropped and created). Needs the ``test`` extra (gunicorn).
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
]
MIDDLEWARE = []
DATABASES = {{"default": {database}}}
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

urlpatterns = [path("backends/", include("rapidsms.backends.urls"))]
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
    }


def recreate_postgres(db: dict) -> None:
    import psycopg

    with psycopg.connect(host=db["HOST"], port=db["PORT"], user=db["USER"],
                         password=db["PASSWORD"], dbname="postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{db["NAME"]}"')
        conn.execute(f'CREATE DATABASE "{db["NAME"]}"')


def write_project(kind: str) -> tuple[Path, dict]:
    project = Path(tempfile.mkdtemp(prefix=f"rapidsms-bench-{kind}-"))
    db = database_settings(kind, project)
    (project / "bench_settings.py").write_text(
        SETTINGS.format(database=repr(db), backend=BACKEND, token=TOKEN))
    (project / "bench_backend.py").write_text(BACKEND_MODULE)
    (project / "bench_urls.py").write_text(URLS)
    (project / "bench_wsgi.py").write_text(WSGI)
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


def run_database(kind: str, args: argparse.Namespace) -> dict:
    project, db = write_project(kind)
    env = project_env(project)
    if kind == "postgres":
        recreate_postgres(db)
    subprocess.run([sys.executable, "-m", "django", "migrate", "--noinput", "-v", "0"],
                   cwd=project, env=env, check=True)
    port = free_port()
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen(
        [gunicorn, "--workers", "2", "--bind", f"127.0.0.1:{port}", "--log-level", "warning",
         "bench_wsgi:application"],
        cwd=project, env=env,
    )
    try:
        wait_until_up(port)
        client = [sys.executable, __file__, "--client", f"http://127.0.0.1:{port}",
                  "--requests", str(args.requests), "--concurrency", str(args.concurrency)]
        load = json.loads(subprocess.run(client, check=True, capture_output=True,
                                         text=True).stdout)
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
from rapidsms.backends.database.models import BackendMessage
from rapidsms.backends.inbound.models import ReceivedMessage
replies = BackendMessage.objects.filter(direction="O")
print(json.dumps({
    "replies_load": replies.filter(text__startswith="load ").count(),
    "replies_dup": replies.filter(text__startswith="dup ").count(),
    "distinct_dup": replies.filter(text__startswith="dup ").values("text").distinct().count(),
    "claims": ReceivedMessage.objects.count(),
}))
'''


# The load generator (runs in its own process) ------------------------------------

def client_main(args: argparse.Namespace) -> None:
    target = urlparse(args.client)
    path = f"/backends/{BACKEND}/?token={TOKEN}"
    jobs: list[tuple[str, str]] = []
    if args.duplicates:
        count = max(args.requests // 10, 50)
        for n in range(count):  # each id twice in a row: two threads race for it
            jobs += [(f"dup-{n}", f"echo dup {n}")] * 2
    else:
        jobs = [(f"load-{n}", f"echo load {n}") for n in range(args.requests)]
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
    parser.add_argument("--db", choices=["sqlite", "postgres", "both"], default="both")
    parser.add_argument("--client", help=argparse.SUPPRESS)
    parser.add_argument("--duplicates", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.client:
        client_main(args)
        return
    print(f"Python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPUs; "
          f"gunicorn 2 sync workers; {args.requests} requests, {args.concurrency} client "
          "threads, loopback")
    kinds = ["sqlite", "postgres"] if args.db == "both" else [args.db]
    for kind in kinds:
        result = run_database(kind, args)
        load, dup, counts = result["load"], result["duplicates"], result["counts"]
        accepted = load["statuses"].get("200", 0)
        print(f"{kind:9} {load['rps']:7.0f} req/s  p50 {load['p50_ms']:6.1f} ms  "
              f"p99 {load['p99_ms']:6.1f} ms  answers {load['statuses']}  "
              f"replies {counts['replies_load']}/{accepted}")
        print(f"{'':9} duplicates: {dup['requests']} posts of {dup['requests'] // 2} ids at "
              f"{dup['rps']:.0f} req/s, answers {dup['statuses']}, routed "
              f"{counts['replies_dup']} ({counts['distinct_dup']} distinct)")


if __name__ == "__main__":
    main()

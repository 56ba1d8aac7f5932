"""Benchmark: a message's whole trip through a server set up as the deployment guide says.

Run with ``python bench/deployed.py [--messages N] [--threads T] [--rate R]``
(``--help`` lists the options). Needs PostgreSQL (``--database-url``; the
database is dropped and created, and dropped again at the end) and Redis
(``--broker``), and runs the checkout's ``.venv`` (``--wheel``: a fresh
environment with the wheel, installed as the guide's pip command says).

The server is the one ``docs/howto/deploy.rst`` builds, laid out in a
temporary directory: the tutorial's project with the guide's settings, its
``manage.py`` commands, and what its systemd units run (gunicorn, the
``incoming`` and ``send`` Celery workers with their environment files, and
beat), with only the paths, the services' addresses and gunicorn's port
changed. Two more processes stand for the outside world:

* the gateway (``GATEWAY_URL``): a threaded HTTP server that answers each
  reply's GET with 200 ``OK`` and notes when it came, to whom and what it
  said;
* the load generator: threads posting messages (a new connection each:
  gunicorn's sync workers close them) to
  ``/backends/gateway/`` as the guide's ``curl`` does (its token, host and
  ``X-Forwarded-Proto`` header), each from a number of its own, with a text
  that the tutorial's apps answer once: the default app ("hello"), the
  stock handler recording a report, and the stock handler refusing an item.

After a warm-up, the flood phase posts ``--messages`` as fast as the
threads can, and the steady phase offers ``--rate`` messages a second for
``--rate-seconds``. Each reports the HTTP statuses, the intake rate, the end
to end rate (messages over the time from the first post to the last reply
at the gateway), the latency from each post to its reply's arrival, and
whether every message got exactly one reply. The resident memory of the
worker processes is printed after the warm-up and at the end, and the CPU
time every kind of process used in each phase, read from ``/proc``.
Everything runs on this machine, so all of them share its CPUs (and
PostgreSQL and Redis may also serve others).
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from deployed_report import print_cpu, print_memory, print_phase  # noqa: E402
from proc_usage import CPU_KINDS, CpuSampler, children, rss_mib  # noqa: E402

DEFAULT_DATABASE_URL = "postgres://postgres@127.0.0.1:5432/rapidsms_bench_deployed"
#: Each phase's digit in its senders' numbers, so that a reply tells its phase.
PHASES = {"warm-up": 1, "flood": 2, "steady": 3}
#: The kinds of message: the text of message ``i``, and what its one reply contains.
MESSAGE_KINDS: list[tuple[Callable[[int], str], str]] = [
    (lambda i: f"hello {i}", "could not understand"),       # nothing knows it: the default app
    (lambda i: f"STOCK ORS {i % 1000 + 1}", "Thank you."),  # the stock handler stores a report
    (lambda i: f"STOCK VITA {i % 100}", "is not an item"),  # the stock handler refuses it
]
#: The distributions whose versions the report prints, as the deployment has them.
DISTS = ["rapidsms", "Django", "celery", "kombu", "redis", "gunicorn", "psycopg",
         "psycopg-binary", "requests"]


def message(phase: str, index: int) -> tuple[str, str, str]:
    """Return the sender, the text and the expected reply's phrase of a phase's message."""
    text, expected = MESSAGE_KINDS[index % len(MESSAGE_KINDS)]
    return f"+1{PHASES[phase]}{index:09d}", text(index), expected


def percentile(values: list[float], fraction: float) -> float:
    """Return the nearest-rank percentile of ``values`` (``fraction`` 0.5 is the median)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


# The stand-in gateway and the load generator: this file, run in processes of their own.

def serve_gateway() -> None:
    """Answer every GET with 200 OK and note (arrival, to, text); print the URL first.

    ``/_bench/count`` answers how many replies came, ``/_bench/records?start=N``
    those from the N-th on, as JSON.
    """
    records: list[tuple[float, str, str]] = []

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive: the backend's session reuses connections

        def do_GET(self) -> None:
            now = time.time()
            path, _, query = self.path.partition("?")
            if path == "/_bench/count":
                body = str(len(records)).encode()
            elif path == "/_bench/records":
                start = int(parse_qs(query).get("start", ["0"])[0])
                body = json.dumps(records[start:]).encode()
            else:
                params = parse_qs(query)
                records.append((now, params.get("to", [""])[0], params.get("text", [""])[0]))
                body = b"OK"
            self.send_response(200)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    print(f"http://127.0.0.1:{server.server_address[1]}/send", flush=True)
    server.serve_forever()


def generate(spec: dict[str, Any]) -> None:
    """Post a phase's messages from ``spec["threads"]`` threads; write the times.

    With ``spec["rate"]``, message ``i`` is posted no sooner than ``i / rate``
    seconds after the start; without, as fast as the threads go. Writes, to
    ``spec["out"]``, each post's send and answer times and its status (0: no
    answer).
    """
    import http.client
    from urllib.parse import urlencode, urlsplit

    count, rate, phase = spec["count"], spec["rate"], spec["phase"]
    target = urlsplit(spec["url"])
    path = target.path + (f"?{target.query}" if target.query else "")
    headers = {**spec["headers"], "Content-Type": "application/x-www-form-urlencoded"}
    sent, done, status = [0.0] * count, [0.0] * count, [0] * count
    indexes = itertools.count()  # next() on it is atomic: the threads share it
    start = time.time() + 0.2  # every thread is waiting by then

    def post() -> None:
        # Plain http.client: the generator shares the machine with what it measures,
        # and gunicorn's sync workers close every connection anyway.
        while (index := next(indexes)) < count:
            delay = (start + index / rate if rate else start) - time.time()
            if delay > 0:
                time.sleep(delay)
            sender, text, _ = message(phase, index)
            body = urlencode({"from": sender, "text": text})
            sent[index] = time.time()
            conn = http.client.HTTPConnection(target.hostname, target.port, timeout=120)
            try:
                conn.request("POST", path, body=body, headers=headers)
                answer = conn.getresponse()
                answer.read()
                status[index] = answer.status
            except OSError:
                status[index] = 0
            finally:
                conn.close()
            done[index] = time.time()

    threads = [threading.Thread(target=post) for _ in range(spec["threads"])]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with open(spec["out"], "w") as out:
        json.dump({"start": start, "sent": sent, "done": done, "status": status}, out)


def role_command(role: str, *args: str) -> list[str]:
    return [sys.executable, str(Path(__file__).resolve()), role, *args]


class Gateway:
    """The stand-in gateway's process, and how the benchmark reads what it received."""

    def __init__(self) -> None:
        self.proc = subprocess.Popen(role_command("_gateway"), cwd=ROOT, text=True,
                                     stdout=subprocess.PIPE)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()
        if not self.url:
            raise RuntimeError("the stand-in gateway did not start")
        self.base = self.url.rsplit("/", 1)[0]

    def count(self) -> int:
        import requests

        return int(requests.get(f"{self.base}/_bench/count", timeout=30).text)

    def records(self, start: int = 0) -> list[tuple[float, str, str]]:
        import requests

        response = requests.get(f"{self.base}/_bench/records", params={"start": start},
                                timeout=120)
        return [tuple(record) for record in response.json()]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(10)


# The deployment.

def database_settings(url: str) -> dict[str, str]:
    parsed = urlparse(url)
    return {"NAME": unquote(parsed.path.lstrip("/")), "HOST": parsed.hostname or "",
            "PORT": str(parsed.port or 5432), "USER": unquote(parsed.username or ""),
            "PASSWORD": unquote(parsed.password or "")}


def admin_connection(url: str) -> Any:
    import psycopg

    return psycopg.connect(urlparse(url)._replace(path="/postgres").geturl(), autocommit=True)


def recreate_database(url: str) -> str:
    """Drop and create the benchmark's database; return the server's version."""
    name = database_settings(url)["NAME"]
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        return conn.execute("SHOW server_version").fetchone()[0]


def drop_database(url: str) -> None:
    with admin_connection(url) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{database_settings(url)["NAME"]}" WITH (FORCE)')


def prepare_venv(args: argparse.Namespace, work: Path) -> Any:
    """Return the environment the deployment runs: the checkout's, or a fresh one (--wheel)."""
    from tests.packaging.guide import deploy_requirements
    from tests.packaging.venvs import Venv

    if not args.wheel:
        return Venv((ROOT / ".venv").resolve())
    from tests.packaging.dists import build_dists

    print("Building the wheel and installing it as the guide's pip command does...", flush=True)
    dists = build_dists(work / "dists")
    return Venv.create(work / "venv").start_install(*deploy_requirements(dists.wheel)) \
        .wait_installed()


def versions(venv: Any, cwd: Path) -> dict[str, str]:
    code = ("import importlib.metadata as m, json, sys\n"
            "found = {'Python': sys.version.split()[0]}\n"
            f"for name in {DISTS!r}:\n"
            "    try: found[name] = m.version(name)\n"
            "    except m.PackageNotFoundError: pass\n"
            "print(json.dumps(found))\n")
    result = venv.run([venv.python, "-c", code], cwd=cwd)
    return json.loads(result.stdout)


def set_up(deployment: Any, args: argparse.Namespace) -> tuple[str, Any]:
    """Run the guide's manage commands and start its services; return gunicorn's URL and
    the guide's inbound request."""
    from tests.durable.processes import free_port, reachable, wait_until
    from tests.packaging.deployment import Request

    guide = deployment.guide
    for argv in guide["deploy-manage"].commands():
        if argv[1:] == ["createsuperuser"]:  # it asks questions; these answers are its options
            deployment.manage("createsuperuser", "--noinput", DJANGO_SUPERUSER_USERNAME="admin",
                              DJANGO_SUPERUSER_EMAIL="admin@example.org",
                              DJANGO_SUPERUSER_PASSWORD="bench-only-not-a-secret")
        else:
            deployment.manage(*argv[1:])
    port = free_port()
    replace = {"127.0.0.1:8000": f"127.0.0.1:{port}"}
    guide_workers = re.search(r"--workers (\d+)", guide["deploy-web-unit"].text)[1]
    web_workers = args.web_workers or int(guide_workers)
    replace[guide_workers] = str(web_workers)  # the only argument that is that number
    web = deployment.start("web", "deploy-web-unit", replace=replace)
    assert web.argv[web.argv.index("--workers") + 1] == str(web_workers), web.argv
    incoming_env = {"CONCURRENCY": str(args.incoming_concurrency)} \
        if args.incoming_concurrency else {}
    workers = [deployment.start("worker-incoming", "deploy-worker-unit", "incoming",
                                **incoming_env),
               deployment.start("worker-send", "deploy-worker-unit", "send")]
    beat = deployment.start("beat", "deploy-beat-unit")
    for worker in workers:
        worker.wait_for(" ready.", timeout=120)
    beat.wait_for("beat: Starting")
    wait_until(lambda: web.log().count("Booting worker") >= web_workers, 60,
               message=f"gunicorn did not boot its workers:\n{web.log()}")
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: reachable(url, port), 30, message=f"gunicorn does not answer:\n{web.log()}")
    curl, _status = guide["deploy-message"].commands("$ ")
    return url, Request.from_curl(curl, url, deployment.env)


def register_processes(sampler: CpuSampler, daemons: dict[str, Any]) -> None:
    sampler.register(daemons["web"].proc.pid, "gunicorn master", "gunicorn workers")
    sampler.register(daemons["worker-incoming"].proc.pid, "incoming worker (main)",
                     "incoming pool")
    sampler.register(daemons["worker-send"].proc.pid, "send worker", "send worker")
    sampler.register(daemons["beat"].proc.pid, "beat", "beat")


def memory(daemons: dict[str, Any]) -> list[tuple[str, int, float]]:
    """Return (process, pid, RSS in MiB) of each worker process and its parent."""
    rows = []
    for name, daemon, child in [("gunicorn master", "web", "gunicorn worker"),
                                ("incoming worker (main)", "worker-incoming", "incoming pool"),
                                ("send worker", "worker-send", "send worker child"),
                                ("beat", "beat", "beat child")]:
        pid = daemons[daemon].proc.pid
        rows.append((name, pid, rss_mib(pid)))
        rows += [(child, kid, rss_mib(kid)) for kid in children(pid)]
    return rows


# The phases and their figures.

@dataclass
class Phase:
    name: str
    count: int
    rate: float | None
    threads: int
    posts: dict[str, Any] = field(default_factory=dict)
    cpu: dict[str, float] = field(default_factory=dict)
    load: tuple[float, float, float] = (0.0, 0.0, 0.0)


def run_phase(phase: Phase, request: Any, gateway: Gateway, sampler: CpuSampler,
              work: Path, stall: float) -> None:
    """Post the phase's messages from a generator process; wait for their replies."""
    baseline = gateway.count()
    out = work / f"posts-{phase.name}.json"
    spec = {"url": request.url, "headers": request.headers, "phase": phase.name,
            "count": phase.count, "rate": phase.rate, "threads": phase.threads, "out": str(out)}
    mark = sampler.mark()
    generator = subprocess.Popen(role_command("_generate", json.dumps(spec)), cwd=ROOT)
    sampler.register(generator.pid, "load generator")
    try:
        if generator.wait() != 0:
            raise RuntimeError(f"the load generator of the {phase.name} phase failed")
    finally:
        if generator.poll() is None:
            generator.kill()
            generator.wait()
    phase.posts = json.loads(out.read_text())
    answered = sum(1 for status in phase.posts["status"] if status == 200)
    # Wait for a reply to every accepted post, unless they stop coming.
    last, changed = -1, time.monotonic()
    while (received := gateway.count() - baseline) < answered:
        if received != last:
            last, changed = received, time.monotonic()
        elif time.monotonic() - changed > stall:
            print(f"  no reply for {stall:.0f} s: {received} of {answered} came", flush=True)
            break
        time.sleep(0.2)
    phase.cpu = sampler.since(mark)
    phase.load = os.getloadavg()


def summarize(phase: Phase, records: Iterable[tuple[float, str, str]]) -> dict[str, Any]:
    """Return the phase's figures: statuses, rates, latencies and the reply check."""
    posts = phase.posts
    sent, done, status = posts["sent"], posts["done"], posts["status"]
    expected = {}
    for index in range(phase.count):
        sender, _text, phrase = message(phase.name, index)
        expected[sender] = (index, phrase)
    replies: dict[str, list[tuple[float, str]]] = defaultdict(list)
    strangers = 0
    for arrived, to, text in records:
        if to in expected:
            replies[to].append((arrived, text))
        elif to.startswith(f"+1{PHASES[phase.name]}"):
            strangers += 1
    latencies, missing, duplicates, wrong = [], [], [], []
    for sender, (index, phrase) in expected.items():
        got = replies.get(sender, [])
        if not got:
            missing.append(sender)
            continue
        if len(got) > 1:
            duplicates.append(sender)
        arrived, text = min(got)
        if phrase not in text:
            wrong.append((sender, text))
        latencies.append(arrived - sent[index])
    first_post = min(sent)
    last_reply = max((max(got)[0] for got in replies.values()), default=float("nan"))
    figures: dict[str, Any] = {
        "messages": phase.count,
        "statuses": dict(sorted(Counter(str(code) for code in status).items())),
        "intake_per_s": phase.count / (max(done) - first_post),
        "end_to_end_per_s": len(replies) / (last_reply - first_post) if replies else 0.0,
        "latency_s": {name: percentile(latencies, fraction) for name, fraction in
                      [("p50", 0.5), ("p90", 0.9), ("p99", 0.99), ("max", 1.0)]},
        "post_s": {name: percentile([d - s for s, d in zip(sent, done, strict=True)], fraction)
                   for name, fraction in [("p50", 0.5), ("p99", 0.99)]},
        "replies": {"received": sum(len(got) for got in replies.values()),
                    "missing": len(missing), "duplicated": len(duplicates),
                    "unexpected_text": len(wrong), "strangers": strangers,
                    "examples": (missing[:5] + duplicates[:5]
                                 + [f"{who}: {text!r}" for who, text in wrong[:5]])},
        "cpu_s": {kind: value if kind == "_others" else round(value, 2)
                  for kind, value in phase.cpu.items()},
        "load_average_after": phase.load,
    }
    if phase.rate:
        figures["steady"] = steady_figures(phase, replies, figures["post_s"]["p50"])
    return figures


def steady_figures(phase: Phase, replies: dict[str, list[tuple[float, str]]],
                   post_p50: float) -> dict[str, Any]:
    """Return whether the deployment kept up with the offered rate, and the latencies from
    each message's scheduled time (what a gateway that queues what it cannot post sees)."""
    assert phase.rate
    posts = phase.posts
    sent = posts["sent"]
    scheduled = [posts["start"] + i / phase.rate for i in range(phase.count)]
    lag = [sent[i] - scheduled[i] for i in range(phase.count)]
    arrival = {}
    for index in range(phase.count):
        if got := replies.get(message(phase.name, index)[0]):
            arrival[index] = min(got)[0]
    fifth = max(1, phase.count // 5)
    early = [arrival[i] - sent[i] for i in range(fifth) if i in arrival]
    late = [arrival[i] - sent[i] for i in range(phase.count - fifth, phase.count) if i in arrival]
    from_schedule = [arrival[i] - scheduled[i] for i in arrival]
    behind = percentile(lag, 0.99) >= 1.0
    growing = percentile(late, 0.5) > 2 * percentile(early, 0.5) + 0.25
    reasons = []
    if len(arrival) < phase.count:
        reasons.append(f"{phase.count - len(arrival)} replies missing")
    if behind:
        most = phase.threads / post_p50 if post_p50 else float("inf")
        reasons.append(f"posts fell behind the schedule (answered in {post_p50 * 1000:.0f} ms "
                       f"at the median, {phase.threads} threads post at most {most:.0f}/s)")
    if growing:
        reasons.append("replies fell further behind as the phase went on")
    return {
        "offered_per_s": phase.rate,
        "posted_per_s": phase.count / (max(sent) - min(sent)) if phase.count > 1 else phase.rate,
        "generator_lag_s": {"p99": percentile(lag, 0.99), "max": max(lag)},
        "latency_first_fifth_p50_s": percentile(early, 0.5),
        "latency_last_fifth_p50_s": percentile(late, 0.5),
        "scheduled_to_reply_s": {"p50": percentile(from_schedule, 0.5),
                                 "p99": percentile(from_schedule, 0.99)},
        "kept_up": not reasons,
        "why_not": "; ".join(reasons),
    }


def machine_info() -> dict[str, Any]:
    model = ""
    with open("/proc/cpuinfo") as file:
        for line in file:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as file:
        total = int(file.readline().split()[1]) // 1024
    return {"cpus": os.cpu_count(), "cpu_model": model, "memory_mib": total,
            "kernel": platform.release(), "load_average_at_start": os.getloadavg()}


def guide_queues(guide: dict[str, Any]) -> list[str]:
    from tests.packaging.guide import env_file

    return [queue for kind in ("incoming", "send") for queue in
            env_file(guide[f"deploy-worker-{kind}-env"].text)["QUEUES"].split(",")]


def queued_tasks(broker: str, guide: dict[str, Any]) -> dict[str, int]:
    """Return how many tasks already wait in the guide's queues (another run's, if any)."""
    import redis

    client = redis.Redis.from_url(broker)
    return {queue: length for queue in guide_queues(guide) if (length := client.llen(queue))}


def purge_queues(broker: str, guide: dict[str, Any]) -> int:
    """Delete the tasks left in the guide's queues once the workers are stopped (an
    interrupted run leaves some): they point at rows of the database about to be dropped."""
    import redis

    client = redis.Redis.from_url(broker)
    left = sum(client.llen(queue) for queue in guide_queues(guide))
    if left:
        client.delete(*guide_queues(guide))
    return left


# The benchmark.

def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=5000,
                        help="messages of the flood phase (default 5000)")
    parser.add_argument("--threads", type=int, default=8,
                        help="threads of the load generator")
    parser.add_argument("--rate", type=float, default=100.0,
                        help="messages per second of the steady phase (0: skip it)")
    parser.add_argument("--rate-seconds", type=float, default=20.0,
                        help="how long the steady phase offers --rate (default 20)")
    parser.add_argument("--warm-up", type=int, default=100,
                        help="messages sent, and answered, before the measured phases")
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL,
                        help="PostgreSQL database, dropped and created (default %(default)s)")
    parser.add_argument("--broker", default="redis://127.0.0.1:6379/0",
                        help="Redis, Celery's broker as in the guide (default %(default)s)")
    parser.add_argument("--incoming-concurrency", type=int, default=0,
                        help="processes of the incoming worker (default: the guide's)")
    parser.add_argument("--web-workers", type=int, default=0,
                        help="gunicorn's --workers (default: the guide's)")
    parser.add_argument("--wheel", action="store_true",
                        help="build the wheel and install it, as the guide does, into a fresh "
                             "environment (default: run the checkout's .venv)")
    parser.add_argument("--stall", type=float, default=60.0,
                        help="give up waiting for replies after this many seconds without one")
    parser.add_argument("--json", type=Path, help="also write the figures as JSON to this path")
    parser.add_argument("--keep", action="store_true",
                        help="keep the deployment's directory (and the services' logs)")
    return parser.parse_args()


def main() -> None:
    args = parse_args()
    from tests.packaging.deployment import Deployment
    from tests.packaging.guide import DEPLOY_GUIDE, env_file, named_blocks

    machine = machine_info()
    print(f"Machine: {machine['cpus']} CPUs ({machine['cpu_model']}), "
          f"{machine['memory_mib']} MiB, Linux {machine['kernel']}; load average at start "
          + " ".join(f"{load:.2f}" for load in machine["load_average_at_start"]), flush=True)
    guide = named_blocks(DEPLOY_GUIDE)
    database = database_settings(args.database_url)
    work = Path(tempfile.mkdtemp(prefix="rapidsms-bench-deployed-"))
    gateway: Gateway | None = None
    deployment: Any = None
    sampler = CpuSampler(database["NAME"]).start()
    sampler.register(os.getpid(), "benchmark (this process)")
    results: dict[str, Any] = {"machine": machine}
    try:
        venv = prepare_venv(args, work)
        postgres_version = recreate_database(args.database_url)
        if waiting := queued_tasks(args.broker, guide):
            print(f"WARNING: tasks already wait in the broker's queues: {waiting} (an "
                  "interrupted run's, or another deployment's on this Redis: ours would mix "
                  "with them)", flush=True)
        gateway = Gateway()
        sampler.register(gateway.proc.pid, "stand-in gateway")
        deployment = Deployment(work / "deployment", venv, guide)
        deployment.write(database, args.broker, gateway.url)
        print("Setting up the deployment as the guide says...", flush=True)
        web_url, request = set_up(deployment, args)
        daemons = {daemon.name: daemon for daemon in deployment.daemons}
        register_processes(sampler, daemons)
        import redis

        found = versions(venv, deployment.app)
        found["PostgreSQL"] = postgres_version
        found["Redis"] = redis.Redis.from_url(args.broker).info("server")["redis_version"]
        incoming = env_file(guide["deploy-worker-incoming-env"].text)
        send = env_file(guide["deploy-worker-send-env"].text)
        config = {
            "messages": args.messages, "threads": args.threads, "rate": args.rate,
            "rate_seconds": args.rate_seconds, "warm_up": args.warm_up,
            "environment": "fresh, with the wheel" if args.wheel else "the checkout's .venv",
            "web": daemons["web"].argv[1:],
            "incoming": {"pool": incoming["POOL"],
                         "concurrency": args.incoming_concurrency or int(incoming["CONCURRENCY"])},
            "send": {"pool": send["POOL"], "concurrency": int(send["CONCURRENCY"])},
            "broker": args.broker, "database": database["NAME"],
            "commands": {name: " ".join(daemon.argv[1:]) for name, daemon in daemons.items()},
        }
        results.update(versions=found, config=config)
        print("Versions: " + ", ".join(f"{name} {version}" for name, version in found.items()))
        print(f"Configuration: gunicorn at {web_url}; "
              f"{config['web'][config['web'].index('--workers') + 1]} gunicorn workers; "
              f"incoming worker {config['incoming']['pool']} x "
              f"{config['incoming']['concurrency']}; send worker {config['send']['pool']} x "
              f"{config['send']['concurrency']}; beat; broker {args.broker}; database "
              f"{database['NAME']}; generator {args.threads} threads")
        for name, command in config["commands"].items():
            print(f"  {name}: {command}")

        phases = [Phase("warm-up", args.warm_up, None, args.threads),
                  Phase("flood", args.messages, None, args.threads)]
        if args.rate:
            phases.append(Phase("steady", max(1, round(args.rate * args.rate_seconds)),
                                args.rate, args.threads))
        for phase in phases:
            what = f"at {phase.rate:g}/s" if phase.rate else "as fast as possible"
            print(f"{phase.name}: posting {phase.count} messages {what}...", flush=True)
            start = time.monotonic()
            run_phase(phase, request, gateway, sampler, work, args.stall)
            print(f"  done in {time.monotonic() - start:.1f} s; load average "
                  + " ".join(f"{load:.2f}" for load in phase.load), flush=True)
            if phase.name == "warm-up":
                results["memory_after_warm_up"] = memory(daemons)
                print_memory("after the warm-up", results["memory_after_warm_up"])
        results["memory_at_end"] = memory(daemons)
        time.sleep(2)  # a reply sent twice would most likely come by now
        records = gateway.records()
        results["phases"] = {phase.name: summarize(phase, records) for phase in phases[1:]}
        results["cpu_s_whole_run"] = {
            kind: round(sum(phase.cpu[kind] for phase in phases[1:]), 2)
            for kind in [*CPU_KINDS, "_wall", "_machine"]}
        measured = sum(phase.count for phase in phases[1:])
        results["cpu_ms_per_message"] = {
            kind: round(seconds / measured * 1000, 3)
            for kind, seconds in results["cpu_s_whole_run"].items() if kind != "_wall"}
        results["machine"]["load_average_at_end"] = os.getloadavg()

        for name, figures in results["phases"].items():
            print_phase(name, figures)
        print_memory("at the end", results["memory_at_end"])
        print_cpu(results["phases"], results["cpu_s_whole_run"])
        print("\nLoad average at the end: "
              + " ".join(f"{load:.2f}" for load in machine["load_average_at_end"]))
        if args.json:
            args.json.write_text(json.dumps(results, indent=2) + "\n")
            print(f"Figures written to {args.json}")
    except KeyboardInterrupt:
        print("Interrupted: stopping everything.", file=sys.stderr)
        raise
    except BaseException:  # pytest's Failed too, which the deployment helpers raise
        if deployment is not None:
            for daemon in deployment.daemons:
                print(f"\n--- the end of {daemon.name}'s log ---\n"
                      + "\n".join(daemon.log().splitlines()[-20:]), file=sys.stderr)
        raise
    finally:
        sampler.stopped.set()
        if deployment is not None:
            deployment.stop()
            try:
                if left := purge_queues(args.broker, guide):
                    print(f"Removed {left} tasks left in the broker's queues.", file=sys.stderr)
            except Exception as error:
                print(f"Could not empty the broker's queues: {error}", file=sys.stderr)
        if gateway is not None:
            gateway.stop()
        try:
            drop_database(args.database_url)
        except Exception as error:  # the report matters more than the cleanup's failure
            print(f"Could not drop the database: {error}", file=sys.stderr)
        if args.keep:
            print(f"The deployment's directory and logs are kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    if sys.argv[1:2] == ["_gateway"]:
        serve_gateway()
    elif sys.argv[1:2] == ["_generate"]:
        generate(json.loads(sys.argv[2]))
    else:
        try:
            main()
        except KeyboardInterrupt:
            sys.exit(130)

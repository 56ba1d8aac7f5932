"""The deployment guide (docs/howto/deploy.rst), followed on this machine with the wheel.

The project is the tutorial's (``docs/tutorial/code``) with the guide's
``production.py``, ``celery.py`` and URL added, installed as the guide's pip
command says into a fresh environment. Its commands and its services run with
the guide's environment file and the command lines of its systemd units.
Only what is this machine's and not a server's changes: the paths, the
database's name and where PostgreSQL and the brokers listen (a settings
module imports the guide's and says so), and the web server's port.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.durable.processes import free_port, missing, reachable, wait_until
from tests.packaging.deployment import GUIDE_TEXT, HOSTNAME, Deployment, Request, Sink
from tests.packaging.dists import REPO_ROOT
from tests.packaging.guide import DEPLOY_GUIDE, Block, env_file, named_blocks
from tests.packaging.venvs import Venv
from tests.settings import database_from_url

pytestmark = pytest.mark.services

@pytest.fixture(scope="module")
def guide() -> dict[str, Block]:
    return named_blocks(DEPLOY_GUIDE)


@pytest.fixture(scope="module")
def postgres() -> Iterator[dict[str, str]]:
    """A database of this module's own on the suite's PostgreSQL server; dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        missing("The deployment guide's test needs PostgreSQL: set "
                "DATABASE_URL=postgres://postgres@127.0.0.1:5432/test")
    if not reachable(url, 5432):
        missing(f"No PostgreSQL answers at DATABASE_URL={url}")
    import psycopg

    conf = database_from_url(url)
    name = f"rapidsms_deploy_guide_{os.getpid()}"
    admin = dict(host=conf["HOST"], port=conf["PORT"], user=conf["USER"] or None,
                 password=conf["PASSWORD"] or None, dbname=conf["NAME"], autocommit=True)
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    yield {**conf, "NAME": name}
    with psycopg.connect(**admin) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    if not url.startswith("redis://"):
        missing("The deployment guide's test needs Redis, its broker: set "
                "REDIS_URL=redis://127.0.0.1:6379/0")
    if not reachable(url, 6379):
        missing(f"No Redis answers at REDIS_URL={url}")
    return url


@pytest.fixture(scope="module")
def sink() -> Iterator[Sink]:
    sink = Sink()
    yield sink
    sink.stop()


@pytest.fixture(scope="module")
def deployment(postgres, redis_url, guide, deploy_venv, sink,
               tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    """The project laid out, migrated and its static files collected, as the guide does."""
    deployment = Deployment(tmp_path_factory.mktemp("deployment"), deploy_venv, guide)
    deployment.write(postgres, redis_url, sink.url)
    for argv in guide["deploy-manage"].commands():
        assert argv[0] == "mysite-manage"
        if argv[1:] == ["createsuperuser"]:  # it asks questions; these answers are its options
            deployment.manage("createsuperuser", "--noinput", DJANGO_SUPERUSER_USERNAME="admin",
                              DJANGO_SUPERUSER_EMAIL="admin@example.org",
                              DJANGO_SUPERUSER_PASSWORD=secrets.token_urlsafe(16))
        else:
            deployment.manage(*argv[1:])
    yield deployment
    deployment.stop()


def test_the_guide_installs_rapidsms_from_the_wheel(deploy_venv: Venv, tmp_path: Path):
    where = deploy_venv.module_file("rapidsms", cwd=tmp_path)
    assert where.is_relative_to(deploy_venv.site_packages(tmp_path))


def test_the_settings_module_only_moves_the_services(deployment: Deployment):
    """The guide's production settings are the ones in force, but for this machine's services."""
    code = ("from django.conf import settings as s; import json; print(json.dumps("
            "[s.DEBUG, s.ALLOWED_HOSTS, s.RAPIDSMS_ROUTER, s.RAPIDSMS_CELERY_APP]))")
    out = deployment.manage("shell", "-c", code).strip().splitlines()[-1]
    assert json.loads(out) == [False, [HOSTNAME], "rapidsms.router.db.DatabaseRouter",
                               "mysite.celery.app"]


def test_check_deploy_passes_with_only_the_warnings_the_guide_names(deployment: Deployment):
    (argv,) = deployment.guide["deploy-check"].commands()
    assert argv[:2] == ["mysite-manage", "check"]
    output = deployment.manage(*argv[1:])
    issues = set(re.findall(r"^\?: \((\S+)\)", output, re.MULTILINE))
    assert issues <= {"security.W005", "security.W021"}, output


def test_the_static_files_are_collected(deployment: Deployment):
    static = Path(deployment.paths()["/srv/mysite/static"])
    assert (static / "rapidsms" / "css" / "rapidsms.css").is_file()


def test_rapidsms_status_lists_the_queues_the_workers_serve(deployment: Deployment):
    block = deployment.guide["deploy-queues"]
    assert deployment.manage("rapidsms_status").strip() == block.output_of(
        "mysite-manage rapidsms_status").strip()
    queues = block.output_of("mysite-manage rapidsms_status").split("Worker queues: ")[1].split(",")
    served = [env_file(deployment.guide[f"deploy-worker-{kind}-env"].text)["QUEUES"].split(",")
              for kind in ("incoming", "send")]
    assert sorted(served[0] + served[1]) == sorted(queues)
    assert served[1] == [queue for queue in queues if queue.startswith("rapidsms.send.")]


@dataclass
class Running:
    deployment: Deployment
    web: str
    nodes: list[str]


@pytest.fixture(scope="module")
def running(deployment: Deployment) -> Running:
    """The web server, both workers and beat, started with the guide's command lines."""
    port = free_port()
    web = deployment.start("web", "deploy-web-unit",
                           replace={"127.0.0.1:8000": f"127.0.0.1:{port}"})
    workers = [deployment.start(f"worker-{kind}", "deploy-worker-unit", kind)
               for kind in ("incoming", "send")]
    beat = deployment.start("beat", "deploy-beat-unit")
    for worker in workers:
        worker.wait_for(" ready.")
    beat.wait_for("beat: Starting")
    web.wait_for("Booting worker")
    url = f"http://127.0.0.1:{port}"
    wait_until(lambda: reachable(url, port), 30, message=f"gunicorn does not answer:\n{web.log()}")
    host = socket.gethostname()
    return Running(deployment, url, [f"{kind}@{host}" for kind in ("incoming", "send")])


def test_the_workers_answer_ping(running: Running):
    for node in running.nodes:
        assert "pong" in running.deployment.ping(node)


@pytest.mark.parametrize("block_name", ["deploy-health", "deploy-health-token"])
def test_the_health_url_answers_what_the_guide_shows(running: Running, block_name: str):
    block = running.deployment.guide[block_name]
    (curl,) = block.commands("$ ")
    response = Request.from_curl(curl, running.web, running.deployment.env).send()
    assert response.status_code == 200, response.text
    report = response.json()
    # The guide elides the other queues with ", ...".
    shown = json.loads(block.output_of("curl").replace(", ...", ""))
    assert report.keys() == shown.keys()
    for key, value in shown.items():
        if isinstance(value, dict):
            assert report[key].keys() == value.keys(), key
            assert report[key].get("ok") == value.get("ok"), key
    assert report["ok"] is True


def test_a_message_goes_through_as_the_guide_shows(running: Running, sink: Sink):
    block = running.deployment.guide["deploy-message"]
    curl, status = block.commands("$ ")
    request = Request.from_curl(curl, running.web, running.deployment.env)
    response = request.send()
    expected = block.output_of("curl").splitlines()
    assert f"HTTP/1.1 {response.status_code} {response.reason}" == expected[0]
    assert response.text.strip() == expected[-1]

    wait_until(lambda: sink.received, 60, message="the reply never reached the gateway")
    assert sink.received[0]["to"] == [request.data["from"]]
    shown = [line.split() for line in block.output_of("mysite-manage rapidsms_status").splitlines()]

    def table() -> str:
        return running.deployment.manage(*status[1:])

    wait_until(lambda: [line.split() for line in table().splitlines()] == shown, 30,
               message=f"rapidsms_status does not print what the guide shows:\n{table()}")


@pytest.fixture
def rabbitmq() -> str:
    url = os.environ.get("CELERY_BROKER_URL", "")
    if not url.startswith("amqp://"):
        missing("The RabbitMQ test needs RabbitMQ: set "
                "CELERY_BROKER_URL=amqp://guest:guest@127.0.0.1:5672//")
    if not reachable(url, 5672):
        missing(f"No RabbitMQ answers at CELERY_BROKER_URL={url}")
    return url


def test_a_worker_answers_ping_with_rabbitmq_as_broker(deployment: Deployment, rabbitmq: str):
    """The guide's worker, with RabbitMQ instead of Redis (and priorities, as RabbitMQ wants).

    Its queue has a name of its own, deleted afterwards, so that nothing else
    on the broker sees it. It has the Redis worker's node name, but only it
    listens on RabbitMQ.
    """
    queue = f"rapidsms-deploy-guide-{uuid.uuid4().hex[:12]}.incoming"
    settings = deployment.app / "mysite" / "this_machine_rabbitmq.py"
    settings.write_text(
        '"""This machine\'s deployment with RabbitMQ as the broker."""\n\n'
        "from mysite.this_machine import *  # noqa: F403\n\n"
        f"CELERY_BROKER_URL = {rabbitmq!r}\n"
        "CELERY_TASK_QUEUE_MAX_PRIORITY = 10\n"
        f"RAPIDSMS_INCOMING_QUEUE = {queue!r}\n"
    )
    settings_module = "mysite.this_machine_rabbitmq"
    worker = deployment.start("worker-rabbitmq", "deploy-worker-unit", "incoming",
                              DJANGO_SETTINGS_MODULE=settings_module, QUEUES=queue)
    try:
        worker.wait_for(" ready.")
        assert "pong" in deployment.ping(f"incoming@{socket.gethostname()}",
                                         DJANGO_SETTINGS_MODULE=settings_module)
    finally:
        worker.stop()
        delete_queue(rabbitmq, queue)


def delete_queue(url: str, queue: str) -> None:
    kombu = pytest.importorskip("kombu")
    with kombu.Connection(url, connect_timeout=5) as conn:
        conn.default_channel.queue_delete(queue)


def test_the_durability_topic_imports_the_celery_app_as_the_guide_does():
    """Both name the app in RAPIDSMS_CELERY_APP and start Celery with ``-A <project>.celery``."""
    topic = (REPO_ROOT / "docs" / "topics" / "durability.rst").read_text(encoding="utf-8")
    assert set(re.findall(r"celery -A (\S+)", topic)) == {"myproject.celery"}
    assert 'RAPIDSMS_CELERY_APP = "myproject.celery.app"' in topic
    assert set(re.findall(r"celery -A (\S+)", GUIDE_TEXT)) == {"mysite.celery"}
    production = named_blocks(DEPLOY_GUIDE)["deploy-production-settings"].text
    assert 'RAPIDSMS_CELERY_APP = "mysite.celery.app"' in production

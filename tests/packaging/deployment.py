"""The deployment guide's server, laid out in a temporary directory: files, commands, services.

``Deployment`` writes the tutorial's project with the guide's files, runs
``manage.py`` as the guide's ``mysite-manage`` does and starts what the
guide's systemd units start. ``Sink`` stands for the gateway the replies go
to, ``Request`` for what nginx passes on of the guide's ``curl`` commands.
"""

from __future__ import annotations

import re
import secrets
import shutil
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import requests

from tests.packaging.daemons import Daemon
from tests.packaging.dists import REPO_ROOT
from tests.packaging.guide import DEPLOY_GUIDE, Block, env_file, exec_start, unit_settings
from tests.packaging.venvs import Venv, check

TUTORIAL_CODE = REPO_ROOT / "docs" / "tutorial" / "code"
GUIDE_TEXT = DEPLOY_GUIDE.read_text(encoding="utf-8")
#: The settings module of this machine's deployment (see ``Deployment.write``).
SETTINGS = "mysite.this_machine"
HOSTNAME = "sms.example.org"


class Sink:
    """The tutorial gateway's "send SMS" address: records the query of every GET."""

    def __init__(self) -> None:
        self.received: list[dict[str, list[str]]] = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                sink.received.append(parse_qs(urlsplit(self.path).query))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"OK")

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@dataclass
class Deployment:
    """The guide's /srv/mysite, /etc/mysite and /var/lib/mysite, in a temporary directory."""

    root: Path
    venv: Venv
    guide: dict[str, Block]
    env: dict[str, str] = field(default_factory=dict)
    daemons: list[Daemon] = field(default_factory=list)

    @property
    def app(self) -> Path:
        return self.root / "srv" / "app"

    def paths(self) -> dict[str, str]:
        """The guide's paths, and where they are here."""
        return {"/srv/mysite/venv": str(self.venv.path), "/srv/mysite/app": str(self.app),
                "/srv/mysite/static": str(self.root / "srv" / "static"),
                "/var/lib/mysite": str(self.root / "var")}

    def here(self, argv: list[str]) -> list[str]:
        for path, local in self.paths().items():
            argv = [arg.replace(path, local) for arg in argv]
        return argv

    def write(self, database: dict[str, str], broker: str, sink_url: str) -> None:
        """Lay out the project as the guide says, and this machine's settings module."""
        shutil.copytree(TUTORIAL_CODE, self.app,
                        ignore=shutil.ignore_patterns("__pycache__", "db.sqlite3", "pytest.ini"))
        for path in self.paths().values():
            Path(path).mkdir(parents=True, exist_ok=True)
        package = self.app / "mysite"
        (package / "production.py").write_text(self.guide["deploy-production-settings"].text)
        (package / "celery.py").write_text(self.guide["deploy-celery-app"].text)
        urls = (package / "urls.py").read_text()
        added = "".join(f"    {line}\n" for line in self.guide["deploy-urls"].text.splitlines())
        (package / "urls.py").write_text(urls.replace("urlpatterns = [\n",
                                                      "urlpatterns = [\n" + added, 1))
        # The setting the guide's text asks for when a monitor wants the health details.
        health = re.search(r"``(RAPIDSMS_HEALTH_TOKENS = .+?)``", GUIDE_TEXT)
        assert health, "the guide no longer says how to set RAPIDSMS_HEALTH_TOKENS"
        with open(package / "production.py", "a") as production:
            production.write(f"{health[1]}\n")
        database = {key: database[key] for key in ("NAME", "HOST", "PORT", "USER", "PASSWORD")}
        (package / "this_machine.py").write_text(
            '"""The guide\'s production settings, with where this machine\'s services are."""\n\n'
            "from mysite.production import *  # noqa: F403\n"
            "from mysite.production import DATABASES\n\n"
            f"DATABASES['default'].update({database!r})\n"
            f"STATIC_ROOT = {self.paths()['/srv/mysite/static']!r}\n"
            f"CELERY_BROKER_URL = {broker!r}\n"
        )
        env = {**env_file(self.guide["deploy-env"].text), "HEALTH_TOKEN": "<a new secret>"}
        assert env["DJANGO_SETTINGS_MODULE"] == "mysite.production"
        for name, value in env.items():
            if value.startswith("<") and value.endswith(">"):
                env[name] = secrets.token_urlsafe(50)
        self.env = {**env, "DJANGO_SETTINGS_MODULE": SETTINGS, "GATEWAY_URL": sink_url}

    def manage(self, *args: str, timeout: float = 180, **env: str) -> str:
        """Run ``mysite-manage <args>``: manage.py in the app, with the services' environment."""
        result = self.venv.run([self.venv.python, "manage.py", *args], cwd=self.app,
                               timeout=timeout, **{**self.env, **env})
        return check(result, f"manage.py {' '.join(args)}")

    def unit_env(self, unit: str, instance: str = "") -> dict[str, str]:
        """The environment a unit's processes get: its ``EnvironmentFile`` lines, in order."""
        files = {"/etc/mysite/env": self.env}
        for kind in ("incoming", "send"):
            files[f"/etc/mysite/worker-{kind}.env"] = env_file(
                self.guide[f"deploy-worker-{kind}-env"].text)
        env: dict[str, str] = {}
        for name in unit_settings(unit).get("EnvironmentFile", []):
            env.update(files[name.replace("%i", instance)])
        return env

    def start(self, name: str, unit_block: str, instance: str = "",
              replace: dict[str, str] | None = None, **env: str) -> Daemon:
        """Start what the unit's ``ExecStart`` runs, in its ``WorkingDirectory``."""
        unit = self.guide[unit_block].text
        unit_env = {**self.unit_env(unit, instance), **env}
        argv = self.here(exec_start(unit, instance, unit_env))
        for old, new in (replace or {}).items():
            argv = [new if arg == old else arg for arg in argv]
        (workdir,) = self.here(unit_settings(unit)["WorkingDirectory"])
        daemon = Daemon(name, argv, Path(workdir), self.venv.env(**unit_env), self.root).start()
        self.daemons.append(daemon)
        return daemon

    def ping(self, node: str, **env: str) -> str:
        result = self.venv.run([self.venv.bin / "celery", "-A", "mysite.celery", "inspect",
                                "ping", "--timeout", "10", "--destination", node],
                               cwd=self.app, **{**self.env, **env})
        return check(result, f"celery inspect ping -d {node}")

    def stop(self) -> None:
        for daemon in self.daemons:  # all at once: each takes a moment to shut down
            daemon.terminate()
        for daemon in self.daemons:
            daemon.stop()



@dataclass
class Request:
    """What one of the guide's ``curl`` commands sends, as nginx passes it to gunicorn."""

    method: str
    url: str
    headers: dict[str, str]
    data: dict[str, str]

    @classmethod
    def from_curl(cls, argv: list[str], web: str, env: dict[str, str]) -> Request:
        """Read ``curl`` options; ``web`` is gunicorn's URL, ``env`` the shell's variables."""
        headers: dict[str, str] = {}
        data: dict[str, str] = {}
        url = ""
        for option, value in zip(argv, [*argv[1:], ""], strict=True):
            if option == "-H":
                name, _, header = value.partition(": ")
                headers[name] = re.sub(r"\$(\w+)", lambda m: env[m[1]], header)
            elif option == "--data-urlencode":
                key, _, text = value.partition("=")
                data[key] = text
            elif option.startswith("https://"):
                url = option
        parts = urlsplit(url)
        assert parts.netloc == HOSTNAME, url
        headers.update({"Host": HOSTNAME, "X-Forwarded-Proto": parts.scheme})
        return cls("POST" if data else "GET", web + parts.path, headers, data)

    def send(self) -> requests.Response:
        return requests.request(self.method, self.url, headers=self.headers, data=self.data,
                                timeout=30)

"""A project written for RapidSMS 2.x runs unchanged: its checks pass and its tests pass.

The project in ``project2x/`` keeps 2.x's settings (no inbound app, a
gateway package that is not installed), a 2.x URLconf (gateway views named
by ``backend_name``), a 2.x gateway add-on with a form of its own, and 2.x
tests run by Django's test runner, as its users run them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parent / "project2x"
ROOT = PROJECT.parents[2]


def manage(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {key: value for key, value in os.environ.items()
           if key not in ("DJANGO_SETTINGS_MODULE", "DATABASE_URL")}
    env.update(PYTHONPATH=os.pathsep.join([str(PROJECT), str(ROOT)]),
               PROJECT2X_DB=str(tmp_path / "project.db"))
    return subprocess.run([sys.executable, "manage.py", *args], cwd=PROJECT, env=env,
                          capture_output=True, text=True, timeout=300)


def check_ids(output: str) -> set[str]:
    return {word.strip("():") for word in output.split() if word.startswith("(rapidsms.")}


def test_check_passes_with_warnings_that_say_what_to_change(tmp_path):
    result = manage(tmp_path, "check")
    assert result.returncode == 0, result.stderr
    assert check_ids(result.stdout + result.stderr) == {
        "rapidsms.W004",           # a gateway package that is not installed
        "rapidsms.backends.W001",  # the add-on's view has no secret
        "rapidsms.backends.W003",  # a URL names a backend missing from settings
        "rapidsms.backends.W004",  # no inbound app: retries are not de-duplicated
    }


def test_check_deploy_refuses_what_is_unsafe_in_production(tmp_path):
    result = manage(tmp_path, "check", "--deploy", "--fail-level", "ERROR")
    assert result.returncode != 0
    ids = check_ids(result.stdout + result.stderr)
    assert {"rapidsms.E004", "rapidsms.backends.E001", "rapidsms.backends.E002",
            "rapidsms.backends.E003"} <= ids


def test_the_projects_own_2x_tests_pass_unchanged(tmp_path):
    result = manage(tmp_path, "test", "--noinput", "-v", "2")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Ran 12 tests" in output and "\nOK" in output
    # What 2.x did silently is said once, loudly.
    assert "'kiosk' is served by a URL but is not in INSTALLED_BACKENDS" in output


def test_migrate_and_serve_a_2x_gateway_post_on_a_fresh_database(tmp_path):
    assert manage(tmp_path, "migrate", "--noinput").returncode == 0
    script = (
        "import django; django.setup()\n"
        "from django.test import Client\n"
        "from rapidsms.models import Connection\n"
        "client = Client()\n"
        "data = {'From': '+15550102070', 'Body': 'status', 'MessageSid': 'SM9'}\n"
        "codes = [client.post('/backend/addon/', data).status_code for _ in range(2)]\n"
        "kiosk = client.get('/backend/kiosk/', {'identity': '+15550102071', 'text': 'ping'})\n"
        "print(codes, kiosk.status_code, sorted(c.backend.name for c in "
        "Connection.objects.all()))\n"
    )
    result = manage(tmp_path, "shell", "-c", script)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[200, 200] 200 ['addon', 'kiosk']"

"""The sandbox as people use it by hand: its command and its control endpoint."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import requests

from rapidsms.backends.rapidpro.client import RapidProClient
from rapidsms.backends.rapidpro.sandbox import Sandbox
from tests.rapidpro.conftest import TOKEN
from tests.rapidpro.test_client import free_port

ROOT = Path(__file__).resolve().parents[2]


def test_pretending_someone_texted_in() -> None:
    with Sandbox(token=TOKEN) as sandbox:
        answer = requests.post(f"{sandbox.url}/sandbox/receive.json",
                               json={"urn": "tel:+250788123123", "text": "ping"}, timeout=5)
        assert answer.status_code == 201
        listed = RapidProClient(sandbox.url, TOKEN).get_messages(folder="inbox").all()
        assert [(m.urn, m.text) for m in listed] == [("tel:+250788123123", "ping")]
        refused = requests.post(f"{sandbox.url}/sandbox/receive.json",
                                json={"urn": "tel:12", "text": "x"}, timeout=5)
        assert refused.status_code == 400 and "Invalid URN" in refused.json()["error"]
        missing = requests.post(f"{sandbox.url}/api/v2/nothing.json",
                                headers={"Authorization": f"Token {TOKEN}"}, timeout=5)
        assert missing.status_code == 404 and missing.json() == {"detail": "Not found."}


def test_the_command_serves_the_api_until_stopped() -> None:
    port = free_port()
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "django", "rapidpro_sandbox", "--port", str(port),
         "--token", "cmd-token", "--shape", "v9"],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        client = RapidProClient(f"http://127.0.0.1:{port}", "cmd-token", max_retries=0)
        deadline = time.monotonic() + 30
        while True:
            try:
                workspace = client.get_workspace()
                break
            except Exception:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise
                time.sleep(0.1)
        assert workspace.primary_language == "eng"  # a RapidPro 9 field
        assert client.create_broadcast("hi", urns=["tel:+250788123123"]).id is not None
    finally:
        process.terminate()
        out, _ = process.communicate(timeout=10)
    assert f"http://127.0.0.1:{port}" in out and "cmd-token" in out

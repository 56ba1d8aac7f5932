"""``make demo``'s first step: it refuses a busy port and names ``DEMO_ADDR``.

The check is ``example/check_port.py``; the test runs the very command the
Makefile's ``demo`` target runs first, with this interpreter for
``$(BIN)/python``.
"""

from __future__ import annotations

import shlex
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.example.server import free_port

ROOT = Path(__file__).resolve().parents[2]


def demo_check_command(addr: str) -> list[str]:
    """Return the first command of the Makefile's ``demo`` recipe, for ``DEMO_ADDR=addr``."""
    lines = (ROOT / "Makefile").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("demo:"))
    first = lines[start + 1]
    assert first.startswith("\t"), "the demo target has no recipe"
    command = first.strip().lstrip("@")
    command = command.replace("$(BIN)/python", "PYTHON").replace("$(DEMO_ADDR)", addr)
    assert "$(" not in command, command
    return [sys.executable if word == "PYTHON" else word for word in shlex.split(command)]


def run_check(addr: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(demo_check_command(addr), cwd=ROOT, capture_output=True,
                          text=True, timeout=30)


def test_the_demo_checks_the_port_before_anything_else() -> None:
    command = demo_check_command("127.0.0.1:8000")
    assert command[1:] == ["example/check_port.py", "127.0.0.1:8000"]


def test_a_busy_port_stops_the_demo_and_names_demo_addr() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        result = run_check(f"127.0.0.1:{port}")
    assert result.returncode != 0
    assert f"Port 127.0.0.1:{port} is busy" in result.stderr
    assert "DEMO_ADDR=" in result.stderr, result.stderr


def test_a_free_port_passes() -> None:
    result = run_check(f"127.0.0.1:{free_port()}")
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


@pytest.mark.parametrize("addr", ["127.0.0.1", "127.0.0.1:http", "localhost:70000"])
def test_an_address_without_a_port_is_refused_with_the_reason(addr: str) -> None:
    result = run_check(addr)
    assert result.returncode != 0
    assert "DEMO_ADDR" in result.stderr

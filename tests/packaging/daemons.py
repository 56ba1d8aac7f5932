"""Programs that keep running while a test talks to them: workers, beat, gunicorn.

Each runs in its own session, so that stopping it stops its children too
(prefork workers, gunicorn's workers) and teardown leaves nothing running.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest


class Daemon:
    """One program started by a test, its output in ``log_dir/<name>.log``."""

    def __init__(self, name: str, argv: list[str], cwd: Path, env: dict[str, str],
                 log_dir: Path) -> None:
        self.name = name
        self.argv = argv
        self.cwd = cwd
        self.env = env
        self.log_path = log_dir / f"{name}.log"
        self.proc: subprocess.Popen | None = None

    def start(self) -> Daemon:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(self.argv, cwd=self.cwd, env=self.env, stdout=log,
                                         stderr=subprocess.STDOUT, start_new_session=True)
        return self

    def log(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def wait_for(self, text: str, timeout: float = 60) -> None:
        """Wait until the output shows ``text``; fail if the program exits or takes too long."""
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while text not in self.log():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                state = "exited" if self.proc.poll() is not None else "is still silent"
                pytest.fail(f"{self.name} {state} without printing {text!r}:\n"
                            + "\n".join(self.log().splitlines()[-40:]), pytrace=False)
            time.sleep(0.1)

    def terminate(self) -> None:
        """Send SIGTERM to the whole session, without waiting."""
        if self.proc and self.proc.poll() is None:
            try:
                os.killpg(self.proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass

    def stop(self, grace: float = 10) -> None:
        """SIGTERM to the whole session, then SIGKILL after ``grace`` seconds."""
        if not self.proc or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(grace)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)
        except ProcessLookupError:
            pass

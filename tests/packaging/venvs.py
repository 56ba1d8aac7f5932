"""Fresh virtual environments that know nothing of the checkout.

Each is made with ``python -m venv --without-pip`` and filled by the pip of
the interpreter running the tests (``pip --python``): no pip to install per
environment, and pip's cache and configuration serve every install after the
first. pip compiles nothing (``--no-compile``): most of what it installs is
never imported by a test, and what is gets compiled once, on first import.
Its programs run with an environment built from scratch (no ``PYTHONPATH``,
no ``DJANGO_SETTINGS_MODULE`` of the suite) and a working directory outside
the checkout, so ``import rapidsms`` finds the wheel.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import pytest

from tests.durable.processes import missing

#: What pip prints when it cannot reach the package index.
NETWORK_ERRORS = (
    "NewConnectionError",
    "Failed to establish a new connection",
    "Temporary failure in name resolution",
    "Network is unreachable",
    "ConnectTimeoutError",
    "ReadTimeoutError",
)


def pip_failed(result: subprocess.CompletedProcess, what: str) -> None:
    """Skip (or fail) when pip could not download; fail with pip's output otherwise."""
    output = (result.stdout or "") + (result.stderr or "")
    tail = "\n".join(output.splitlines()[-40:])
    if any(error in output for error in NETWORK_ERRORS):
        missing(f"{what} could not download packages (no network to the package index?):\n{tail}")
    pytest.fail(f"{what} failed:\n{tail}", pytrace=False)


class Venv:
    """A virtual environment at ``path``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.bin = path / "bin"
        self.python = self.bin / "python"
        self.requirements: tuple[str, ...] = ()
        self.pip: subprocess.Popen | None = None

    @classmethod
    def create(cls, path: Path) -> Venv:
        subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(path)],
                       check=True, capture_output=True)
        return cls(path)

    def start_install(self, *requirements: str) -> Venv:
        """Start installing ``requirements`` in the background (pip's syntax: a wheel's
        path may carry ``[extras]``); :meth:`wait_installed` waits for it."""
        self.requirements = requirements
        with open(self.path / "pip-install.log", "w") as log:
            self.pip = subprocess.Popen(
                [sys.executable, "-m", "pip", "--python", str(self.python), "install",
                 "--quiet", "--no-input", "--no-compile", *requirements],
                stdout=log, stderr=subprocess.STDOUT,
            )
        return self

    def wait_installed(self, timeout: float = 600) -> Venv:
        """Wait for :meth:`start_install`; skip or fail the test as :func:`pip_failed` says."""
        assert self.pip is not None, "start_install() first"
        returncode = self.pip.wait(timeout)
        if returncode != 0:
            output = (self.path / "pip-install.log").read_text(errors="replace")
            pip_failed(subprocess.CompletedProcess(self.pip.args, returncode, output, ""),
                       f"pip install {' '.join(self.requirements)}")
        return self

    def env(self, **extra: str) -> dict[str, str]:
        """Return a process environment with this venv's ``bin`` first and nothing of ours."""
        env = {
            "PATH": os.pathsep.join([str(self.bin), "/usr/local/bin", "/usr/bin", "/bin"]),
            "HOME": os.environ.get("HOME", str(self.path)),
            "LANG": "C.UTF-8",
            "PYTHONNOUSERSITE": "1",
        }
        if "TMPDIR" in os.environ:
            env["TMPDIR"] = os.environ["TMPDIR"]
        env.update(extra)
        return env

    def run(self, args: Sequence[str | Path], cwd: Path, timeout: float = 120,
            **env: str) -> subprocess.CompletedProcess:
        """Run ``args`` (a name in ``bin`` or a path) in ``cwd`` with :meth:`env` plus ``env``.

        It runs in a session of its own: when it takes too long, whatever it
        started (a server, a worker) is killed with it.
        """
        argv = [str(arg) for arg in args]
        with subprocess.Popen(argv, cwd=cwd, env=self.env(**env), stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, start_new_session=True) as proc:
            try:
                stdout, stderr = proc.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.communicate()
                raise
        return subprocess.CompletedProcess(argv, proc.returncode, stdout, stderr)

    def site_packages(self, cwd: Path) -> Path:
        code = "import sysconfig; print(sysconfig.get_path('purelib'))"
        result = self.run([self.python, "-c", code], cwd=cwd)
        return Path(result.stdout.strip())

    def module_file(self, module: str, cwd: Path, **env: str) -> Path:
        """Return where this environment imports ``module`` from, run in ``cwd``."""
        result = self.run([self.python, "-c", f"import {module}; print({module}.__file__)"],
                          cwd=cwd, **env)
        assert result.returncode == 0, result.stderr
        return Path(result.stdout.strip())


def check(result: subprocess.CompletedProcess, what: str = "") -> str:
    """Fail with the output unless ``result`` succeeded; return its standard output."""
    if result.returncode != 0:
        command = what or " ".join(map(str, result.args))
        pytest.fail(f"{command} exited with {result.returncode}:\n{result.stdout}\n{result.stderr}",
                    pytrace=False)
    return result.stdout

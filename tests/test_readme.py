"""The README's example app and its test must work as printed."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def readme_files() -> dict[str, str]:
    """Return {relative path: code} for each README code block that starts with a path comment."""
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    files = {}
    for block in blocks:
        first, _, rest = block.partition("\n")
        if first.startswith("# ") and first.endswith(".py"):
            files[first[2:].strip()] = rest
    return files


def run_clinic_tests(
    tmp_path: Path,
    files: dict[str, str],
    *,
    python: str = sys.executable,
    settings: str = "tests.settings",
    pythonpath: Sequence[Path] = (ROOT,),
    env: Mapping[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """Write ``files`` as a package in ``tmp_path`` and run its tests with pytest.

    By default the checkout's interpreter runs them with the suite's settings;
    ``tests/packaging`` passes an installed environment's ``python``, its
    ``env`` and a ``settings`` module found on ``pythonpath`` instead.
    """
    (tmp_path / "clinic").mkdir()
    (tmp_path / "clinic" / "__init__.py").write_text("")
    for name, code in files.items():
        (tmp_path / name).write_text(code)
    run_env = dict(
        os.environ if env is None else env,
        PYTHONPATH=os.pathsep.join(str(path) for path in [tmp_path, *pythonpath]),
        # The inner run creates and drops its own test database, never ours.
        RAPIDSMS_TEST_DB_NAME=f"test_rapidsms_readme_{os.getpid()}",
    )
    return subprocess.run(
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider", f"--ds={settings}",
         "--rootdir", str(tmp_path), "-c", os.devnull, str(tmp_path / "clinic" / "tests.py")],
        cwd=tmp_path, env=run_env, capture_output=True, text=True, timeout=120,
    )


def test_readme_example_app_passes_its_own_test(tmp_path):
    files = readme_files()
    assert set(files) == {"clinic/app.py", "clinic/tests.py"}
    result = run_clinic_tests(tmp_path, files)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout


def test_readme_example_fails_when_the_reply_is_wrong(tmp_path):
    files = readme_files()
    files["clinic/app.py"] = files["clinic/app.py"].replace("8:00", "9:00")
    result = run_clinic_tests(tmp_path, files)
    assert result.returncode != 0
    assert "expected +15550001 <" in result.stdout

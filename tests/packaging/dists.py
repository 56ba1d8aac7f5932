"""Build the sdist and the wheel from the project's files, as a release would be built.

The build starts from a copy of the files git knows of (as they are in the
work tree), never from the checkout itself: an ignored file must not get
into the wheel, and the build must leave nothing behind in the checkout.
``python -m build`` makes the sdist, then the wheel from the unpacked sdist,
so a file missing from either is missing from the wheel.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from dataclasses import dataclass
from pathlib import Path

from tests.packaging.venvs import pip_failed

REPO_ROOT = Path(__file__).resolve().parents[2]


def tracked_files(under: str = "", *, untracked: bool = False) -> list[str] | None:
    """Return the paths git tracks under ``under``, or None outside a git checkout.

    ``untracked=True`` adds the files git would show as new (not ignored).
    """
    if shutil.which("git") is None:
        return None
    others = ["--others", "--exclude-standard"] if untracked else []
    result = subprocess.run(
        ["git", "ls-files", "-z", "--cached", *others, "--", under or "."],
        cwd=REPO_ROOT, capture_output=True, text=True,
    )
    if result.returncode != 0:
        return None
    return sorted(path for path in result.stdout.split("\0") if path)


def package_files() -> list[str]:
    """Return the package's files, relative to the checkout: git's list, or the tree's."""
    tracked = tracked_files("rapidsms")
    if tracked is not None:
        return tracked
    root = REPO_ROOT / "rapidsms"
    return sorted(
        str(path.relative_to(REPO_ROOT)) for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    )


@dataclass(frozen=True)
class Dists:
    """The two files a release publishes."""

    sdist: Path
    wheel: Path

    def wheel_names(self) -> set[str]:
        with zipfile.ZipFile(self.wheel) as archive:
            return set(archive.namelist())


def build_dists(work: Path) -> Dists:
    """Copy the project's files into ``work/src`` and build both into ``work/dist``.

    The files are the tracked ones and the new ones not yet added, as they are
    in the work tree, so that a new module works before ``git add``; a fresh
    clone has only the tracked ones.
    """
    source, out = work / "src", work / "dist"
    tracked = tracked_files(untracked=True)
    if tracked is None:
        # A tarball of the project: build from it as it is.
        shutil.copytree(REPO_ROOT, source, ignore=shutil.ignore_patterns(
            ".git", ".venv", "__pycache__", "*.egg-info", "build", "dist", "_build"))
    else:
        for name in tracked:
            if (REPO_ROOT / name).is_file():  # a tracked file deleted in the work tree is gone
                (source / name).parent.mkdir(parents=True, exist_ok=True)
                shutil.copy2(REPO_ROOT / name, source / name)
    result = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)],
        capture_output=True, text=True, timeout=300,
    )
    if result.returncode != 0:
        pip_failed(result, "python -m build")
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return Dists(sdist=sdist, wheel=wheel)

"""Fetch RapidSMS 2.2.0's release from PyPI once, and unpack its test modules into a cache.

The release is the source distribution (2.2.0 has no wheel), downloaded
with pip and checked against its known SHA-256. Only the ``.py`` files under
``rapidsms/`` are unpacked: the tests, and 2.2's own modules beside them,
which :mod:`.overlay` never serves.

The sdist lacks one file 2.2's tests need: the Spanish catalogue of its
translation test app (one text, "hello" is "hola"), which 2.2's repository
has. :func:`write_test_catalogue` writes it.
"""

from __future__ import annotations

import hashlib
import struct
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path, PurePosixPath

VERSION = "2.2.0"
SDIST = f"rapidsms-{VERSION}.tar.gz"
SHA256 = "84576acc7bf82e733ccab1ddd94852280dfdb1c9b60c88b4c68ef9379a236eb3"
#: Written last: a folder without it was not unpacked completely.
COMPLETE = ".complete"


class Unavailable(Exception):
    """The release could not be downloaded (no network, or PyPI unreachable)."""


def fetch(cache: Path) -> Path:
    """Return a folder holding 2.2.0's ``rapidsms`` tree; download it the first time."""
    target = cache / f"rapidsms-{VERSION}"
    if (target / COMPLETE).exists():
        return target
    archive = cache / SDIST
    if not archive.exists() or _sha256(archive) != SHA256:
        download(cache)
    if _sha256(archive) != SHA256:
        raise RuntimeError(f"{archive} does not have the SHA-256 of RapidSMS {VERSION}.")
    unpack(archive, target)
    write_test_catalogue(target)
    (target / COMPLETE).write_text(SHA256)
    return target


def download(cache: Path) -> None:
    """Download the sdist into ``cache`` with pip; raise :class:`Unavailable` if it cannot."""
    cache.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=cache) as folder:
        command = [sys.executable, "-m", "pip", "download", f"rapidsms=={VERSION}",
                   "--no-deps", "--no-binary", ":all:", "--dest", folder,
                   "--disable-pip-version-check", "--quiet", "--retries", "1", "--timeout", "30"]
        try:
            result = subprocess.run(command, capture_output=True, text=True, timeout=300)
        except subprocess.TimeoutExpired as exc:
            raise Unavailable(f"pip download of rapidsms=={VERSION} timed out") from exc
        got = Path(folder) / SDIST
        if result.returncode != 0 or not got.exists():
            detail = (result.stderr or result.stdout).strip().splitlines()[-1:]
            raise Unavailable(f"pip could not download rapidsms=={VERSION}: {detail}")
        got.replace(cache / SDIST)


def unpack(archive: Path, target: Path) -> None:
    """Write the ``rapidsms/**.py`` files of ``archive`` under ``target``, and nothing else."""
    prefix = PurePosixPath(f"rapidsms-{VERSION}", "rapidsms")
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():
            path = PurePosixPath(member.name)
            if not (member.isfile() and path.suffix == ".py" and path.is_relative_to(prefix)):
                continue
            if ".." in path.parts:
                continue
            relative = path.relative_to(prefix.parent)
            destination = target.joinpath(*relative.parts)
            destination.parent.mkdir(parents=True, exist_ok=True)
            extracted = tar.extractfile(member)
            assert extracted is not None
            destination.write_bytes(extracted.read())


def write_test_catalogue(target: Path) -> None:
    """Write the Spanish catalogue of 2.2's translation test app, which its sdist lacks."""
    folder = target / "rapidsms" / "tests" / "translation" / "locale" / "es" / "LC_MESSAGES"
    folder.mkdir(parents=True, exist_ok=True)
    header = "Content-Type: text/plain; charset=UTF-8\n"
    (folder / "django.mo").write_bytes(mo_file({"": header, "hello": "hola"}))


def mo_file(messages: dict[str, str]) -> bytes:
    """Return a GNU gettext ``.mo`` file of ``messages`` (no plurals, no hash table)."""
    ids = sorted(messages)
    originals = [key.encode() for key in ids]
    translations = [messages[key].encode() for key in ids]
    count = len(ids)
    start = 7 * 4 + 16 * count  # the header, then two tables of (length, offset)
    table: list[int] = []
    strings = b""
    for group in (originals, translations):
        for text in group:
            table += [len(text), start + len(strings)]
            strings += text + b"\0"
    header = struct.pack("<7I", 0x950412DE, 0, count, 28, 28 + 8 * count, 0, start)
    return header + struct.pack(f"<{4 * count}I", *table) + strings


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else ""

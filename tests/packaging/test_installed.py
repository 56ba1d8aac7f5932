"""The wheel installed with its ``test`` extra into a fresh environment, as a project uses it.

``installed/installed_checks.py`` runs there, in a directory that holds
nothing but the ``installed`` folder: the pages render, the static files are
found, the translations load, the migrations apply and every management
command runs, all from the installed files. The README's example app passes
its own test there too.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
from pathlib import Path

import pytest

from tests.packaging.dists import REPO_ROOT, package_files
from tests.packaging.venvs import Venv, check
from tests.test_readme import readme_files, run_clinic_tests

INSTALLED = Path(__file__).resolve().parent / "installed"


def po_entries(path: Path) -> list[dict[str, str]]:
    """Return the entries of a ``.po`` file as {keyword: text}, the header included."""
    entries: list[dict[str, str]] = []
    entry: dict[str, str] = {}
    keyword = ""
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        line = line.strip()
        if not line:
            if entry:
                entries.append(entry)
            entry = {}
        elif line.startswith('"'):
            entry[keyword] += ast.literal_eval(line)
        elif not line.startswith("#"):
            keyword, _, text = line.partition(" ")
            entry[keyword] = ast.literal_eval(text)
    return entries


def sample_translations(files: list[str]) -> list[tuple[str, str, str, str]]:
    """Return (catalogue, language, msgid, msgstr): each catalogue's first real translation."""
    samples = []
    for name in files:
        if not name.endswith(".po"):
            continue
        language = name.split("/locale/", 1)[1].split("/", 1)[0]
        for entry in po_entries(REPO_ROOT / name):
            if set(entry) == {"msgid", "msgstr"} and entry["msgid"] and entry["msgstr"] not in (
                    "", entry["msgid"]):
                samples.append((name, language, entry["msgid"], entry["msgstr"]))
                break
    return samples


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with the checks' project and the list of what the package ships."""
    root = tmp_path_factory.mktemp("installed")
    for source in INSTALLED.glob("*.py"):
        shutil.copy(source, root / source.name)
    files = package_files()
    (root / "package_files.json").write_text(json.dumps({
        "files": [name for name in files if not name.endswith((".py", ".pyc"))],
        "translations": sample_translations(files),
    }))
    return root


def test_the_environment_imports_rapidsms_from_its_site_packages(site_venv: Venv, project: Path):
    where = site_venv.module_file("rapidsms", cwd=project)
    assert where.is_relative_to(site_venv.site_packages(project))
    assert not where.is_relative_to(REPO_ROOT)


def test_the_installed_package_passes_its_checks(site_venv: Venv, project: Path):
    result = site_venv.run(
        [site_venv.python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-rfEs",
         "--rootdir", project, "-c", os.devnull, "--ds=installed_settings",
         project / "installed_checks.py"],
        cwd=project, timeout=300,
        PYTHONPATH=str(project), RAPIDSMS_PACKAGE_FILES=str(project / "package_files.json"),
    )
    output = check(result, "the installed package's checks")
    assert " passed" in output and "skipped" not in output, output


def test_the_readme_example_app_passes_its_test_against_the_wheel(
        site_venv: Venv, project: Path, tmp_path: Path):
    result = run_clinic_tests(
        tmp_path, readme_files(), python=str(site_venv.python), settings="installed_settings",
        pythonpath=[project], env=site_venv.env(),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 passed" in result.stdout

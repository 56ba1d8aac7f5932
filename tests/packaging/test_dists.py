"""The sdist and the wheel carry every file of the package that git tracks.

A template, static file or translation missing from the wheel works in the
checkout (``pip install -e``) and breaks after ``pip install``: the page
that uses it answers 500. Python files are compared too, which catches a
subpackage whose ``__init__.py`` was forgotten.
"""

from __future__ import annotations

import tarfile

import pytest

from tests.packaging.dists import Dists, tracked_files


@pytest.fixture(scope="module")
def tracked() -> list[str]:
    files = tracked_files("rapidsms")
    if files is None:
        pytest.skip("Not a git checkout: there is no list of tracked files to compare with.")
    return files


def test_the_wheel_carries_every_tracked_file_of_the_package(dists: Dists, tracked: list[str]):
    missing = sorted(set(tracked) - dists.wheel_names())
    assert not missing, (
        f"{dists.wheel.name} lacks {len(missing)} tracked file(s); list their patterns in "
        f"setup.py's package_data: {missing}"
    )


def test_the_sdist_carries_every_tracked_file_of_the_package(dists: Dists, tracked: list[str]):
    with tarfile.open(dists.sdist) as archive:
        # Each name is "rapidsms-<version>/<path in the checkout>".
        names = {name.partition("/")[2] for name in archive.getnames()}
    missing = sorted(set(tracked) - names)
    assert not missing, f"{dists.sdist.name} lacks {missing}"


def test_the_wheel_has_no_compiled_or_cached_files(dists: Dists):
    stray = sorted(name for name in dists.wheel_names()
                   if "__pycache__" in name or name.endswith((".pyc", ".pyo")))
    assert not stray


def test_the_sdist_leaves_the_test_suite_out(dists: Dists):
    """A few of tests/test*.py alone (setuptools' default) could not run."""
    with tarfile.open(dists.sdist) as archive:
        # Each name is "rapidsms-<version>/<path>"; rapidsms/tests/ is the package's harness.
        assert not [name for name in archive.getnames()
                    if name.partition("/")[2].startswith("tests/")]

"""The gateway pages name the versions of the real software the suite runs against.

Each page's "Tested with" section gives one version in bold; it must be the
version installed here, so that a newer Kannel, ``twilio`` or
``rapidpro-python`` in CI shows up as a page to bring up to date.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest

from tests.kannel.rig import kannel_version

BACKENDS = Path(__file__).resolve().parents[2] / "docs" / "backends"


def documented_version(page: str) -> str:
    """Return the first bold version number of ``page``'s "Tested with" section."""
    text = (BACKENDS / page).read_text(encoding="utf-8")
    section = text.split("\nTested with\n-----------\n", 1)
    assert len(section) == 2, f"docs/backends/{page} has no 'Tested with' section"
    found = re.search(r"\*\*(\d+(?:\.\d+)+)\*\*", section[1])
    assert found, f"the 'Tested with' section of docs/backends/{page} names no version"
    return found.group(1)


@pytest.mark.parametrize(("page", "distribution"), [
    ("twilio.rst", "twilio"), ("rapidpro.rst", "rapidpro-python"),
])
def test_the_page_names_the_library_version_tested(page: str, distribution: str) -> None:
    try:
        installed = metadata.version(distribution)
    except metadata.PackageNotFoundError:
        pytest.skip(f"{distribution} is not installed (pip install -e '.[test]')")
    assert documented_version(page) == installed, (
        f"the tests ran {distribution} {installed}: update docs/backends/{page}")


def test_the_kannel_page_names_the_kannel_version_tested() -> None:
    installed = kannel_version()  # skips (or fails) where Kannel is not installed
    assert documented_version("kannel.rst") == installed, (
        f"the tests ran Kannel {installed}: update docs/backends/kannel.rst")

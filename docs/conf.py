"""Sphinx configuration of the documentation.

Build with ``make docs`` (warnings are errors). The API reference imports the
package, so Django is set up here with the test suite's settings.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
sys.path.insert(0, str(ROOT))

# The test settings need no services to import, which is all autodoc asks of them.
os.environ["DJANGO_SETTINGS_MODULE"] = "tests.settings"

import django  # noqa: E402

django.setup()

from rapidsms import __version__  # noqa: E402

project = "RapidSMS"
author = "The RapidSMS contributors"
copyright = "RapidSMS contributors, BSD-3-Clause licence"
release = __version__
version = ".".join(__version__.split(".")[:2])

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
]

exclude_patterns = ["_build", "examples"]
root_doc = "index"
language = "en"

html_theme = "alabaster"
html_title = f"RapidSMS {version}"

autodoc_member_order = "bysource"
autodoc_typehints = "description"
# Types appear where a docstring documents the parameter, not as lists of "Any".
autodoc_typehints_description_target = "documented"
autodoc_default_options = {"members": True}
# A subclass's method without a docstring does not do what its base class's says.
autodoc_inherit_docstrings = False

#: Folders whose pages others write: their index page lists whatever pages are there.
SECTION_INDEXES = ("backends/index", "contrib/index")


def list_section_pages(app: Any, docname: str, source: list[str]) -> None:
    """Append a toctree of the other pages in a section folder, when there are any.

    A ``:glob:`` toctree that matches nothing is a warning, and warnings fail
    the build, so the toctree is only written when the folder has pages
    besides its index (directly, or as ``<folder>/<sub>/index``).
    """
    if docname not in SECTION_INDEXES:
        return
    folder = Path(app.srcdir) / Path(docname).parent
    patterns = []
    if any(page.name != "index.rst" for page in folder.glob("*.rst")):
        patterns.append("*")
    if any(folder.glob("*/index.rst")):
        patterns.append("*/index")
    if patterns:
        entries = "".join(f"   {pattern}\n" for pattern in patterns)
        source[0] += f"\n\n.. toctree::\n   :glob:\n   :maxdepth: 1\n\n{entries}"


def reread_section_indexes(app: Any, env: Any, added: set, changed: set, removed: set) -> list:
    """Read the section indexes again on every build, so new pages get listed."""
    return [name for name in SECTION_INDEXES if name in env.found_docs]


def setup(app: Any) -> None:
    """Register the ``setting`` role and directive, and the section-index hooks."""
    app.add_object_type("setting", "setting", indextemplate="pair: %s; setting")
    app.connect("source-read", list_section_pages)
    app.connect("env-get-outdated", reread_section_indexes)

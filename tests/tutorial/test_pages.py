"""The tutorial's pages show the code of ``docs/tutorial/code``, all of it, and nothing else."""

from __future__ import annotations

import re

import pytest

from tests.tutorial import pages

#: Files the reader does not write: commands make them (startproject, startapp,
#: makemigrations), or they are the package markers those commands create.
MADE_BY_COMMANDS = {
    "manage.py", "mysite/__init__.py", "mysite/wsgi.py", "clinic_stock/__init__.py",
    "clinic_stock/apps.py", "clinic_stock/migrations/__init__.py",
    "clinic_stock/migrations/0001_initial.py",
}


def code_files() -> set[str]:
    return {
        path.relative_to(pages.CODE).as_posix()
        for path in pages.CODE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".sqlite3"
    }


def test_docs_index_lists_the_tutorial_after_getting_started():
    index = (pages.ROOT / "docs" / "index.rst").read_text()
    getting_started = index.index(":caption: Getting started")
    tutorial = index.index(":caption: Tutorial\n\n   tutorial/index\n")
    assert getting_started < tutorial


def test_tutorial_index_lists_every_step_in_order():
    index = pages.page_path("index").read_text()
    toctree = index[index.index(".. toctree::"):]
    listed = re.findall(r"^   (\w+)$", toctree, re.MULTILINE)
    assert listed == pages.STEPS
    on_disk = {path.stem for path in pages.TUTORIAL.glob("*.rst")} - {"index"}
    assert on_disk == set(pages.STEPS)


@pytest.mark.parametrize("include", pages.includes(), ids=lambda i: f"{i.page}:{i.caption}")
def test_every_include_shows_a_file_of_the_project(include):
    assert include.path.is_relative_to(pages.CODE), include.path
    assert include.path.is_file(), include.path
    # The caption names the file as it sits in the reader's project.
    assert include.caption == include.path.relative_to(pages.CODE).as_posix()
    assert include.text().strip()  # every marker is still in the file


def test_every_file_a_reader_writes_is_shown():
    shown = {include.path.relative_to(pages.CODE).as_posix() for include in pages.includes()}
    assert shown == code_files() - MADE_BY_COMMANDS


def test_settings_pages_show_every_line_after_installed_apps():
    """The parts of settings.py the steps add, together, are the file's end, in order."""
    settings = (pages.CODE / "mysite" / "settings.py").read_text()
    parts = [include.text() for include in pages.includes()
             if include.caption == "mysite/settings.py"]
    assert parts[0].startswith("INSTALLED_APPS = [")
    shown = "".join(parts[1:])
    assert settings.endswith(shown)
    assert shown.startswith("# The pages (stock reports")


@pytest.mark.parametrize("page", ["index", *pages.STEPS])
def test_pages_hold_no_code_outside_the_project(page):
    """Python, HTML and INI are included from the project, never typed into a page."""
    text = pages.page_path(page).read_text()
    languages = set(re.findall(r"^\.\. code-block:: (\S+)$", text, re.MULTILINE))
    assert languages <= {"console", "text"}, languages


def test_console_commands_use_the_documented_addresses():
    """The pages send the reader to one server, at the address runserver prints."""
    urls = {url for page in pages.STEPS
            for url in re.findall(r"https?://127\.0\.0\.1:\d+", pages.prose(page))}
    assert urls == {"http://127.0.0.1:8000", "http://127.0.0.1:8001", "http://127.0.0.1:8765"}

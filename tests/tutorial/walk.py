"""Follow the tutorial in a temporary folder, page by page, as a reader would.

Each page's listings are written where the page says (a whole file under
its caption, or a part of ``settings.py`` or ``urls.py`` where the page says
to put it), and its console commands are run in the order the page shows
them. The commands that need a second terminal or a person (``runserver``,
``createsuperuser``, ``curl``...) are left to the live-server tests.

The project is built on SQLite, as the tutorial's settings say, whatever
database the suite itself runs on.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from tests.tutorial import pages
from tests.tutorial.pages import Console, Include

#: Commands a reader runs that the walk does not: setting up the virtual
#: environment, and what needs a second terminal or a person at the keyboard.
NOT_RUN_BY_THE_WALK = {
    ("mkdir",), ("cd",), ("python3", "-m", "venv"), (".",), ("python", "-m", "pip"),
    ("python", "manage.py", "runserver"), ("python", "manage.py", "createsuperuser"),
    ("python", "manage.py", "rapidpro_sandbox"), ("python", "-m", "http.server"), ("curl",),
}

#: Pages after which the walk runs ``manage.py check``, because they say what it reports.
CHECK_AFTER = {"app"}

#: Environment variables the child processes must not inherit from the suite.
PARENT_ONLY = ("DATABASE_URL", "DJANGO_SETTINGS_MODULE", "PYTEST_ADDOPTS", "PYTEST_CURRENT_TEST")


def child_env(**extra: str) -> dict[str, str]:
    """Return the environment of a command run in the tutorial project."""
    env = {key: value for key, value in os.environ.items() if key not in PARENT_ONLY}
    env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra)
    return env


def python_argv(argv: list[str]) -> list[str]:
    """Return ``argv`` as this interpreter runs it (``django-admin`` and ``pytest`` included)."""
    program, *rest = argv
    if program == "django-admin":
        return [sys.executable, "-m", "django", *rest]
    if program == "pytest":
        return [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *rest]
    if program == "python":
        return [sys.executable, *rest]
    raise AssertionError(f"The walk does not know how to run {argv!r}.")


@dataclass
class Ran:
    """A command the walk ran, and what it printed."""

    argv: list[str]
    returncode: int
    stdout: str
    stderr: str

    @property
    def output(self) -> str:
        return self.stdout + self.stderr


class TutorialWalk:
    """A project built by following the tutorial's pages, up to a given step."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.steps_done = 0
        #: Every command the walk ran, by page, in order.
        self.ran: dict[str, list[Ran]] = {}
        #: ``manage.py check`` as it ran at the end of the pages in CHECK_AFTER.
        self.checks: dict[str, Ran] = {}
        self.executor = ThreadPoolExecutor(max_workers=2, thread_name_prefix="tutorial")

    def upto(self, step: int) -> TutorialWalk:
        """Follow the pages until step ``step`` (1 = the first page) is done; return self."""
        while self.steps_done < step:
            page = pages.STEPS[self.steps_done]
            self.ran[page] = []
            test_runs: list[tuple[list[str], Future[Ran]]] = []
            for block in pages.read_blocks(page):
                if isinstance(block, Include):
                    self.write(block)
                else:
                    self.run_console(block, test_runs)
            for argv, future in test_runs:
                ran = future.result()
                ran.argv = argv
                self.ran[page].append(ran)
            if page in CHECK_AFTER:
                self.checks[page] = self.manage("check")
            self.steps_done += 1
        return self

    def run(self, argv: list[str], timeout: float = 120, **env: str) -> Ran:
        """Run a command in the project folder; return what it printed."""
        result = subprocess.run(
            argv, cwd=self.root, env=child_env(**env), capture_output=True, text=True,
            timeout=timeout,
        )
        return Ran(argv, result.returncode, result.stdout, result.stderr)

    def manage(self, *args: str, **env: str) -> Ran:
        """Run ``python manage.py <args>``."""
        return self.run([sys.executable, "manage.py", *args], **env)

    def run_console(self, block: Console, test_runs: list[tuple[list[str], Future[Ran]]]) -> None:
        """Run the block's commands; start test runs in ``test_runs`` without waiting."""
        for argv in block.commands:
            if any(tuple(argv[: len(skip)]) == skip for skip in NOT_RUN_BY_THE_WALK):
                continue
            if argv[0] == "pytest" or argv[2:3] == ["test"]:
                # Test runs change nothing in the project, so they run side by side;
                # the tests look at how they went.
                test_runs.append((argv, self.executor.submit(self.run, python_argv(argv))))
                continue
            ran = self.run(python_argv(argv))
            ran.argv = argv
            self.ran[block.page].append(ran)
            if ran.returncode != 0:
                raise AssertionError(
                    f"{block.page}.rst: {' '.join(argv)!r} failed:\n{ran.output}"
                )

    def ran_command(self, page: str, *words: str) -> Ran:
        """Return the run of the page's command that has all ``words`` in it."""
        found = [ran for ran in self.ran[page] if all(word in ran.argv for word in words)]
        assert len(found) == 1, f"{page}.rst: expected one command with {words}: {found}"
        return found[0]

    # Writing the listings ----------------------------------------------------

    def write(self, include: Include) -> None:
        """Put a listing where its page says to."""
        target = self.root / include.caption
        text = include.text()
        if not {"start-at", "start-after"} & set(include.options):
            # "Create ..." or "Replace ... with": the file as shown, from its first line.
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        elif include.caption == "mysite/settings.py":
            self.edit_settings(include, target, text)
        elif include.caption == "mysite/urls.py":
            self.edit_urls(include, target, text)
        else:
            raise AssertionError(f"{include.page}.rst shows part of {include.caption}; "
                                 "the walk does not know where it goes.")

    def edit_settings(self, include: Include, target: Path, text: str) -> None:
        settings = target.read_text(encoding="utf-8")
        if text.startswith("INSTALLED_APPS = ["):
            # "Replace INSTALLED_APPS with this list."
            settings, count = re.subn(r"INSTALLED_APPS = \[.*?\n\]\n", lambda _: text,
                                      settings, count=1, flags=re.DOTALL)
            assert count == 1, "startproject's settings.py has no INSTALLED_APPS list"
        else:
            if "os.environ" in text and not re.search(r"^import os$", settings, re.MULTILINE):
                # The page says to add the import; startproject's settings do not have it.
                assert "Add ``import os`` at the top" in pages.prose(include.page), (
                    f"{include.page}.rst uses os.environ without saying to import os"
                )
                settings = settings.replace("from pathlib import Path",
                                            "import os\nfrom pathlib import Path", 1)
            # "Add ... at the end" / "after LOGGING" / "after RAPIDSMS_HANDLERS": appended.
            settings = settings.rstrip("\n") + "\n\n" + text
        target.write_text(settings, encoding="utf-8")

    def edit_urls(self, include: Include, target: Path, text: str) -> None:
        # "Add it to the project's urlpatterns": before the list's closing bracket.
        urls = target.read_text(encoding="utf-8")
        head, bracket, tail = urls.rpartition("]")
        assert bracket, "urls.py has no urlpatterns list"
        target.write_text(head + text + bracket + tail, encoding="utf-8")

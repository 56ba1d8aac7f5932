"""Read the tutorial's pages: their included listings, console commands and tables.

The pages include every listing from ``docs/tutorial/code`` with Sphinx's
``literalinclude``; :meth:`Include.text` cuts a file the way Sphinx does for
the options the pages use, so the tests see exactly what a reader sees.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
TUTORIAL = ROOT / "docs" / "tutorial"
CODE = TUTORIAL / "code"

#: The pages of the tutorial, in the order a reader follows them.
STEPS = ["project", "app", "reports", "testing", "tester", "gateway", "rapidpro"]

_DIRECTIVE = re.compile(r"^\.\. (?P<name>[\w:-]+)::\s*(?P<argument>.*)$")
_OPTION = re.compile(r"^\s+:(?P<name>[\w-]+):\s*(?P<value>.*)$")


@dataclass
class Include:
    """One ``literalinclude`` of a page: the file and the options that cut it."""

    page: str
    path: Path
    options: dict[str, str]

    @property
    def caption(self) -> str:
        """The file name the page shows, relative to the reader's project."""
        return self.options.get("caption", "")

    @property
    def whole_file(self) -> bool:
        """Whether the page shows the file from its first line to its last."""
        cuts = {"start-at", "start-after", "end-at", "end-before", "lines", "pyobject"}
        return not cuts & set(self.options)

    def text(self) -> str:
        """Return the text the page shows, cut as Sphinx cuts it; raise if a marker is gone."""
        lines = self.path.read_text(encoding="utf-8").splitlines(keepends=True)
        for option, keep in (("start-at", True), ("start-after", False)):
            if option in self.options:
                index = _find(lines, self.options[option], self, option)
                lines = lines[index if keep else index + 1:]
        for option, keep in (("end-at", True), ("end-before", False)):
            if option in self.options:
                index = _find(lines, self.options[option], self, option)
                lines = lines[: index + 1 if keep else index]
        if "append" in self.options:
            lines.append(self.options["append"] + "\n")
        return "".join(lines)


@dataclass
class Console:
    """One ``console`` code block: its commands, each with the output printed under it."""

    page: str
    commands: list[list[str]] = field(default_factory=list)
    outputs: list[str] = field(default_factory=list)


def _find(lines: list[str], marker: str, include: Include, option: str) -> int:
    for index, line in enumerate(lines):
        if marker in line:
            return index
    raise ValueError(
        f"{include.page}.rst includes {include.path.name} with :{option}: {marker!r}, "
        "which is not in the file."
    )


def page_path(page: str) -> Path:
    return TUTORIAL / f"{page}.rst"


def read_blocks(page: str) -> list[Include | Console]:
    """Return the page's includes and console blocks, in the order the page shows them."""
    lines = page_path(page).read_text(encoding="utf-8").splitlines()
    blocks: list[Include | Console] = []
    index = 0
    while index < len(lines):
        match = _DIRECTIVE.match(lines[index])
        index += 1
        if not match:
            continue
        options, body, index = _directive_body(lines, index)
        if match["name"] == "literalinclude":
            blocks.append(Include(page, TUTORIAL / match["argument"], options))
        elif match["name"] == "code-block" and match["argument"] == "console":
            blocks.append(_console(page, body))
    return blocks


def _directive_body(lines: list[str], index: int) -> tuple[dict[str, str], list[str], int]:
    options: dict[str, str] = {}
    while index < len(lines) and (option := _OPTION.match(lines[index])):
        options[option["name"]] = option["value"]
        index += 1
    body: list[str] = []
    while index < len(lines) and (not lines[index].strip() or lines[index].startswith("   ")):
        body.append(lines[index][3:])
        index += 1
    while body and not body[-1].strip():
        body.pop()
    while body and not body[0].strip():
        body.pop(0)
    return options, body, index


def _console(page: str, body: list[str]) -> Console:
    console = Console(page)
    pending = ""
    for line in body:
        if pending or line.startswith("$ "):
            pending += line.removeprefix("$ ").strip()
            if pending.endswith("\\"):
                pending = pending[:-1] + " "
                continue
            console.commands.append(shlex.split(pending))
            console.outputs.append("")
            pending = ""
        elif console.outputs:
            console.outputs[-1] += line + "\n"
    return console


def includes(page: str | None = None) -> list[Include]:
    """Return the includes of one page, or of every page."""
    pages = [page] if page else ["index", *STEPS]
    return [block for name in pages for block in read_blocks(name) if isinstance(block, Include)]


def commands(page: str) -> list[tuple[list[str], str]]:
    """Return ``(argv, output shown)`` for every console command of a page."""
    return [
        (argv, output)
        for block in read_blocks(page)
        if isinstance(block, Console)
        for argv, output in zip(block.commands, block.outputs, strict=True)
    ]


def command(page: str, program: str, *words: str) -> tuple[list[str], str]:
    """Return the page's one command that runs ``program`` with ``words`` among its arguments."""
    found = [
        (argv, output) for argv, output in commands(page)
        if argv[0] == program and all(word in argv for word in words)
    ]
    assert len(found) == 1, f"{page}.rst should show one {program} {words} command: {found}"
    return found[0]


def literal_blocks(page: str, language: str = "text") -> list[str]:
    """Return the text of each ``code-block:: <language>`` of a page."""
    lines = page_path(page).read_text(encoding="utf-8").splitlines()
    blocks = []
    for index, line in enumerate(lines):
        match = _DIRECTIVE.match(line)
        if match and match["name"] == "code-block" and match["argument"] == language:
            blocks.append("\n".join(_directive_body(lines, index + 1)[1]))
    return blocks


def list_table(page: str, number: int = 0) -> list[list[str]]:
    """Return the rows (header included) of the page's ``number``-th list-table, as text.

    Inline literals lose their double back-quotes: ````STOCK````
    becomes ``STOCK``.
    """
    lines = page_path(page).read_text(encoding="utf-8").splitlines()
    tables = [index for index, line in enumerate(lines) if line.startswith(".. list-table::")]
    _, body, _ = _directive_body(lines, tables[number] + 1)
    rows: list[list[str]] = []
    for line in body:
        if line.startswith("* - "):
            rows.append([line[4:]])
        elif line.startswith("  - "):
            rows[-1].append(line[4:])
        elif line.strip():
            rows[-1][-1] += " " + line.strip()
    return [[re.sub(r"``(.*?)``", r"\1", cell).strip() for cell in row] for row in rows]


def prose(page: str) -> str:
    """Return the page's text with its line breaks folded into spaces."""
    return " ".join(page_path(page).read_text(encoding="utf-8").split())

"""Read a documentation page's named code blocks, and the systemd units and files they show.

The deployment guide gives each block a test builds on a ``:name:`` (for
example ``:name: deploy-production-settings``); the tests take the text a
reader copies, so a change of the guide that would break a deployment
breaks a test.
"""

from __future__ import annotations

import re
import shlex
import textwrap
from dataclasses import dataclass
from pathlib import Path

#: The deployment guide, whose blocks are named ``deploy-...``.
DEPLOY_GUIDE = Path(__file__).resolve().parents[2] / "docs" / "howto" / "deploy.rst"
#: The monitoring page, whose install block is named ``monitoring-install``.
MONITORING_PAGE = DEPLOY_GUIDE.with_name("monitoring.rst")

_DIRECTIVE = re.compile(r"^(?P<indent> *)\.\. code-block::\s*(?P<language>\S*)\s*$")
_OPTION = re.compile(r"^\s+:(?P<name>[\w-]+):\s*(?P<value>.*)$")


@dataclass(frozen=True)
class Block:
    """One ``code-block`` of a page, its text as a reader copies it."""

    name: str
    language: str
    text: str

    def commands(self, prompt: str = "") -> list[list[str]]:
        """Return the block's commands as argv lists (lines joined at ``\\``).

        With ``prompt`` (``"$ "`` in a console block), only the lines that
        start with it are commands; the others are their output.
        """
        commands, pending = [], ""
        for line in self.text.splitlines():
            if not pending:
                if not line.startswith(prompt) or line.lstrip().startswith("#"):
                    continue
                line = line[len(prompt):]
            pending += line
            if pending.endswith("\\"):
                pending = pending[:-1]
                continue
            if pending.strip():
                commands.append(shlex.split(pending))
            pending = ""
        return commands

    def output_of(self, command_start: str) -> str:
        """Return the lines a console block prints under the command starting so."""
        lines = self.text.splitlines()
        for index, line in enumerate(lines):
            if line.startswith(f"$ {command_start}"):
                while lines[index].endswith("\\"):
                    index += 1
                output = []
                for after in lines[index + 1:]:
                    if after.startswith("$ "):
                        break
                    output.append(after)
                return "\n".join(output)
        raise KeyError(f"no command {command_start!r} in block {self.name}")


def named_blocks(page: Path) -> dict[str, Block]:
    """Return the page's code blocks that have a ``:name:``, by name."""
    lines = page.read_text(encoding="utf-8").splitlines()
    blocks = {}
    for index, line in enumerate(lines):
        match = _DIRECTIVE.match(line)
        if not match:
            continue
        indent, options, body = len(match["indent"]), {}, []
        index += 1
        while index < len(lines) and (option := _OPTION.match(lines[index])):
            options[option["name"]] = option["value"]
            index += 1
        while index < len(lines) and (not lines[index].strip() or _indent(lines[index]) > indent):
            body.append(lines[index])
            index += 1
        if "name" in options:
            text = textwrap.dedent("\n".join(body)).strip("\n") + "\n"
            blocks[options["name"]] = Block(options["name"], match["language"], text)
    return blocks


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def env_file(text: str) -> dict[str, str]:
    """Return the ``NAME=value`` lines of an environment file (systemd's and sh's)."""
    pairs = (line.split("=", 1) for line in text.splitlines()
             if line.strip() and not line.lstrip().startswith("#"))
    return {name.strip(): value.strip() for name, value in pairs}


def unit_settings(unit: str) -> dict[str, list[str]]:
    """Return each ``Key=value`` of a systemd unit (continuation lines joined), by key."""
    settings: dict[str, list[str]] = {}
    for line in unit.replace("\\\n", " ").splitlines():
        if "=" in line and not line.startswith(("#", "[")):
            key, value = line.split("=", 1)
            settings.setdefault(key.strip(), []).append(value.strip())
    return settings


def expand(value: str, instance: str, env: dict[str, str]) -> str:
    """Expand the specifiers (``%i``, ``%%``) and ``${NAME}`` of a unit's value as systemd does."""
    def specifier(match: re.Match) -> str:
        letter = match.group(1)
        if letter == "%":
            return "%"
        if letter == "i":
            return instance
        raise ValueError(f"specifier %{letter} is not expanded by these tests")

    value = re.sub(r"%(.)", specifier, value)
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: env[m.group(1) or m.group(2)], value)


def exec_start(unit: str, instance: str, env: dict[str, str]) -> list[str]:
    """Return the unit's ``ExecStart`` as the argv systemd would run."""
    (command,) = unit_settings(unit)["ExecStart"]
    return shlex.split(expand(command, instance, env))


def deploy_requirements(wheel: Path) -> list[str]:
    """Return what the deployment guide's pip command installs, with ``wheel`` for its path."""
    (command,) = [argv for argv in named_blocks(DEPLOY_GUIDE)["deploy-install"].commands()
                  if "pip" in argv]
    package, *others = command[command.index("install") + 1:]
    assert package.startswith("path/to/rapidsms["), command
    return [str(wheel) + package.removeprefix("path/to/rapidsms"), *others]


def monitoring_requirements(wheel: Path) -> list[str]:
    """Return what the monitoring page's pip command installs, with ``wheel`` for the package."""
    (command,) = named_blocks(MONITORING_PAGE)["monitoring-install"].commands("$ ")
    package, *others = command[command.index("install") + 1:]
    assert package.startswith("rapidsms["), command
    return [str(wheel) + package.removeprefix("rapidsms"), *others]

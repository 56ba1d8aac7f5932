"""Where the package's translations live, and how to bring them up to date.

Each bundled app keeps its own catalogue in its ``locale`` folder; the core
catalogue (``rapidsms/locale``) covers everything else: the core's pages,
the gateways, the durable router, and (as ``djangojs``) the pages' scripts.

Run ``make messages`` (this module) after changing a marked text: it adds new
texts to every catalogue, with an empty translation, and compiles them. The
tests in this folder fail until every text is translated and compiled.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import rapidsms

PACKAGE = Path(rapidsms.__file__).resolve().parent
#: The languages every catalogue is translated into (English is the source).
LANGUAGES = ["fr", "es", "pt", "sw", "ar"]


@dataclass(frozen=True)
class Catalogue:
    """One folder with a ``locale`` of its own and the sources it covers."""

    folder: str  # relative to the package
    domain: str = "django"
    ignore: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        return f"{self.folder or 'rapidsms'}:{self.domain}"

    def po(self, language: str, root: Path = PACKAGE) -> Path:
        return root / self.folder / "locale" / language / "LC_MESSAGES" / f"{self.domain}.po"


CONTRIB_APPS = [
    "default", "echo", "handlers", "httptester", "messagelog", "messaging", "optout",
    "registration",
]
CATALOGUES = [
    Catalogue(
        "",
        ignore=("contrib/*", "tests/*", "testing/*", "backends/rapidpro/sandbox/*"),
    ),
    Catalogue("", domain="djangojs"),
    *(Catalogue(f"contrib/{app}") for app in CONTRIB_APPS),
]


def makemessages(catalogue: Catalogue, root: Path, languages: list[str]) -> None:
    """Run Django's ``makemessages`` for ``catalogue`` in the package copy at ``root``."""
    folder = root / catalogue.folder
    (folder / "locale").mkdir(exist_ok=True)
    command = [
        sys.executable, "-m", "django", "makemessages", "--domain", catalogue.domain,
        "--no-obsolete", "--no-wrap", "--add-location", "file",
        *(f"--locale={language}" for language in languages),
        *(f"--ignore={pattern}" for pattern in catalogue.ignore),
    ]
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(command, cwd=folder, env=env, capture_output=True, text=True,
                            timeout=300)
    if result.returncode != 0:
        raise RuntimeError(f"makemessages failed for {catalogue.name}:\n{result.stderr}")


def copy_sources(target: Path) -> Path:
    """Copy the package without its catalogues to ``target``; return the copy's root."""
    root = target / "rapidsms"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("locale", "__pycache__"))
    return root


def compile_catalogues(root: Path = PACKAGE) -> None:
    """Compile every ``.po`` under ``root`` to its ``.mo``, checking the placeholders."""
    for po in sorted(root.glob("**/locale/*/LC_MESSAGES/*.po")):
        subprocess.run(
            ["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)], check=True
        )


def main() -> None:
    """Update every catalogue of the package from the code, then compile them."""
    for catalogue in CATALOGUES:
        makemessages(catalogue, PACKAGE, ["en", *LANGUAGES])
    compile_catalogues()


if __name__ == "__main__":
    main()

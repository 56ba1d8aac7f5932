"""Where the package's translations live, and how to bring them up to date.

Each bundled app keeps its own catalogue in its ``locale`` folder; the core
catalogue (``rapidsms/locale``) covers everything else: the core's pages,
the gateways, the durable router, and (as ``djangojs``) the pages' scripts.
The example project's SMS app (``example/supplies``, what ``make demo``
runs) has its own, so that the demo answers in the contact's language too.

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
#: The example project that ``make demo`` serves.
EXAMPLE = Path(__file__).resolve().parents[2] / "example"
#: The source trees with catalogues, by the name a :class:`Catalogue` gives.
TREES = {"rapidsms": PACKAGE, "example": EXAMPLE}
#: The languages every catalogue is translated into (English is the source).
LANGUAGES = ["fr", "es", "pt", "sw", "ar"]


@dataclass(frozen=True)
class Catalogue:
    """One folder with a ``locale`` of its own and the sources it covers."""

    folder: str  # relative to its tree
    domain: str = "django"
    ignore: tuple[str, ...] = ()
    tree: str = "rapidsms"  # a key of TREES

    @property
    def name(self) -> str:
        if self.tree == "rapidsms":
            return f"{self.folder or 'rapidsms'}:{self.domain}"
        return f"{self.tree}/{self.folder}:{self.domain}"

    def source(self, root: Path | None = None) -> Path:
        """Return the folder the catalogue covers: in the checkout, or in ``root``.

        ``root`` is a copy made by :func:`copy_sources`.
        """
        tree = TREES[self.tree] if root is None else root / self.tree
        return tree / self.folder

    def po(self, language: str, root: Path | None = None) -> Path:
        return (self.source(root) / "locale" / language / "LC_MESSAGES"
                / f"{self.domain}.po")


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
    Catalogue("supplies", tree="example"),
]


def makemessages(catalogue: Catalogue, root: Path | None, languages: list[str]) -> None:
    """Run Django's ``makemessages`` for ``catalogue``, in the checkout or the copy at ``root``."""
    folder = catalogue.source(root)
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
    """Copy the sources of every catalogue, without the catalogues, into ``target``.

    Return ``target``, the ``root`` to give :meth:`Catalogue.source`.
    """
    skip = shutil.ignore_patterns("locale", "__pycache__")
    shutil.copytree(PACKAGE, target / "rapidsms", ignore=skip)
    for catalogue in CATALOGUES:
        if catalogue.tree != "rapidsms":
            shutil.copytree(catalogue.source(), catalogue.source(target), ignore=skip)
    return target


def compile_catalogues() -> None:
    """Compile every ``.po`` of every tree to its ``.mo``, checking the placeholders."""
    for tree in TREES.values():
        for po in sorted(tree.glob("**/locale/*/LC_MESSAGES/*.po")):
            subprocess.run(
                ["msgfmt", "--check-format", "-o", str(po.with_suffix(".mo")), str(po)],
                check=True,
            )


def main() -> None:
    """Update every catalogue from the code, then compile them."""
    for catalogue in CATALOGUES:
        makemessages(catalogue, None, ["en", *LANGUAGES])
    compile_catalogues()


if __name__ == "__main__":
    main()

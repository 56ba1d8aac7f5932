"""Every text the code marks is translated, and every shipped ``.mo`` is up to date.

The texts are extracted from a copy of the package and of the example
project's app with Django's ``makemessages`` (GNU gettext's ``xgettext``),
as ``make messages`` does, and each catalogue in each language must
translate all of them; its ``.po`` is compiled with ``msgfmt
--check-format`` (placeholders must match) and must give exactly the
shipped ``.mo``. A failure names the texts to translate:
run ``make messages``, translate the new ``msgstr`` lines, run it again.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.i18n.catalogues import CATALOGUES, LANGUAGES, Catalogue, copy_sources, makemessages

TOOLS = ["xgettext", "msgfmt", "msgen"]


def require_gettext() -> None:
    missing = [tool for tool in TOOLS if shutil.which(tool) is None]
    if missing:
        reason = (f"GNU gettext is not installed ({', '.join(missing)} missing: "
                  "apt-get install gettext)")
        if os.environ.get("RAPIDSMS_REQUIRE_SERVICES") == "1":
            pytest.fail(reason, pytrace=False)
        pytest.skip(reason)


def compiled(po: Path, mo: Path) -> dict:
    """Compile ``po`` to ``mo`` and return its catalogue ({msgid or (msgid, n): text})."""
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", str(mo), str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, f"msgfmt refuses {po}:\n{result.stderr}"
    return read_mo(mo)


def read_mo(mo: Path) -> dict:
    with mo.open("rb") as handle:
        translations = gettext.GNUTranslations(handle)
    return dict(translations._catalog)  # type: ignore[attr-defined]


@pytest.fixture(scope="module")
def used_texts(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[set, set]]:
    """Return {catalogue name: (singular msgids, plural msgids)} the code uses."""
    require_gettext()
    root = copy_sources(tmp_path_factory.mktemp("sources"))
    texts = {}
    for catalogue in CATALOGUES:
        makemessages(catalogue, root, ["en"])
        po = catalogue.po("en", root)
        # msgen copies each msgid to its msgstr, so the compiled catalogue lists them all.
        english = po.with_name("english.po")
        subprocess.run(["msgen", "-o", str(english), str(po)], check=True)
        catalog = compiled(english, english.with_suffix(".mo"))
        singular = {key for key in catalog if isinstance(key, str) and key}
        plural = {key[0] for key in catalog if isinstance(key, tuple)}
        texts[catalogue.name] = (singular, plural)
    return texts


CASES = [(catalogue, language) for catalogue in CATALOGUES for language in LANGUAGES]


@pytest.mark.parametrize(
    ("catalogue", "language"), CASES, ids=[f"{c.name}-{lang}" for c, lang in CASES]
)
def test_catalogue_translates_every_text_and_its_mo_is_compiled(
    catalogue: Catalogue, language: str, used_texts, tmp_path: Path
) -> None:
    po = catalogue.po(language)
    assert po.exists(), f"{po} is missing: run make messages"
    fresh = compiled(po, tmp_path / "fresh.mo")
    forms = int(re.search(r"nplurals=(\d+)", fresh[""]).group(1))
    singular, plural = used_texts[catalogue.name]
    untranslated = sorted(text for text in singular if not fresh.get(text))
    untranslated += sorted(
        text for text in plural if not all(fresh.get((text, n)) for n in range(forms))
    )
    assert not untranslated, (
        f"{po} does not translate (or marks fuzzy) {len(untranslated)} text(s) the code "
        f"uses:\n" + "\n".join(untranslated)
    )
    shipped = po.with_suffix(".mo")
    assert shipped.exists(), f"{shipped} is missing: run make messages"
    assert read_mo(shipped) == fresh, f"{shipped} is older than {po}: run make messages"

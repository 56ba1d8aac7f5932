"""The Kannel page's sample configuration is the one the end-to-end tests run."""

from __future__ import annotations

import re
import textwrap
from pathlib import Path

from tests.kannel.rig import SAMPLE, KannelSetup

DOCS_PAGE = Path(__file__).resolve().parents[2] / "docs" / "backends" / "kannel.rst"
#: The sample's block on the page: a code-block captioned kannel.conf, indented under it.
BLOCK = re.compile(r"^\.\. code-block:: text\n   :caption: kannel\.conf\n\n((?:   .*\n|\n)+)",
                   re.MULTILINE)


def documented_sample() -> str:
    found = BLOCK.search(DOCS_PAGE.read_text(encoding="utf-8"))
    assert found, "docs/backends/kannel.rst has no code-block captioned kannel.conf"
    return textwrap.dedent(found.group(1)).strip() + "\n"


def test_the_documented_sample_is_the_tested_configuration() -> None:
    assert documented_sample() == SAMPLE.read_text(encoding="utf-8")


def test_the_tests_change_only_ports_paths_secrets_and_the_site(tmp_path: Path) -> None:
    setup = KannelSetup(tmp_path, site_url="http://127.0.0.1:8000", token="t0ken")
    sample = SAMPLE.read_text(encoding="utf-8").splitlines()
    tested = setup.render(SAMPLE.read_text(encoding="utf-8")).splitlines()
    changed = {before.split("=")[0].strip()
               for before, after in zip(sample, tested, strict=True) if before != after}
    assert changed == {"admin-port", "admin-password", "smsbox-port", "port", "bearerbox-port",
                       "sendsms-port", "log-file", "password", "get-url"}

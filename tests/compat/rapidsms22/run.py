"""``python -m tests.compat.rapidsms22.run SOURCE OUTPUT``: run 2.2's tests, write each outcome.

``SOURCE`` is the folder :func:`.source.fetch` returned. ``OUTPUT`` gets a
JSON object ``{test id: {"status": "pass"|"fail"|"error"|"skip", "detail":
...}}``. The import of 2.2's ``rapidsms.backends.kannel.models`` by its
Kannel tests is reported as a test of its own, :data:`KANNEL_MODELS`.
"""

from __future__ import annotations

import importlib
import json
import os
import sys
import unittest
from pathlib import Path
from typing import Any

#: The id under which the Kannel tests' import of the removed model is reported.
KANNEL_MODELS = "rapidsms.backends.kannel.tests:import rapidsms.backends.kannel.models"


def main(source: str, output: str) -> None:
    os.environ["RAPIDSMS22_SOURCE"] = source
    os.environ["DJANGO_SETTINGS_MODULE"] = "tests.compat.rapidsms22.settings"
    import django

    django.setup()
    from django.test.runner import DiscoverRunner

    from tests.compat.rapidsms22 import overlay

    outcomes: dict[str, dict[str, str]] = {}

    class Result(unittest.TextTestResult):
        def record(self, test: Any, status: str, err: Any = None) -> None:
            detail = self._exc_info_to_string(err, test) if err else ""
            outcomes[test.id()] = {"status": status, "detail": detail}

        def addSuccess(self, test):  # noqa: N802 (unittest's names)
            super().addSuccess(test)
            self.record(test, "pass")

        def addFailure(self, test, err):  # noqa: N802
            super().addFailure(test, err)
            self.record(test, "fail", err)

        def addError(self, test, err):  # noqa: N802
            super().addError(test, err)
            self.record(test, "error", err)

        def addSkip(self, test, reason):  # noqa: N802
            super().addSkip(test, reason)
            outcomes[test.id()] = {"status": "skip", "detail": reason}

    class Runner(DiscoverRunner):
        def get_resultclass(self):
            return Result

        def load_tests_for_label(self, label, discover_kwargs):
            # Each label is a module: never discover from a folder.
            with self.load_with_patterns():
                return self.test_loader.loadTestsFromName(label)

    try:
        importlib.import_module("rapidsms.backends.kannel.models")
        outcomes[KANNEL_MODELS] = {"status": "pass", "detail": ""}
    except ImportError as exc:
        outcomes[KANNEL_MODELS] = {"status": "error", "detail": f"ImportError: {exc}"}

    modules = overlay.test_modules(Path(source))
    Runner(verbosity=0, interactive=False).run_tests(overlay.labels(modules))
    Path(output).write_text(json.dumps(outcomes, indent=1, sort_keys=True))


if __name__ == "__main__":
    main(*sys.argv[1:3])

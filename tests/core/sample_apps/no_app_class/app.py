"""An ``app.py`` with no SMS app in it (it only imports the base class)."""

from __future__ import annotations

from rapidsms.apps.base import AppBase  # noqa: F401


def helper() -> str:
    return "not an app"

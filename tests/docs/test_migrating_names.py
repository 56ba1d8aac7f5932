"""The migration page's "two names that sound alike" says what each 2.x name is, truly."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.utils.module_loading import import_string

PAGE = Path(__file__).resolve().parents[2] / "docs" / "migrating.rst"


def section() -> str:
    text = PAGE.read_text(encoding="utf-8")
    start = text.index("**Two names that sound alike.**")
    return text[start:text.index("\n\n", text.index("They are independent", start))]


def test_every_dotted_name_the_section_gives_imports() -> None:
    names = set(re.findall(r"``(rapidsms\.[\w.]+)``", section()))
    assert {"rapidsms.backends.database", "rapidsms.router.db"} <= names
    for name in names:
        module, _, attribute = name.rpartition(".")
        try:
            import_string(name)
        except ImportError:
            # A package rather than an attribute of one.
            __import__(f"{module}.{attribute}")


def test_the_classes_and_labels_are_what_the_section_says() -> None:
    from rapidsms.backends.base import BackendBase
    from rapidsms.backends.database import DatabaseBackend
    from rapidsms.backends.database.models import BackendMessage
    from rapidsms.router.celery import CeleryRouter
    from rapidsms.router.db import DatabaseRouter
    from rapidsms.router.db.models import Message

    text = section()
    assert issubclass(DatabaseBackend, BackendBase)
    assert issubclass(CeleryRouter, DatabaseRouter)  # one router under two names
    labels = re.findall(r"\(app\s+label\s+``(\w+)``\)", text)
    assert labels == ["database", "db"]
    assert BackendMessage._meta.app_label == "database"
    assert Message._meta.app_label == "db"
    assert apps.get_app_config("db").name == "rapidsms.router.db"

"""A fresh environment with the built wheel and its ``test`` extra, from the packaging tests."""

from __future__ import annotations

from tests.packaging.conftest import (  # noqa: F401
    dists,
    environments,
    pytest_collection_finish,
    site_venv,
)

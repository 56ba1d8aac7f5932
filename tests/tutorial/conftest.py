"""Fixtures of the tutorial's tests: the project a reader builds, step by step."""

from __future__ import annotations

import pytest

from tests.tutorial.walk import TutorialWalk


@pytest.fixture(scope="session")
def walk(tmp_path_factory: pytest.TempPathFactory) -> TutorialWalk:
    """Return the reader's project; ``walk.upto(n)`` follows the pages up to step ``n``."""
    root = tmp_path_factory.mktemp("tutorial") / "clinic-stock"
    root.mkdir()
    return TutorialWalk(root)

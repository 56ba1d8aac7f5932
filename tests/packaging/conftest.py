"""Fixtures of the packaging tests: the sdist and the wheel, and the fresh environments.

The wheel is built once per run. The environments the selected tests use are
installed together, in the background, as soon as the wheel is there: each
test waits only for its own.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable

import pytest

from tests.durable.processes import missing
from tests.packaging.dists import Dists, build_dists
from tests.packaging.guide import deploy_requirements, monitoring_requirements
from tests.packaging.venvs import Venv

#: Each fresh environment (by its fixture's name) and what is installed into it.
ENVIRONMENTS: dict[str, Callable[[Dists], list[str]]] = {
    # A project's developer: the wheel with the test extra.
    "site_venv": lambda dists: [f"{dists.wheel}[test]"],
    # Whoever builds documentation: the docs extra.
    "docs_venv": lambda dists: [f"{dists.wheel}[docs]"],
    # A server, as the deployment guide installs it.
    "deploy_venv": lambda dists: deploy_requirements(dists.wheel),
    # Whoever scrapes the metrics URL, as the monitoring page installs it.
    "metrics_venv": lambda dists: monitoring_requirements(dists.wheel),
}
NEEDED = pytest.StashKey[set[str]]()


def pytest_collection_finish(session: pytest.Session) -> None:
    """Note which environments the selected tests use."""
    session.config.stash[NEEDED] = {
        name for item in session.items for name in getattr(item, "fixturenames", ())
        if name in ENVIRONMENTS
    }


@pytest.fixture(scope="session")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Dists:
    """The sdist and the wheel of the project's files."""
    if importlib.util.find_spec("build") is None:
        missing("The packaging tests build with the 'build' package (the 'test' extra).")
    return build_dists(tmp_path_factory.mktemp("dists"))


@pytest.fixture(scope="session")
def environments(request: pytest.FixtureRequest, dists: Dists,
                 tmp_path_factory: pytest.TempPathFactory) -> dict[str, Venv]:
    """Start installing every environment the selected tests use; return them by name."""
    root = tmp_path_factory.mktemp("venv")
    needed = request.config.stash.get(NEEDED, set()) or set(ENVIRONMENTS)
    return {name: Venv.create(root / name).start_install(*ENVIRONMENTS[name](dists))
            for name in sorted(needed)}


@pytest.fixture(scope="session")
def site_venv(environments: dict[str, Venv]) -> Venv:
    return environments["site_venv"].wait_installed()


@pytest.fixture(scope="session")
def docs_venv(environments: dict[str, Venv]) -> Venv:
    return environments["docs_venv"].wait_installed()


@pytest.fixture(scope="session")
def deploy_venv(environments: dict[str, Venv]) -> Venv:
    return environments["deploy_venv"].wait_installed()


@pytest.fixture(scope="session")
def metrics_venv(environments: dict[str, Venv]) -> Venv:
    return environments["metrics_venv"].wait_installed()

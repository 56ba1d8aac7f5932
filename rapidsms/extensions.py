"""What plug-ins add to the core's pages and commands, without the core knowing them.

The core never imports a plug-in (a gateway, a contrib app, the durable
router). A plug-in that has a page for the navigation, something for
``manage.py rapidsms_prune`` to delete or something for ``manage.py
rapidsms_status`` to report registers it from its ``AppConfig.ready()``::

    from django.utils.translation import gettext_lazy as _

    from rapidsms import extensions

    class SurveyConfig(AppConfig):
        name = "survey"

        def ready(self):
            extensions.register_page(extensions.Page(
                url_name="survey-results", title=_("Survey"),
                description=_("Answers so far, by question."), order=60,
            ))

Registering twice under the same name replaces the first, so ``ready()`` may
run more than once (as it does in some test set-ups).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.urls import NoReverseMatch, reverse


@dataclass(frozen=True)
class Page:
    """A page for the site's navigation and the dashboard's cards.

    Shown when ``url_name`` is mounted in the project's URLconf (a page the
    project did not include is left out), in ``order``; ``staff_only`` pages
    only to staff users.
    """

    url_name: str
    title: Any
    description: Any = ""
    order: int = 100
    staff_only: bool = False


@dataclass(frozen=True)
class PruneStep:
    """Something ``rapidsms_prune`` deletes.

    ``run(days, dry_run)`` deletes (or, with ``dry_run``, counts) what is no
    longer needed, keeping ``days`` days of history where that applies, and
    returns how many rows went. ``describe(count, days, verb)`` returns the
    line the command prints, ``verb`` being "deleted" or "would delete".
    """

    name: str
    run: Callable[[int, bool], int]
    describe: Callable[[int, int, str], str]


@dataclass
class StatusReport:
    """What a plug-in tells ``rapidsms_status``: lines to print and data for ``--json``."""

    lines: list[str] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)


#: ``provider(recover=bool) -> StatusReport``; ``recover`` asks it to resume lost work first.
StatusProvider = Callable[..., StatusReport]

_pages: dict[str, Page] = {}
_prune_steps: dict[str, PruneStep] = {}
_status_providers: dict[str, StatusProvider] = {}


def register_page(page: Page) -> None:
    """Add ``page`` to the navigation and the dashboard."""
    _pages[page.url_name] = page


def register_prune_step(step: PruneStep) -> None:
    """Add ``step`` to what ``manage.py rapidsms_prune`` runs."""
    _prune_steps[step.name] = step


def register_status_provider(name: str, provider: StatusProvider) -> None:
    """Add ``provider`` to what ``manage.py rapidsms_status`` reports."""
    _status_providers[name] = provider


def pages(user: Any = None) -> list[dict[str, Any]]:
    """Return the registered pages ``user`` may see that the URLconf mounts, in order.

    Each is a dict with ``title``, ``description`` and ``url``.
    """
    shown = []
    for page in sorted(_pages.values(), key=lambda page: (page.order, page.url_name)):
        if page.staff_only and not getattr(user, "is_staff", False):
            continue
        try:
            url = reverse(page.url_name)
        except NoReverseMatch:
            continue
        shown.append({"title": page.title, "description": page.description, "url": url})
    return shown


def prune_steps() -> list[PruneStep]:
    """Return the registered prune steps, in the order they were registered."""
    return list(_prune_steps.values())


def status_providers() -> dict[str, StatusProvider]:
    """Return the registered status providers by name."""
    return dict(_status_providers)

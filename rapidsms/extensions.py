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

A plug-in that counts messages feeds the dashboard's numbers and charts
with :func:`register_traffic_source`, and adds figures of its own (a
backlog, messages in doubt) with :func:`register_dashboard_panel`.

Registering twice under the same name replaces the first, so ``ready()`` may
run more than once (as it does in some test set-ups).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
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


@dataclass(frozen=True)
class TrafficCount:
    """How many messages went one way through one backend in one period."""

    start: datetime
    backend: str
    direction: str  # "I" (incoming) or "O" (outgoing)
    count: int
    failed: int = 0


@dataclass(frozen=True)
class TrafficSource:
    """Where the dashboard counts messages from.

    ``counts(since, unit)`` returns a :class:`TrafficCount` for every
    period of ``unit`` ("hour" or "day", in the current time zone) from
    ``since`` on that saw messages, its ``start`` being the period's first
    moment. ``failed`` counts the outgoing messages that failed for good.
    The dashboard uses the source with the lowest ``order`` only, so that
    two plug-ins counting the same messages do not count them twice.
    """

    name: str
    counts: Callable[[datetime, str], list[TrafficCount]]
    order: int = 100
    #: ``rows_between(start, end)`` returns how many messages fall between
    #: ``start`` and ``end`` (a cheap, indexed count). The counts of the days
    #: before today are reused while it stays the same; without it they are
    #: counted on every view.
    rows_between: Callable[[datetime, datetime], int] | None = None


@dataclass(frozen=True)
class Figure:
    """One number on the dashboard, with what it means; ``alert`` draws the eye to it."""

    label: Any
    value: Any
    hint: Any = ""
    alert: bool = False


@dataclass(frozen=True)
class DashboardPanel:
    """Figures a plug-in adds to the dashboard.

    ``figures()`` is called for every view of the dashboard (and its live
    updates, every few seconds): keep it to a few indexed queries. It
    returns a list of :class:`Figure`. ``staff_only`` panels are shown to
    staff users only.
    """

    name: str
    title: Any
    figures: Callable[[], list[Figure]]
    order: int = 100
    staff_only: bool = False


_pages: dict[str, Page] = {}
_prune_steps: dict[str, PruneStep] = {}
_status_providers: dict[str, StatusProvider] = {}
_traffic_sources: dict[str, TrafficSource] = {}
_dashboard_panels: dict[str, DashboardPanel] = {}


def register_page(page: Page) -> None:
    """Add ``page`` to the navigation and the dashboard."""
    _pages[page.url_name] = page


def register_prune_step(step: PruneStep) -> None:
    """Add ``step`` to what ``manage.py rapidsms_prune`` runs."""
    _prune_steps[step.name] = step


def register_status_provider(name: str, provider: StatusProvider) -> None:
    """Add ``provider`` to what ``manage.py rapidsms_status`` reports."""
    _status_providers[name] = provider


def register_traffic_source(source: TrafficSource) -> None:
    """Let the dashboard count messages (its numbers and charts) with ``source``."""
    _traffic_sources[source.name] = source


def register_dashboard_panel(panel: DashboardPanel) -> None:
    """Add ``panel``'s figures to the dashboard."""
    _dashboard_panels[panel.name] = panel


def traffic_source() -> TrafficSource | None:
    """Return the registered traffic source of the lowest order, or ``None``."""
    sources = sorted(_traffic_sources.values(), key=lambda source: (source.order, source.name))
    return sources[0] if sources else None


def dashboard_panels(user: Any = None) -> list[DashboardPanel]:
    """Return the registered dashboard panels ``user`` may see, in order."""
    return [
        panel
        for panel in sorted(_dashboard_panels.values(), key=lambda panel: (panel.order, panel.name))
        if not panel.staff_only or getattr(user, "is_staff", False)
    ]


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

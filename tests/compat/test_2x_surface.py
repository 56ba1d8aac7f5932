"""Every public name of RapidSMS 2.2 still works, or docs/migrating.rst says why it is gone.

``data/rapidsms22_surface.txt`` lists RapidSMS 2.2.0's public surface, read
once from its released source. Each entry must resolve here (a module
imports, a name or member exists, a URL name reverses, a template loads...),
or match an entry of :data:`GONE`, whose words docs/migrating.rst must
contain. So a name that disappears fails this test until it is restored or
its removal is documented.
"""

from __future__ import annotations

import importlib
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import get_commands
from django.template import engines
from django.template.loader import get_template
from django.test import override_settings
from django.urls import reverse

from tests.docs.test_reference import settings_in_code

ROOT = Path(__file__).resolve().parents[2]
SURFACE_FILE = Path(__file__).parent / "data" / "rapidsms22_surface.txt"
MIGRATING = ROOT / "docs" / "migrating.rst"
SETTINGS_PAGE = ROOT / "docs" / "ref" / "settings.rst"

SURFACE = [
    line.strip()
    for line in SURFACE_FILE.read_text(encoding="utf-8").splitlines()
    if line.strip() and not line.startswith("#")
]

#: What is gone for good: a prefix of surface entries, and the words of
#: docs/migrating.rst that name it (with why, and what to use instead).
GONE: dict[str, str] = {
    # django-selectable is no longer a dependency.
    "rapidsms.contrib.messaging.lookups": "rapidsms.contrib.messaging.lookups",
    # The App model and its command; extensible models (differences 14 and 20).
    "rapidsms.models:App": "rapidsms.models.App",
    "rapidsms.management.commands.update_apps": "update_apps",
    "command:update_apps": "update_apps",
    "rapidsms.models:ExtensibleModelBase": "rapidsms.models.ExtensibleModelBase",
    # Kannel's delivery reports update the status of the message they are about.
    "rapidsms.backends.kannel.models": "rapidsms.backends.kannel.models",
    "rapidsms.backends.kannel.admin": "rapidsms.backends.kannel.admin",
    **{
        f"rapidsms.backends.kannel.views:DeliveryReportView.{name}":
            "``CreateView`` members of ``DeliveryReportView``"
        for name in ("model", "fields", "get", "get_form_kwargs", "form_valid", "form_invalid")
    },
    "rapidsms.backends.kannel.forms:KannelForm.clean_text": "KannelForm.clean_text()",
    # The pages were rewritten.
    "rapidsms.contrib.httptester.forms:MessageForm.bulk": "MessageForm.bulk",
    "rapidsms.contrib.httptester.forms:MessageForm.clean_identity":
        "MessageForm.clean_identity()",
    "rapidsms.contrib.registration.tables:ContactTable.id": "ContactTable.id",
    "template:404.html": "404.html",
    "template:500.html": "500.html",
    "template:dashboard.html": "``dashboard.html``",
    "template:messaging/dashboard.html": "messaging/dashboard.html",
    "template:registration/base.html": "registration/base.html",
    "template:registration/bulk_form.html": "registration/bulk_form.html",
    "template:registration/dashboard.html": "registration/dashboard.html",
    "static:": "jquery-1.9.0.min.js",
    # The durable router keeps a status per transmission.
    "rapidsms.router.db.router:DatabaseRouter.queue_message": "queue_message()",
    "rapidsms.router.db.router:DatabaseRouter.group_transmissions": "group_transmissions()",
    "rapidsms.router.db.router:DatabaseRouter.create_message_from_dbm":
        "create_message_from_dbm()",
    "rapidsms.router.db.models:Message.set_status": "Message.set_status()",
    "rapidsms.router.db.models:Message.sent": "Message.sent",
    "rapidsms.router.db.models:Message.delivered": "Message.delivered",
    # Properties that only raised an exception in RapidSMS 2.x.
    "rapidsms.messages.incoming:IncomingMessage.date": "IncomingMessage.date",
    "rapidsms.messages.outgoing:OutgoingMessage.date": "OutgoingMessage.date",
    "rapidsms.messages.outgoing:OutgoingMessage.sent": "OutgoingMessage.sent",
    "rapidsms.messages.outgoing:OutgoingMessage.sent_at": "OutgoingMessage.sent_at",
    # Module loggers of modules that no longer log.
    "rapidsms.backends.database.outgoing:logger": "rapidsms.backends.database.outgoing",
    "rapidsms.backends.http.views:logger": "rapidsms.backends.http.views",
    "rapidsms.backends.kannel.views:logger": "rapidsms.backends.kannel.views",
    "rapidsms.router.celery.router:logger": "rapidsms.router.celery.router",
    "rapidsms.router.celery.tasks:logger": "rapidsms.router.celery.tasks",
    # 2.2's rapidsms/utils.py, hidden by the rapidsms/utils/ package: never importable.
    "rapidsms.utils:empty_str": "empty_str",
    "rapidsms.utils:to_": "to_naive_utc_dt",
    "rapidsms.utils:timedelta_as_": "timedelta_as_seconds",
}

#: Modules kept as deprecated aliases: importing one warns.
DEPRECATED_MODULES = [
    "rapidsms.contrib.default.settings",
    "rapidsms.contrib.handlers.settings",
    "rapidsms.contrib.httptester.tables",
    "rapidsms.contrib.messaging.utils",
    "rapidsms.settings",
    "rapidsms.utils.modules",
    "rapidsms.utils.pagination",
    "rapidsms.utils.web_message",
]

#: Names kept as deprecated aliases in modules that are not: looking one up warns.
DEPRECATED_NAMES = [
    "rapidsms.contrib.default.app:App",
    "rapidsms.contrib.httptester.forms:SmallFileField",
    "rapidsms.contrib.messaging.views:send",
    "rapidsms.contrib.registration.forms:BulkRegistrationForm",
    "rapidsms.contrib.registration.forms:ConnectionFormSetBase",
    "rapidsms.contrib.registration.forms:SmallFileField",
    "rapidsms.router.db.models:DIRECTION_CHOICES",
    "rapidsms.router.db.models:STATUS_CHOICES",
    "rapidsms.tests.harness.base:UNICODE_CHARS",
]

#: Arguments of the 2.x URL names that take some.
URL_KWARGS = {"httptester": {"identity": 5551234}, "registration_contact_edit": {"pk": 1}}


def gone_entry(target: str) -> str | None:
    """Return the key of :data:`GONE` that covers ``target``, if any."""
    for prefix in GONE:
        if target == prefix or target.startswith(prefix) and (
            prefix.endswith((".", "/", ":", "_")) or target[len(prefix)] in ".:"
        ):
            return prefix
    return None


def resolve_python(target: str) -> Any:
    """Import ``module[:attr.path]`` and return the object; raise if it is missing."""
    module_name, _, attributes = target.partition(":")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        obj: Any = importlib.import_module(module_name)
        for name in attributes.split(".") if attributes else []:
            # Django keeps form fields in base_fields, django-tables2 columns
            # in base_columns: neither is a class attribute.
            declared = {**getattr(obj, "base_fields", {}), **getattr(obj, "base_columns", {})}
            obj = declared[name] if isinstance(obj, type) and name in declared else getattr(
                obj, name
            )
    return obj


def static_file_exists(path: str) -> bool:
    return any(Path(config.path, "static", path).is_file() for config in apps.get_app_configs())


@override_settings(ROOT_URLCONF="tests.compat.urls2x")
def resolve(target: str) -> None:
    """Raise unless ``target`` exists here."""
    kind, _, name = target.partition(":")
    if kind == "url":
        reverse(name, kwargs=URL_KWARGS.get(name))
    elif kind == "template":
        get_template(name)
    elif kind == "library":
        assert name in engines["django"].engine.template_libraries, f"no library {name}"
    elif kind == "command":
        assert name in get_commands(), f"no command {name}"
    elif kind == "setting":
        assert name in settings_in_code(), f"no code reads {name}"
        assert name in SETTINGS_PAGE.read_text(encoding="utf-8"), f"{name} is not documented"
    elif kind == "static":
        assert static_file_exists(name), f"no static file {name}"
    else:
        resolve_python(target)


@pytest.mark.parametrize("target", SURFACE)
def test_each_2x_name_works_or_is_documented_as_gone(target: str) -> None:
    entry = gone_entry(target)
    if entry is None:
        resolve(target)
        return
    with pytest.raises(Exception):  # noqa: B017 (any failure to resolve will do)
        resolve(target)
    assert GONE[entry] in MIGRATING.read_text(encoding="utf-8"), (
        f"{target} is gone: docs/migrating.rst must say so ({GONE[entry]!r})."
    )


def test_each_gone_entry_and_alias_is_in_the_surface() -> None:
    # A stale entry would hide nothing, or a typo would excuse nothing.
    unused = [prefix for prefix in GONE if not any(gone_entry(t) == prefix for t in SURFACE)]
    assert not unused
    assert set(DEPRECATED_MODULES) <= set(SURFACE)
    assert set(DEPRECATED_NAMES) <= set(SURFACE)


def test_the_surface_list_holds_what_is_known_to_be_there() -> None:
    # Guards the guard: an empty or truncated list would pass every test above.
    assert len(SURFACE) > 600
    expected = {
        "rapidsms.router:send",
        "rapidsms.tests.harness:RapidTest",
        "rapidsms.utils.modules:try_import",
        "library:paginator_tags",
        "url:rapidsms-login",
        "template:base.html",
        "setting:PAGINATOR_BORDER_LINKS",
    }
    assert expected <= set(SURFACE)


@pytest.mark.parametrize("module_name", DEPRECATED_MODULES)
def test_importing_a_deprecated_module_warns_where_it_is_imported(module_name: str) -> None:
    sys.modules.pop(module_name, None)
    with pytest.warns(DeprecationWarning, match=r"deprecated RapidSMS 2\.x name: use") as record:
        importlib.import_module(module_name)
    warning = next(w for w in record if issubclass(w.category, DeprecationWarning))
    assert module_name in str(warning.message)
    # The warning skips the alias module and the import system's frames
    # (importlib.import_module() included) to point at the code importing.
    assert warning.filename == __file__


def test_an_import_statement_is_what_the_module_warning_points_at() -> None:
    sys.modules.pop("rapidsms.utils.modules", None)
    with pytest.warns(DeprecationWarning) as record:
        import rapidsms.utils.modules  # noqa: F401
    assert record[0].filename == __file__


@pytest.mark.parametrize("target", DEPRECATED_NAMES)
def test_looking_up_a_deprecated_name_warns_where_it_is_looked_up(target: str) -> None:
    module_name, _, name = target.partition(":")
    module = importlib.import_module(module_name)
    with pytest.warns(DeprecationWarning, match=name) as record:
        value = getattr(module, name)
    assert value is not None
    assert record[0].filename == __file__

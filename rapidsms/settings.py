"""The defaults of RapidSMS 2.x's core settings, kept as a deprecated module.

RapidSMS 2.x merged this module into the project's settings with
``djappsettings``. Read a setting with ``django.conf.settings`` or
:func:`rapidsms.conf.get_setting`, which falls back to the defaults in
:data:`rapidsms.conf.DEFAULTS`; the names below hold those defaults.
Importing this module raises a ``DeprecationWarning``.
"""

from __future__ import annotations

from rapidsms.conf import DEFAULTS
from rapidsms.deprecation import warn_module_imported

warn_module_imported("rapidsms.settings", "rapidsms.conf.get_setting()")

PROJECT_NAME = DEFAULTS["PROJECT_NAME"]
PAGINATOR_OBJECTS_PER_PAGE = DEFAULTS["PAGINATOR_OBJECTS_PER_PAGE"]
PAGINATOR_BORDER_LINKS = DEFAULTS["PAGINATOR_BORDER_LINKS"]
PAGINATOR_ADJACENT_LINKS = DEFAULTS["PAGINATOR_ADJACENT_LINKS"]

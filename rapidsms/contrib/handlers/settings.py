"""The defaults of the handler discovery's settings, kept as a deprecated module.

RapidSMS 2.x merged this module into the project's settings with
``djappsettings``. These settings only matter to the deprecated discovery
of handlers: set ``RAPIDSMS_HANDLERS`` instead. Importing this module
raises a ``DeprecationWarning``.
"""

from __future__ import annotations

import copy

from rapidsms.conf import DEFAULTS
from rapidsms.deprecation import warn_module_imported

warn_module_imported("rapidsms.contrib.handlers.settings", "the RAPIDSMS_HANDLERS setting")

INSTALLED_HANDLERS = copy.copy(DEFAULTS["INSTALLED_HANDLERS"])
EXCLUDED_HANDLERS = copy.copy(DEFAULTS["EXCLUDED_HANDLERS"])
RAPIDSMS_HANDLERS_EXCLUDE_APPS = copy.copy(DEFAULTS["RAPIDSMS_HANDLERS_EXCLUDE_APPS"])

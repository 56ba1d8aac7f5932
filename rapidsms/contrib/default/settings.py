"""The default of ``DEFAULT_RESPONSE``, RapidSMS 2.x's module, kept as a deprecated module.

RapidSMS 2.x merged this module into the project's settings with
``djappsettings``. Read the setting with ``django.conf.settings`` or
:func:`rapidsms.conf.get_setting`. Importing this module raises a
``DeprecationWarning``.
"""

from __future__ import annotations

from rapidsms.conf import DEFAULTS
from rapidsms.deprecation import warn_module_imported

warn_module_imported("rapidsms.contrib.default.settings", "rapidsms.conf.get_setting()")

DEFAULT_RESPONSE = DEFAULTS["DEFAULT_RESPONSE"]

"""Contacts that register themselves by SMS (``JOIN <name>``) and pick a language.

The SMS side is two handlers, listed in ``RAPIDSMS_HANDLERS``::

    RAPIDSMS_HANDLERS = [
        "rapidsms.contrib.registration.handlers.register.RegisterHandler",
        "rapidsms.contrib.registration.handlers.language.LanguageHandler",
    ]

:func:`rapidsms.contrib.registration.forms.parse_contacts_csv` reads the bulk-import
file of the contacts page.
"""

"""Opt-out: a bare ``STOP`` (or a translation of it) stops the messages a contact gets.

Install it after ``rapidsms.contrib.messagelog`` and before the other SMS
apps::

    INSTALLED_APPS = [
        ...,
        "rapidsms.contrib.messagelog",
        "rapidsms.contrib.optout",
        "rapidsms.contrib.handlers",
        ...,
        "rapidsms.contrib.default",
    ]

The state lives in :class:`~rapidsms.contrib.optout.models.OptOut`; the
functions in :mod:`rapidsms.contrib.optout.models` read and change it.
"""

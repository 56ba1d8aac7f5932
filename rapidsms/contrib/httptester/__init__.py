"""The message tester: send texts as any phone number and see the replies.

Add ``"rapidsms.contrib.httptester"`` and ``"rapidsms.backends.database"`` to
``INSTALLED_APPS``, a backend named ``message_tester`` to
``INSTALLED_BACKENDS``::

    INSTALLED_BACKENDS = {
        "message_tester": {"ENGINE": "rapidsms.backends.database.DatabaseBackend"},
    }

and mount the pages: ``path("httptester/", include("rapidsms.contrib.httptester.urls"))``.
"""

#: The name the tester's backend must have in ``INSTALLED_BACKENDS``.
BACKEND_NAME = "message_tester"

#: What to add to the settings when the backend is missing.
SETTINGS_HINT = (
    'INSTALLED_BACKENDS["message_tester"] = '
    '{"ENGINE": "rapidsms.backends.database.DatabaseBackend"}'
)

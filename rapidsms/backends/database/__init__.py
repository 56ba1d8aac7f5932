"""A backend that stores messages in the database instead of sending them.

Used by the message tester and by tests. Add ``"rapidsms.backends.database"``
to ``INSTALLED_APPS`` for its table.
"""

from rapidsms.backends.database.outgoing import DatabaseBackend

__all__ = ["DatabaseBackend"]
